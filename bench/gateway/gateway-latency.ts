/**
 * bench/gateway: the latency Ragline's model gateway adds over calling the upstream directly, next to the
 * Portkey gateway (npm @portkey-ai/gateway) on the same upstream in the same run. Three child processes:
 * a vLLM-like upstream with fixed delays (fake-vllm.ts), the real Ragline server (`ragline serve`, one
 * vllm target, one `single` route) and Portkey's Node server; this process is the load generator
 * (closed loop, keep-alive). Cells are interleaved across rounds so drift hits every variant alike.
 * See bench/README.md, "Gateway".
 *
 *   npx tsx --conditions=@ragline/source bench/gateway/gateway-latency.ts
 *
 * RAGLINE_BENCH_GATEWAY_SECONDS (measured seconds per cell and round, default 3),
 * RAGLINE_BENCH_GATEWAY_ROUNDS (default 2), RAGLINE_BENCH_GATEWAY_SERVER (dist | source | the path of
 * another build's bin/ragline.js, to measure a patched build; default dist when packages/server/dist is
 * newer than the sources, else source), RAGLINE_BENCH_GATEWAY_NODE_FLAGS (flags for Ragline's node process,
 * e.g. `--max-semi-space-size=8`, to measure V8 settings; default none), RAGLINE_BENCH_GATEWAY_MODES
 * (`json`, `stream` or both, comma-separated, to iterate on one mode; default both).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkSourceCondition, printMachine, REPO_ROOT, tempDir } from '../lib/env.js';
import { percentile, printTable } from '../lib/table.js';
import { type Child, cores, cpuMs, freePort, ownCpuMs, rssBytes, startChild } from './child-process.js';
import { type LoadResult, runClosedLoop } from './closed-loop.js';
import { DEFAULT_FAKE_VLLM } from './fake-vllm.js';

const SECONDS = Number(process.env.RAGLINE_BENCH_GATEWAY_SECONDS ?? 3);
const ROUNDS = Number(process.env.RAGLINE_BENCH_GATEWAY_ROUNDS ?? 2);
const NODE_FLAGS = (process.env.RAGLINE_BENCH_GATEWAY_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const CELL_WARMUP_MS = 300;
const INITIAL_WARMUP_MS = 1500;
const CONCURRENCY = [1, 16, 64];
const ADMIN_KEY = 'ragline-bench-gateway-admin-key-0123456789';
const ROUTE = 'bench';
const UPSTREAM_MODEL = 'bench-model';
const MB = 1024 * 1024;

export const GATEWAY_TARGETS = {
  addedP50Ms: 1,
  addedP99Ms: 5,
  rpsVsPortkey: 2,
  rssMB: 150,
};

type Variant = 'direct' | 'ragline' | 'portkey';
type Mode = 'json' | 'stream';
const VARIANTS: Variant[] = ['direct', 'ragline', 'portkey'];
const MODES: Mode[] = (process.env.RAGLINE_BENCH_GATEWAY_MODES ?? 'json,stream')
  .split(',')
  .map((m) => m.trim())
  .filter((m): m is Mode => m === 'json' || m === 'stream');

interface Endpoint {
  url: string;
  headers: Record<string, string>;
  model: string;
  /** The process whose CPU and memory are measured; none for direct calls. */
  pid?: number;
}

interface Cell {
  latencies: number[];
  ttfts: number[];
  reportedOverheadMs: number[];
  errors: number;
  firstError?: string;
  seconds: number;
  gatewayCpuMs: number;
  upstreamCpuMs: number;
  clientCpuMs: number;
  rssPeak: number;
}

export interface GatewayRow {
  mode: Mode;
  concurrency: number;
  variant: Variant;
  p50: number;
  p99: number;
  addedP50: number;
  addedP99: number;
  rps: number;
  errors: number;
  gatewayCpuMsPerRequest: number;
  rssPeakMB: number;
}

export interface GatewayBenchResult {
  rows: GatewayRow[];
  raglineIdleRssMB: number;
  portkeyIdleRssMB: number;
  server: string;
}

function body(model: string, stream: boolean): string {
  return JSON.stringify({
    model,
    messages: [{ role: 'user', content: 'Write sixteen words about gateways.' }],
    max_tokens: DEFAULT_FAKE_VLLM.chunks,
    stream,
    ...(stream && { stream_options: { include_usage: true } }),
  });
}

/** dist when it exists and nothing under src is newer (the bin is what users run), else the sources. */
function pickServer(): string {
  const wanted = process.env.RAGLINE_BENCH_GATEWAY_SERVER;
  if (wanted) return wanted;
  const dist = join(REPO_ROOT, 'packages', 'server', 'dist');
  if (!existsSync(join(dist, 'runtime', 'node.js'))) return 'source';
  const newest = (dir: string, ext: string): number => {
    let max = 0;
    for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (!entry.isFile() || !entry.name.endsWith(ext) || entry.name.includes('.test.')) continue;
      max = Math.max(max, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    }
    return max;
  };
  return newest(join(REPO_ROOT, 'packages', 'server', 'src'), '.ts') <= newest(dist, '.js')
    ? 'dist'
    : 'source';
}

async function startUpstream(): Promise<{ child: Child; url: string }> {
  const { child, value: port } = await startChild(
    'fake vLLM',
    process.execPath,
    ['--import', 'tsx', 'bench/gateway/fake-vllm.ts'],
    { ...process.env },
    (out) => {
      const m = /listening (\d+)/.exec(out);
      return m ? Number(m[1]) : undefined;
    },
  );
  return { child, url: `http://127.0.0.1:${port}` };
}

async function startRagline(
  upstreamUrl: string,
  server: string,
): Promise<{ child: Child; url: string; cleanup: () => Promise<void> }> {
  const tmp = await tempDir('gateway');
  const configFile = join(tmp.dir, 'gateway.yaml');
  await writeFile(
    configFile,
    [
      'targets:',
      '  - id: upstream',
      '    kind: vllm',
      `    model: ${UPSTREAM_MODEL}`,
      `    baseURL: ${upstreamUrl}/v1`,
      'routes:',
      `  - name: ${ROUTE}`,
      '    strategy: single',
      '    targets: [{ ref: upstream }]',
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: String(port),
    HOST: '127.0.0.1',
    RAGLINE_DATA_DIR: join(tmp.dir, 'data'),
    RAGLINE_ADMIN_KEY: ADMIN_KEY,
    RAGLINE_CONFIG: configFile,
    RAGLINE_ALLOW_REMOTE_MODELS: 'false',
  };
  const args = [
    ...NODE_FLAGS,
    ...(server === 'source'
      ? ['--import', 'tsx', '--conditions=@ragline/source', 'bench/gateway/ragline-source-server.ts']
      : [server === 'dist' ? 'packages/server/bin/ragline.js' : server, 'serve']),
  ];
  const { child } = await startChild('Ragline', process.execPath, args, env, (out) =>
    out.includes('Ragline listening on') ? true : undefined,
  );
  return { child, url: `http://127.0.0.1:${port}`, cleanup: tmp.cleanup };
}

async function startPortkey(): Promise<{ child: Child; url: string }> {
  const port = await freePort();
  const entry = join(REPO_ROOT, 'node_modules', '@portkey-ai', 'gateway', 'build', 'start-server.js');
  const { child } = await startChild(
    'Portkey',
    process.execPath,
    // See portkey-fetch-fix.mjs: without it Portkey 1.15.2 answers every stream on Node with a 500.
    ['--import', './bench/gateway/portkey-fetch-fix.mjs', entry, `--port=${port}`, '--headless'],
    { PATH: process.env.PATH, HOME: process.env.HOME },
    (out) => (out.includes('Ready for connections') ? true : undefined),
  );
  return { child, url: `http://127.0.0.1:${port}` };
}

/** One request through the endpoint; fails loudly when the answer is not what the upstream sent. */
async function smoke(name: string, endpoint: Endpoint): Promise<void> {
  for (const stream of [false, true]) {
    const res = await fetch(endpoint.url, {
      method: 'POST',
      headers: { ...endpoint.headers, 'content-type': 'application/json' },
      body: body(endpoint.model, stream),
    });
    const text = await res.text();
    const ok = res.ok && (stream ? text.includes('w16') && text.includes('[DONE]') : text.includes('w16'));
    if (!ok)
      throw new Error(
        `${name} (${stream ? 'stream' : 'json'}) answered ${res.status}: ${text.slice(0, 500)}`,
      );
  }
}

async function measure(
  endpoint: Endpoint,
  mode: Mode,
  concurrency: number,
  durationMs: number,
  warmupMs: number,
  upstreamPid: number,
): Promise<Cell> {
  const pid = endpoint.pid;
  let rssPeak = pid ? rssBytes(pid) : Number.NaN;
  const sampler = pid
    ? setInterval(() => {
        rssPeak = Math.max(rssPeak, rssBytes(pid));
      }, 100)
    : undefined;
  const cpu0 = pid ? cpuMs(pid) : Number.NaN;
  const up0 = cpuMs(upstreamPid);
  const own0 = ownCpuMs();
  const result: LoadResult = await runClosedLoop({
    url: endpoint.url,
    headers: endpoint.headers,
    body: body(endpoint.model, mode === 'stream'),
    stream: mode === 'stream',
    concurrency,
    warmupMs,
    durationMs,
  });
  clearInterval(sampler);
  if (pid) rssPeak = Math.max(rssPeak, rssBytes(pid));
  return {
    ...result,
    gatewayCpuMs: pid ? cpuMs(pid) - cpu0 : 0,
    upstreamCpuMs: cpuMs(upstreamPid) - up0,
    clientCpuMs: ownCpuMs() - own0,
    rssPeak,
  };
}

function merge(into: Cell | undefined, cell: Cell): Cell {
  if (!into) return cell;
  return {
    latencies: into.latencies.concat(cell.latencies),
    ttfts: into.ttfts.concat(cell.ttfts),
    reportedOverheadMs: into.reportedOverheadMs.concat(cell.reportedOverheadMs),
    errors: into.errors + cell.errors,
    ...((into.firstError ?? cell.firstError) !== undefined && {
      firstError: into.firstError ?? cell.firstError,
    }),
    seconds: into.seconds + cell.seconds,
    gatewayCpuMs: into.gatewayCpuMs + cell.gatewayCpuMs,
    upstreamCpuMs: into.upstreamCpuMs + cell.upstreamCpuMs,
    clientCpuMs: into.clientCpuMs + cell.clientCpuMs,
    rssPeak: Math.max(into.rssPeak, cell.rssPeak),
  };
}

const f2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '-');
const signed = (v: number) => (Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${v.toFixed(2)}` : '-');

export async function runGatewayLatency(): Promise<GatewayBenchResult> {
  const server = pickServer();
  console.log(
    `gateway: upstream first byte ${DEFAULT_FAKE_VLLM.firstByteMs} ms, ${DEFAULT_FAKE_VLLM.chunks} chunks every ` +
      `${DEFAULT_FAKE_VLLM.chunkMs} ms; ${ROUNDS} rounds x ${SECONDS} s per cell; Ragline from ${server}` +
      `${NODE_FLAGS.length > 0 ? ` with ${NODE_FLAGS.join(' ')}` : ''}; ` +
      `load generator, upstream and both gateways share ${cores()} cores`,
  );
  const children: Child[] = [];
  let cleanupRagline: (() => Promise<void>) | undefined;
  try {
    const upstream = await startUpstream();
    children.push(upstream.child);
    const ragline = await startRagline(upstream.url, server);
    children.push(ragline.child);
    cleanupRagline = ragline.cleanup;
    const portkey = await startPortkey();
    children.push(portkey.child);

    const endpoints: Record<Variant, Endpoint> = {
      direct: {
        url: `${upstream.url}/v1/chat/completions`,
        headers: { authorization: 'Bearer sk-bench' },
        model: UPSTREAM_MODEL,
      },
      ragline: {
        url: `${ragline.url}/v1/chat/completions`,
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
        model: ROUTE,
        pid: ragline.child.pid,
      },
      portkey: {
        url: `${portkey.url}/v1/chat/completions`,
        headers: {
          authorization: 'Bearer sk-bench',
          'x-portkey-provider': 'openai',
          'x-portkey-custom-host': `${upstream.url}/v1`,
        },
        model: UPSTREAM_MODEL,
        pid: portkey.child.pid,
      },
    };
    for (const v of VARIANTS) await smoke(v, endpoints[v]);
    const raglineIdleRssMB = rssBytes(ragline.child.pid) / MB;
    const portkeyIdleRssMB = rssBytes(portkey.child.pid) / MB;

    for (const mode of MODES) {
      for (const v of VARIANTS)
        await measure(endpoints[v], mode, 16, INITIAL_WARMUP_MS, 0, upstream.child.pid);
    }

    const cells = new Map<string, Cell>();
    const key = (mode: Mode, c: number, v: Variant) => `${mode}/${c}/${v}`;
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of MODES) {
        for (const [ci, c] of CONCURRENCY.entries()) {
          // Rotate the order so no variant always runs first (or right after the heaviest one).
          const shift = (round + ci) % VARIANTS.length;
          const order = [...VARIANTS.slice(shift), ...VARIANTS.slice(0, shift)];
          for (const v of order) {
            const cell = await measure(
              endpoints[v],
              mode,
              c,
              SECONDS * 1000,
              CELL_WARMUP_MS,
              upstream.child.pid,
            );
            cells.set(key(mode, c, v), merge(cells.get(key(mode, c, v)), cell));
          }
        }
      }
    }

    const rows: GatewayRow[] = [];
    for (const mode of MODES) {
      const table: string[][] = [];
      const cpuTable: string[][] = [];
      for (const c of CONCURRENCY) {
        const stat = (v: Variant) => {
          const cell = cells.get(key(mode, c, v)) as Cell;
          const samples = mode === 'stream' ? cell.ttfts : cell.latencies;
          return {
            cell,
            p50: percentile(samples, 50),
            p99: percentile(samples, 99),
            n: cell.latencies.length,
          };
        };
        const direct = stat('direct');
        for (const v of VARIANTS) {
          const s = stat(v);
          const rps = s.n / s.cell.seconds;
          const row: GatewayRow = {
            mode,
            concurrency: c,
            variant: v,
            p50: s.p50,
            p99: s.p99,
            addedP50: s.p50 - direct.p50,
            addedP99: s.p99 - direct.p99,
            rps,
            errors: s.cell.errors,
            gatewayCpuMsPerRequest: s.cell.gatewayCpuMs / Math.max(1, s.n),
            rssPeakMB: s.cell.rssPeak / MB,
          };
          rows.push(row);
          table.push([
            String(c),
            v,
            String(s.n),
            f2(s.p50),
            f2(s.p99),
            v === 'direct' ? '' : signed(row.addedP50),
            v === 'direct' ? '' : signed(row.addedP99),
            rps.toFixed(0),
            String(s.cell.errors),
            v === 'direct' ? '' : f2(row.gatewayCpuMsPerRequest),
            v === 'direct' ? '' : row.rssPeakMB.toFixed(0),
          ]);
          const secs = s.cell.seconds;
          cpuTable.push([
            String(c),
            v,
            v === 'direct' ? '' : `${((s.cell.gatewayCpuMs / (secs * 1000)) * 100).toFixed(0)} %`,
            `${((s.cell.upstreamCpuMs / (secs * 1000)) * 100).toFixed(0)} %`,
            `${((s.cell.clientCpuMs / (secs * 1000)) * 100).toFixed(0)} %`,
            s.cell.reportedOverheadMs.length > 0
              ? `${f2(percentile(s.cell.reportedOverheadMs, 50))} / ${f2(percentile(s.cell.reportedOverheadMs, 99))}`
              : '',
          ]);
          if (s.cell.firstError) console.log(`  ${mode} c=${c} ${v}: first error: ${s.cell.firstError}`);
        }
      }
      const what = mode === 'stream' ? 'streaming, time to first token' : 'non-streaming, whole response';
      printTable(
        `Gateway latency: ${what} (ms; added = gateway - direct at the same concurrency)`,
        [
          'conc.',
          'variant',
          'requests',
          'p50',
          'p99',
          'added p50',
          'added p99',
          'req/s',
          'errors',
          'gw CPU ms/req',
          'gw RSS peak MB',
        ],
        table,
      );
      printTable(
        `CPU use during the ${mode === 'stream' ? 'streaming' : 'non-streaming'} cells (100 % = one core)`,
        ['conc.', 'variant', 'gateway', 'upstream', 'load generator', 'x-ragline-overhead-ms p50 / p99'],
        cpuTable,
      );
    }

    const find = (mode: Mode, c: number, v: Variant) =>
      rows.find((r) => r.mode === mode && r.concurrency === c && r.variant === v) as GatewayRow;
    const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
    const checks: string[][] = [];
    for (const mode of MODES) {
      const r = find(mode, 16, 'ragline');
      checks.push([
        `${mode}: p50 added, c=16`,
        `${f2(r.addedP50)} ms`,
        `<= ${GATEWAY_TARGETS.addedP50Ms} ms`,
        verdict(r.addedP50 <= GATEWAY_TARGETS.addedP50Ms),
      ]);
      checks.push([
        `${mode}: p99 added, c=16`,
        `${f2(r.addedP99)} ms`,
        `<= ${GATEWAY_TARGETS.addedP99Ms} ms`,
        verdict(r.addedP99 <= GATEWAY_TARGETS.addedP99Ms),
      ]);
      for (const c of CONCURRENCY) {
        const ratio = find(mode, c, 'ragline').rps / find(mode, c, 'portkey').rps;
        checks.push([
          `${mode}: req/s Ragline / Portkey, c=${c}`,
          `${ratio.toFixed(2)}x`,
          `>= ${GATEWAY_TARGETS.rpsVsPortkey}x`,
          verdict(ratio >= GATEWAY_TARGETS.rpsVsPortkey),
        ]);
      }
    }
    const rssPeak = Math.max(...rows.filter((r) => r.variant === 'ragline').map((r) => r.rssPeakMB));
    checks.push([
      'Ragline RSS, peak under load',
      `${rssPeak.toFixed(0)} MB`,
      `<= ${GATEWAY_TARGETS.rssMB} MB`,
      verdict(rssPeak <= GATEWAY_TARGETS.rssMB),
    ]);
    checks.push(['Ragline RSS, idle after start', `${raglineIdleRssMB.toFixed(0)} MB`, '', '']);
    const portkeyPeak = Math.max(...rows.filter((r) => r.variant === 'portkey').map((r) => r.rssPeakMB));
    checks.push([
      'Portkey RSS, idle / peak under load',
      `${portkeyIdleRssMB.toFixed(0)} / ${portkeyPeak.toFixed(0)} MB`,
      '',
      '',
    ]);
    printTable('Gateway targets', ['check', 'value', 'target', 'verdict'], checks);

    return { rows, raglineIdleRssMB, portkeyIdleRssMB, server };
  } finally {
    for (const child of children.reverse()) await child.stop();
    await cleanupRagline?.();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  checkSourceCondition();
  printMachine();
  const started = performance.now();
  await runGatewayLatency();
  console.log(`gateway: ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
