type Edit = { op: ' ' | '-' | '+'; line: string };

/** Longest-common-subsequence tables above this many cells fall back to "all removed, all added". */
const MAX_TABLE_CELLS = 4_000_000;

/**
 * A unified diff (`diff -u` style, `context` lines around each change) of two line lists; '' when they
 * are equal. Prompts are small: the common head and tail are trimmed, then the middle is diffed by LCS.
 */
export function unifiedDiff(
  from: string[],
  to: string[],
  labels: { from: string; to: string },
  context = 3,
): string {
  const edits = lineEdits(from, to);
  if (edits.every((edit) => edit.op === ' ')) return '';
  const out = [`--- ${labels.from}`, `+++ ${labels.to}`];
  for (const hunk of hunks(edits, context)) out.push(...hunk);
  return `${out.join('\n')}\n`;
}

function lineEdits(a: string[], b: string[]): Edit[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  ) {
    tail++;
  }
  const middleA = a.slice(head, a.length - tail);
  const middleB = b.slice(head, b.length - tail);
  return [
    ...a.slice(0, head).map((line) => ({ op: ' ' as const, line })),
    ...middleEdits(middleA, middleB),
    ...a.slice(a.length - tail).map((line) => ({ op: ' ' as const, line })),
  ];
}

function middleEdits(a: string[], b: string[]): Edit[] {
  const removed = a.map((line) => ({ op: '-' as const, line }));
  const added = b.map((line) => ({ op: '+' as const, line }));
  if (a.length === 0 || b.length === 0 || (a.length + 1) * (b.length + 1) > MAX_TABLE_CELLS) {
    return [...removed, ...added];
  }
  // lcs[i][j]: the LCS length of a[i..] and b[j..], in one flat table
  const width = b.length + 1;
  const lcs = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i * width + j] =
        a[i] === b[j]
          ? (lcs[(i + 1) * width + j + 1] as number) + 1
          : Math.max(lcs[(i + 1) * width + j] as number, lcs[i * width + j + 1] as number);
    }
  }
  const edits: Edit[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      edits.push({ op: ' ', line: a[i] as string });
      i++;
      j++;
    } else if ((lcs[(i + 1) * width + j] as number) >= (lcs[i * width + j + 1] as number)) {
      edits.push({ op: '-', line: a[i++] as string });
    } else {
      edits.push({ op: '+', line: b[j++] as string });
    }
  }
  while (i < a.length) edits.push({ op: '-', line: a[i++] as string });
  while (j < b.length) edits.push({ op: '+', line: b[j++] as string });
  return edits;
}

function hunks(edits: Edit[], context: number): string[][] {
  // old and new line numbers (1-based) before each edit
  const oldLine: number[] = [];
  const newLine: number[] = [];
  let o = 1;
  let n = 1;
  for (const edit of edits) {
    oldLine.push(o);
    newLine.push(n);
    if (edit.op !== '+') o++;
    if (edit.op !== '-') n++;
  }
  const changed = edits.flatMap((edit, index) => (edit.op === ' ' ? [] : [index]));
  const ranges: [number, number][] = [];
  for (const index of changed) {
    const start = Math.max(0, index - context);
    const end = Math.min(edits.length - 1, index + context);
    const last = ranges.at(-1);
    if (last && start <= last[1] + 1) last[1] = Math.max(last[1], end);
    else ranges.push([start, end]);
  }
  return ranges.map(([start, end]) => {
    const slice = edits.slice(start, end + 1);
    const oldCount = slice.filter((e) => e.op !== '+').length;
    const newCount = slice.filter((e) => e.op !== '-').length;
    // an empty side starts at the line before it, as diff -u writes it
    const oldStart = oldCount === 0 ? (oldLine[start] as number) - 1 : (oldLine[start] as number);
    const newStart = newCount === 0 ? (newLine[start] as number) - 1 : (newLine[start] as number);
    return [
      `@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`,
      ...slice.map((edit) => `${edit.op}${edit.line}`),
    ];
  });
}
