import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (bench/ lives directly under it). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Public IR datasets, read by path: RAGLINE_BENCH_DATA or `<repo>/../shared/data`. Never copied into the repo. */
export function benchDataDir(): string {
  return resolve(process.env.RAGLINE_BENCH_DATA ?? join(REPO_ROOT, '..', 'shared', 'data'));
}

/**
 * The folder of one dataset, or null after printing why it is skipped. Benchmarks that need it then
 * print "skipped" and exit 0, so a checkout without the data still runs `npm run bench` cleanly.
 */
export function datasetDir(name: string, requiredFiles: string[]): string | null {
  const dir = join(benchDataDir(), name);
  const missing = requiredFiles.filter((f) => !existsSync(join(dir, f)));
  if (missing.length === 0) return dir;
  console.log(
    `skipped ${name}: ${missing.map((f) => join(dir, f)).join(', ')} not found. ` +
      'Set RAGLINE_BENCH_DATA to the folder that holds beir-scifact/ and cisi/ (default <repo>/../shared/data).',
  );
  return null;
}

/** Fails loudly when the server packages resolve to stale builds instead of their sources. */
export function checkSourceCondition(): void {
  const resolved = import.meta.resolve('@ragline/sdk/contracts');
  if (!resolved.includes('/src/')) {
    console.warn(
      `warning: @ragline/sdk resolves to ${resolved} (a build, maybe stale); run with "tsx --conditions=@ragline/source".`,
    );
  }
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
  date: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString().slice(0, 10),
  };
}

export function printMachine(): void {
  const m = machineInfo();
  console.log(
    `machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB RAM, Node ${m.node}, ${m.platform}; ${m.date}`,
  );
}

/** A fresh directory under os.tmpdir(); `cleanup` removes it. */
export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(os.tmpdir(), `ragline-bench-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
