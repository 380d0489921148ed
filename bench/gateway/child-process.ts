import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../lib/env.js';

export interface Child {
  name: string;
  pid: number;
  process: ChildProcess;
  /** The last lines the child wrote (stdout and stderr), for error messages. */
  tail(): string;
  stop(): Promise<void>;
}

/**
 * Starts a child process and resolves once `ready(outputSoFar)` returns a value (or rejects when it
 * exits first or `timeoutMs` passes). The child's stdout and stderr go to a temp file, not a pipe, so
 * that its log lines never cost the load generator (this process) any CPU.
 */
export async function startChild<T>(
  name: string,
  command: string,
  args: string[],
  env: Record<string, string | undefined>,
  ready: (output: string) => T | undefined | Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<{ child: Child; value: T }> {
  const logDir = mkdtempSync(join(os.tmpdir(), 'ragline-bench-child-'));
  const logFile = join(logDir, 'output.log');
  const fd = openSync(logFile, 'w');
  const proc = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const output = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const child: Child = {
    name,
    pid: proc.pid ?? -1,
    process: proc,
    tail: () => output().slice(-2000),
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(logDir, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + timeoutMs;
  let done = false;
  void exited.then((code) => {
    done = true;
    return code;
  });
  while (!done && Date.now() < deadline) {
    const value = await ready(output());
    if (value !== undefined) return { child, value };
    await new Promise((r) => setTimeout(r, 50));
  }
  await child.stop();
  throw new Error(
    `${name} did not start (${done ? `exited with ${proc.exitCode}` : 'timed out'}):\n${child.tail()}`,
  );
}

/** A port that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resident set size of a process in bytes (VmRSS from /proc), or NaN where there is no /proc. */
export function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** User + system CPU time a process has used so far, in ms (from /proc/<pid>/stat), or NaN. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return Number.NaN;
  }
}

/** The CPU time of the calling process, in ms. */
export function ownCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

export function cores(): number {
  return os.availableParallelism?.() ?? os.cpus().length;
}
