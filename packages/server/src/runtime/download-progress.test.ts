import { describe, expect, it } from 'vitest';
import type { Logger } from '../ports/logger.js';
import { createDownloadProgressLogger } from './download-progress.js';

describe('createDownloadProgressLogger', () => {
  it('logs each file at most once per 10 percent', () => {
    const lines: Record<string, unknown>[] = [];
    const logger: Logger = {
      debug() {},
      info: (_msg, fields) => lines.push(fields ?? {}),
      warn() {},
      error() {},
    };
    const progress = createDownloadProgressLogger(logger);
    for (let loaded = 0; loaded <= 1000; loaded += 25)
      progress({ file: 'onnx/model.onnx', loaded, total: 1000 });
    progress({ file: 'tokenizer.json', loaded: 5, total: 10 });
    progress({ file: 'config.json', loaded: 5, total: 0 });
    const model = lines.filter((l) => l.file === 'onnx/model.onnx').map((l) => l.percent);
    expect(model).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(lines.filter((l) => l.file === 'tokenizer.json')).toHaveLength(1);
    expect(lines.some((l) => l.file === 'config.json')).toBe(false);
  });
});
