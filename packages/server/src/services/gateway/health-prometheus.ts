/** One sample line of the Prometheus text exposition format. */
export interface PrometheusSample {
  name: string;
  labels: Record<string, string>;
  /** NaN, +Inf and -Inf are kept as the corresponding numbers. */
  value: number;
}

/**
 * Parses the Prometheus text exposition format (0.0.4, and the OpenMetrics text that shares it):
 * comments and HELP/TYPE lines are skipped, label values may hold escaped quotes, backslashes, newlines,
 * commas and braces, a trailing comma and a timestamp are accepted, CRLF line ends too. Prometheus 3's
 * quoted UTF-8 names (`{"a.b",x="1"}`) are read as the name. A line that does not parse is skipped
 * rather than failing the scrape: one odd line from an exporter must not hide the gauges placement needs.
 */
export function parsePrometheusText(text: string): PrometheusSample[] {
  const samples: PrometheusSample[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const sample = parseLine(line);
    if (sample) samples.push(sample);
  }
  return samples;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

function parseLine(line: string): PrometheusSample | null {
  let name = NAME.exec(line)?.[0] ?? '';
  let i = skipSpaces(line, name.length);
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    for (;;) {
      i = skipSpaces(line, i);
      if (line[i] === '}') {
        i++;
        break;
      }
      let key: string;
      if (line[i] === '"') {
        const quoted = readQuoted(line, i);
        if (!quoted) return null;
        i = skipSpaces(line, quoted.end);
        if (line[i] !== '=') {
          // A quoted metric name inside the braces (Prometheus 3 UTF-8 names).
          if (name !== '') return null;
          name = quoted.value;
          if (line[i] === ',') i++;
          continue;
        }
        key = quoted.value;
      } else {
        const match = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i))?.[0];
        if (!match) return null;
        key = match;
        i = skipSpaces(line, i + match.length);
        if (line[i] !== '=') return null;
      }
      i = skipSpaces(line, i + 1);
      const value = readQuoted(line, i);
      if (!value) return null;
      labels[key] = value.value;
      i = skipSpaces(line, value.end);
      if (line[i] === ',') i++;
      else if (line[i] !== '}') return null;
    }
  }
  if (name === '') return null;
  const rest = line.slice(i).trim().split(/\s+/);
  const value = parseValue(rest[0] ?? '');
  if (value === null) return null;
  return { name, labels, value };
}

function skipSpaces(line: string, i: number): number {
  while (line[i] === ' ' || line[i] === '\t') i++;
  return i;
}

function readQuoted(line: string, start: number): { value: string; end: number } | null {
  if (line[start] !== '"') return null;
  let value = '';
  for (let i = start + 1; i < line.length; i++) {
    const c = line[i];
    if (c === '\\') {
      const next = line[++i];
      value += next === 'n' ? '\n' : (next ?? '');
    } else if (c === '"') {
      return { value, end: i + 1 };
    } else {
      value += c;
    }
  }
  return null;
}

function parseValue(text: string): number | null {
  if (text === '') return null;
  const lower = text.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (lower === '+inf' || lower === 'inf') return Number.POSITIVE_INFINITY;
  if (lower === '-inf') return Number.NEGATIVE_INFINITY;
  const value = Number(text);
  return Number.isNaN(value) ? null : value;
}
