import { describe, expect, it } from 'vitest';
import { createJsonLogger } from '../ports/logger.js';
import { createStdioLogSink, type LogStream } from './node-log-sink.js';

function fakeStream(name: string, writes: string[], options: { throws?: boolean } = {}): LogStream {
  let errorListeners = 0;
  return {
    write(text) {
      if (options.throws) throw new Error('EPIPE');
      writes.push(`${name}:${text}`);
      return true;
    },
    listenerCount: () => errorListeners,
    once() {
      errorListeners++;
    },
    removeListener() {
      errorListeners--;
    },
  };
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('createStdioLogSink', () => {
  it('writes the lines of maxDelayMs together, in order', async () => {
    const writes: string[] = [];
    const { sink } = createStdioLogSink({
      maxDelayMs: 5,
      stdout: fakeStream('out', writes),
      stderr: fakeStream('err', writes),
    });
    sink('{"n":1}', 'info');
    await wait(1);
    sink('{"n":2}', 'debug');
    expect(writes).toEqual([]);
    await wait(30);
    expect(writes).toEqual(['out:{"n":1}\n{"n":2}\n']);
    sink('{"n":3}', 'info');
    await wait(30);
    expect(writes).toEqual(['out:{"n":1}\n{"n":2}\n', 'out:{"n":3}\n']);
  });

  it('writes warn and error at once to stderr, after what was buffered', () => {
    const writes: string[] = [];
    const { sink } = createStdioLogSink({
      stdout: fakeStream('out', writes),
      stderr: fakeStream('err', writes),
    });
    sink('{"n":1}', 'info');
    sink('{"n":2}', 'error');
    sink('{"n":3}', 'warn');
    expect(writes).toEqual(['out:{"n":1}\n', 'err:{"n":2}\n', 'err:{"n":3}\n']);
  });

  it('writes at once when the buffer is full, and on flush()', () => {
    const writes: string[] = [];
    const { sink, flush } = createStdioLogSink({
      maxBufferedChars: 10,
      stdout: fakeStream('out', writes),
      stderr: fakeStream('err', writes),
    });
    sink('12345', 'info');
    expect(writes).toEqual([]);
    sink('67890', 'info');
    expect(writes).toEqual(['out:12345\n67890\n']);
    sink('x', 'info');
    flush();
    flush();
    expect(writes).toEqual(['out:12345\n67890\n', 'out:x\n']);
  });

  it('drops lines a broken stream refuses instead of throwing into the request', () => {
    const { sink, flush } = createStdioLogSink({
      stdout: fakeStream('out', [], { throws: true }),
      stderr: fakeStream('err', [], { throws: true }),
    });
    sink('{"n":1}', 'info');
    expect(() => flush()).not.toThrow();
    expect(() => sink('{"n":2}', 'error')).not.toThrow();
  });

  it('carries createJsonLogger lines at or above the level', async () => {
    const writes: string[] = [];
    const { sink } = createStdioLogSink({
      maxDelayMs: 5,
      stdout: fakeStream('out', writes),
      stderr: fakeStream('err', writes),
    });
    const logger = createJsonLogger('info', sink);
    logger.debug('hidden');
    logger.info('request', { status: 200 });
    await wait(30);
    expect(writes).toHaveLength(1);
    const line = JSON.parse((writes[0] ?? '').slice('out:'.length));
    expect(line).toMatchObject({ level: 'info', msg: 'request', status: 200 });
    expect(Date.parse(line.time)).not.toBeNaN();
  });
});
