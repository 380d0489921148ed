export type Align = 'left' | 'right';

/** Plain-text table: columns padded to their widest cell, two spaces apart, no trailing spaces. */
export function renderTextTable(
  header: readonly string[],
  rows: readonly string[][],
  align: readonly Align[],
): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return align[column] === 'right' ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
