import { createReadStream } from 'node:fs';
import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import type { EvalCase } from '../run/eval-run.js';

/** Lines waiting past this many bytes make `append` wait for the file (backpressure). */
const HIGH_WATER_BYTES = 1 << 20;

/**
 * A run's finished cases on disk, one JSON line each as `{"index":N,"case":{...}}` (N: the case's place in
 * the dataset), appended in the order cases finish. Lines are batched into one write while the previous
 * write is in flight, so a fast run makes few system calls; `append` waits only while more than 1 MiB is
 * queued, which bounds what the writer holds.
 */
export class ResultsFileWriter {
  private queued: string[] = [];
  private queuedBytes = 0;
  private flushing: Promise<void> | undefined;
  private failure: Error | undefined;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  /** Creates (or truncates) the file. */
  static async create(path: string): Promise<ResultsFileWriter> {
    await mkdir(dirname(path), { recursive: true });
    return new ResultsFileWriter(path, await open(path, 'w'));
  }

  async append(index: number, evalCase: EvalCase): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    const line = `{"index":${index},"case":${JSON.stringify(evalCase)}}\n`;
    this.queued.push(line);
    this.queuedBytes += line.length;
    this.flushing ??= this.flush();
    if (this.queuedBytes > HIGH_WATER_BYTES) await this.flushing;
  }

  /** Writes what is queued and closes the file; throws the first write error, if any. */
  async close(): Promise<void> {
    this.flushing ??= this.flush();
    await this.flushing;
    await this.handle.close();
    if (this.failure !== undefined) throw this.failure;
  }

  private async flush(): Promise<void> {
    try {
      while (this.queued.length > 0 && this.failure === undefined) {
        const text = this.queued.join('');
        this.queued = [];
        this.queuedBytes = 0;
        await this.handle.write(text);
      }
    } catch (error) {
      this.failure = new Error(`${this.path}: cannot write results (${(error as Error).message})`);
    } finally {
      this.flushing = undefined;
    }
  }
}

const LINE_START = /^\{"index":(\d+),"case":/;

/**
 * The cases of a results file in dataset order, one at a time: a first pass notes where each case's line
 * is (two numbers per case), then each line is read and parsed on its own, so a 10,000-case file is never
 * in memory at once. A case written twice (not done by the runner) counts once, the later line.
 */
export async function* readResultsFile(path: string): AsyncGenerator<EvalCase> {
  const where = await indexLines(path);
  const handle = await open(path, 'r');
  try {
    for (let index = 0; index < where.offsets.length; index += 1) {
      const offset = where.offsets[index];
      const length = where.lengths[index];
      if (offset === undefined || length === undefined) continue;
      const bytes = Buffer.alloc(length);
      await handle.read(bytes, 0, length, offset);
      const parsed = JSON.parse(bytes.toString('utf8')) as { case?: EvalCase };
      if (parsed.case === undefined) throw new Error(`${path}: line of case ${index} has no "case"`);
      yield parsed.case;
    }
  } finally {
    await handle.close();
  }
}

async function indexLines(path: string): Promise<{ offsets: number[]; lengths: number[] }> {
  const offsets: number[] = [];
  const lengths: number[] = [];
  let offset = 0;
  let lineNumber = 0;
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    lineNumber += 1;
    const length = Buffer.byteLength(line, 'utf8');
    if (line.trim() !== '') {
      const match = LINE_START.exec(line);
      if (match === null) throw new Error(`${path}:${lineNumber}: not a results line`);
      const index = Number(match[1]);
      offsets[index] = offset;
      lengths[index] = length;
    }
    offset += length + 1;
  }
  return { offsets, lengths };
}
