import type { RaglineOptions } from '@ragline/sdk';

export interface OutputStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface RunningServer {
  url: string;
  generatedAdminKeyFile?: string | null;
  close(): Promise<void>;
}

/** The shape of `startNodeServer` from ../runtime/node.js, injectable for tests. */
export type StartServer = (options: {
  port?: number;
  host?: string;
  dataDir?: string;
  env?: Record<string, string | undefined>;
}) => Promise<RunningServer>;

/** Everything the CLI touches outside itself; tests pass fakes. */
export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Passed to the SDK client (its fetch, sleep, retries). */
  clientOptions: Partial<RaglineOptions>;
  /** Defaults to a dynamic import of startNodeServer, so other commands never load the server. */
  startServer?: StartServer;
  /** Resolves when the server should stop (SIGINT/SIGTERM by default). */
  waitForShutdown: () => Promise<unknown>;
  now: () => number;
}

export function nodeIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    clientOptions: {},
    waitForShutdown: () =>
      new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      }),
    now: () => performance.now(),
  };
}
