/**
 * A minimal Prometheus registry (text exposition format 0.0.4). We do not use prom-client: it imports
 * Node-only modules (cluster, perf_hooks, process metrics) and the server core must bundle for Workers.
 * Everything here is plain TypeScript with no runtime imports.
 */

export type LabelValues<L extends string> = Readonly<Record<L, string>>;

export interface Counter<L extends string> {
  inc(labels: LabelValues<L>, value?: number): void;
}

export interface Gauge<L extends string> {
  set(labels: LabelValues<L>, value: number): void;
  add(labels: LabelValues<L>, delta: number): void;
}

export interface Histogram<L extends string> {
  observe(labels: LabelValues<L>, value: number): void;
}

export interface MetricsRegistry {
  counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L>;
  gauge<L extends string>(name: string, help: string, labelNames: readonly L[]): Gauge<L>;
  /**
   * `buckets` are upper bounds in the unit of the observed values, ascending; `+Inf` is added.
   * `scale` multiplies bounds and sums at render time (e.g. 1/1000 to observe milliseconds and expose
   * seconds), so integer observations keep exact sums.
   */
  histogram<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    buckets: readonly number[],
    options?: { scale?: number },
  ): Histogram<L>;
  render(): string;
}

interface Family {
  render(lines: string[]): void;
}

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function createMetricsRegistry(): MetricsRegistry {
  const families: Family[] = [];
  const names = new Set<string>();

  function register(name: string, labelNames: readonly string[], reserved: readonly string[] = []): void {
    if (!NAME_RE.test(name)) throw new Error(`invalid metric name "${name}"`);
    if (names.has(name)) throw new Error(`metric "${name}" is already registered`);
    for (const label of labelNames) {
      if (!LABEL_RE.test(label) || label.startsWith('__') || reserved.includes(label)) {
        throw new Error(`invalid label name "${label}" for metric "${name}"`);
      }
    }
    names.add(name);
  }

  function header(lines: string[], name: string, help: string, type: string): void {
    lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
  }

  function scalar(name: string, help: string, labelNames: readonly string[], type: 'counter' | 'gauge') {
    register(name, labelNames);
    const series = new Map<string, { labels: string; value: number }>();
    families.push({
      render(lines) {
        header(lines, name, help, type);
        for (const s of series.values()) lines.push(`${name}${s.labels} ${formatNumber(s.value)}`);
      },
    });
    return (labels: Record<string, string>, update: (current: number) => number) => {
      const key = seriesKey(name, labelNames, labels);
      const existing = series.get(key);
      if (existing) existing.value = update(existing.value);
      else series.set(key, { labels: formatLabels(labelNames, labels), value: update(0) });
    };
  }

  return {
    counter(name, help, labelNames) {
      const update = scalar(name, help, labelNames, 'counter');
      return {
        inc(labels, value = 1) {
          if (!(value >= 0) || !Number.isFinite(value)) {
            throw new Error(
              `counter "${name}" can only increase by a finite non-negative amount, got ${value}`,
            );
          }
          update(labels, (current) => current + value);
        },
      };
    },

    gauge(name, help, labelNames) {
      const update = scalar(name, help, labelNames, 'gauge');
      return {
        set(labels, value) {
          update(labels, () => value);
        },
        add(labels, delta) {
          update(labels, (current) => current + delta);
        },
      };
    },

    histogram(name, help, labelNames, buckets, options = {}) {
      register(name, labelNames, ['le']);
      for (let i = 0; i < buckets.length; i++) {
        const b = buckets[i] as number;
        if (!Number.isFinite(b) || (i > 0 && b <= (buckets[i - 1] as number))) {
          throw new Error(`histogram "${name}" buckets must be finite and strictly ascending`);
        }
      }
      const scale = options.scale ?? 1;
      const les = [...buckets.map((b) => formatNumber(b * scale)), '+Inf'];
      const series = new Map<
        string,
        { labels: Record<string, string>; counts: number[]; sum: number; count: number }
      >();
      families.push({
        render(lines) {
          header(lines, name, help, 'histogram');
          for (const s of series.values()) {
            let cumulative = 0;
            for (let i = 0; i < les.length; i++) {
              cumulative += s.counts[i] as number;
              const labels = formatLabels([...labelNames, 'le'], { ...s.labels, le: les[i] as string });
              lines.push(`${name}_bucket${labels} ${cumulative}`);
            }
            const labels = formatLabels(labelNames, s.labels);
            lines.push(
              `${name}_sum${labels} ${formatNumber(s.sum * scale)}`,
              `${name}_count${labels} ${s.count}`,
            );
          }
        },
      });
      return {
        observe(labels, value) {
          if (Number.isNaN(value)) throw new Error(`histogram "${name}" cannot observe NaN`);
          const key = seriesKey(name, labelNames, labels);
          let s = series.get(key);
          if (!s) {
            const picked: Record<string, string> = {};
            for (const l of labelNames) picked[l] = (labels as Record<string, string>)[l] as string;
            s = { labels: picked, counts: new Array<number>(les.length).fill(0), sum: 0, count: 0 };
            series.set(key, s);
          }
          let i = buckets.findIndex((b) => value <= b);
          if (i === -1) i = buckets.length;
          s.counts[i] = (s.counts[i] as number) + 1;
          s.sum += value;
          s.count += 1;
        },
      };
    },

    render() {
      const lines: string[] = [];
      for (const f of families) f.render(lines);
      return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
    },
  };
}

function seriesKey(metric: string, labelNames: readonly string[], labels: Record<string, string>): string {
  const values: string[] = [];
  for (const l of labelNames) {
    const v = labels[l];
    if (typeof v !== 'string') throw new Error(`metric "${metric}" is missing label "${l}"`);
    values.push(v);
  }
  return JSON.stringify(values);
}

function formatLabels(labelNames: readonly string[], labels: Record<string, string>): string {
  if (labelNames.length === 0) return '';
  return `{${labelNames.map((l) => `${l}="${escapeLabelValue(labels[l] as string)}"`).join(',')}}`;
}

/** Label values escape backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes backslash and line feed (not quotes). */
function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return '+Inf';
  if (n === Number.NEGATIVE_INFINITY) return '-Inf';
  // Round away binary noise from scaling (0.1 * 3 -> 0.30000000000000004) without losing real precision.
  return String(Number.parseFloat(n.toPrecision(15)));
}
