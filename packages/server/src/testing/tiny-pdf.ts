/** A line of text on a page; `gap` is the distance to the previous line in points (default 14). */
export type PdfLine = string | { text: string; gap: number };

/** Writes a minimal valid PDF 1.4: Helvetica, one content stream per page, exact xref offsets. */
export function buildPdf(pages: PdfLine[][]): Uint8Array {
  const escapeString = (s: string) => s.replace(/[\\()]/g, (c) => `\\${c}`);
  const objects: string[] = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${pages.map((_, i) => `${4 + i * 2} 0 R`).join(' ')}] /Count ${pages.length} >>`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
  ];
  pages.forEach((lines, i) => {
    const ops = lines.map((line, n) => {
      const { text, gap } = typeof line === 'string' ? { text: line, gap: 14 } : line;
      return `${n === 0 ? '' : `0 ${-gap} Td `}(${escapeString(text)}) Tj`;
    });
    const stream = `BT /F1 12 Tf 72 720 Td ${ops.join(' ')} ET`;
    objects.push(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${5 + i * 2} 0 R >>`,
      `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    );
  });
  let out = '%PDF-1.4\n';
  const offsets = objects.map((body, i) => {
    const offset = out.length;
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
    return offset;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) out += `${String(offset).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(out);
}
