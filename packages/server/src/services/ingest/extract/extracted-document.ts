export type SectionKind = 'heading' | 'paragraph' | 'list' | 'code' | 'table' | 'quote' | 'other';

/** One structural block of an extracted document: `text.slice(start, end)`, trimmed, never empty. */
export interface Section {
  start: number;
  end: number;
  kind: SectionKind;
  /** Enclosing headings, outermost first; a heading section's own path ends with itself. */
  headingPath: string[];
  /** 1-based page number (PDF only). */
  page?: number;
  /** Heading level 1-6 (heading sections only). */
  level?: number;
}

export interface ExtractedDocument {
  /** Plain text that every offset points into: the source itself for text/plain and text/markdown. */
  text: string;
  /** Structural blocks in document order, not overlapping. */
  sections: Section[];
  /** The normalized content type: text/plain, text/markdown, text/html or application/pdf. */
  contentType: string;
}
