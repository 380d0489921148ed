import { describe, expect, it } from 'vitest';
import { extractHtml } from './extract-html.js';
import type { ExtractedDocument } from './extracted-document.js';

function blocks(doc: ExtractedDocument) {
  return doc.sections.map((s) => ({
    kind: s.kind,
    path: s.headingPath,
    text: doc.text.slice(s.start, s.end),
  }));
}

describe('extractHtml', () => {
  it('drops scripts, styles, head, navigation and hidden elements', () => {
    const html = `<!doctype html><html><head><title>Page title</title>
      <style>p { color: red }</style><script>var s = "<p>not text</p>";</script></head>
      <body><nav><a href="/">Home</a></nav><header role="banner">Site banner</header>
      <p>Visible text.</p><script type="module">import x from "y";</script>
      <div hidden>hidden attr</div><span aria-hidden="true">aria hidden</span>
      <div style="display: none">styled away</div><noscript>enable js</noscript>
      <footer>Copyright</footer></body></html>`;
    const doc = extractHtml(html);
    expect(doc.text).toBe('Visible text.');
    expect(blocks(doc)).toEqual([{ kind: 'paragraph', path: [], text: 'Visible text.' }]);
  });

  it('decodes entities and collapses whitespace outside <pre>', () => {
    const doc = extractHtml(
      '<p>Fish &amp; chips &lt;b&gt; &quot;q&quot; &#8364;5 &#x263A; caf&eacute;&nbsp;au lait\n   spaced\tout</p>',
    );
    expect(doc.text).toBe('Fish & chips <b> "q" €5 ☺ café au lait spaced out');
  });

  it('sets heading paths from h1-h6 and starts a section per block', () => {
    const html = `<body><p>Before headings.</p>
      <h1>Guide <small>v2</small></h1><p>Intro <b>bold</b> text.</p>
      <section><h2>Install</h2><div>Div with text</div><h3>From npm</h3><p>npm text</p></section>
      <h2>Usage</h2><p>Use it.</p>
      <h1>Reference</h1><article><p>Ref.</p></article></body>`;
    const doc = extractHtml(html);
    expect(blocks(doc)).toEqual([
      { kind: 'paragraph', path: [], text: 'Before headings.' },
      { kind: 'heading', path: ['Guide v2'], text: 'Guide v2' },
      { kind: 'paragraph', path: ['Guide v2'], text: 'Intro bold text.' },
      { kind: 'heading', path: ['Guide v2', 'Install'], text: 'Install' },
      { kind: 'paragraph', path: ['Guide v2', 'Install'], text: 'Div with text' },
      { kind: 'heading', path: ['Guide v2', 'Install', 'From npm'], text: 'From npm' },
      { kind: 'paragraph', path: ['Guide v2', 'Install', 'From npm'], text: 'npm text' },
      { kind: 'heading', path: ['Guide v2', 'Usage'], text: 'Usage' },
      { kind: 'paragraph', path: ['Guide v2', 'Usage'], text: 'Use it.' },
      { kind: 'heading', path: ['Reference'], text: 'Reference' },
      { kind: 'paragraph', path: ['Reference'], text: 'Ref.' },
    ]);
    expect(doc.sections.filter((s) => s.kind === 'heading').map((s) => s.level)).toEqual([1, 2, 3, 2, 1]);
    expect(doc.text).toContain('Before headings.\n\nGuide v2\n\nIntro bold text.');
  });

  it('makes one section of each list, table, pre and blockquote, with lines inside', () => {
    const html = `<ul><li>one</li><li>two<ul><li>nested</li></ul></li></ul>
      <pre>
  indented  code
line two
</pre>
      <table><thead><tr><th>Name</th><th>Value</th></tr></thead>
      <tbody><tr><td>a</td> <td>1</td></tr><tr><td>b</td><td>2</td></tr></tbody></table>
      <blockquote><p>Quoted one.</p><p>Quoted two.</p></blockquote>`;
    const doc = extractHtml(html);
    expect(blocks(doc).map((b) => [b.kind, b.text])).toEqual([
      ['list', 'one\ntwo\nnested'],
      ['code', 'indented  code\nline two'],
      ['table', 'Name | Value\na | 1\nb | 2'],
      ['quote', 'Quoted one.\nQuoted two.'],
    ]);
    // <pre> keeps its whitespace in the text, including the indentation the section trims.
    expect(doc.text).toContain('\n\n  indented  code\nline two\n\n');
  });

  it('turns <br> into a line break inside the same section', () => {
    const doc = extractHtml('<p>line one<br>line two<br/>line three</p>');
    expect(blocks(doc)).toEqual([{ kind: 'paragraph', path: [], text: 'line one\nline two\nline three' }]);
  });

  it('copes with unclosed and stray tags', () => {
    const doc = extractHtml('<p>one<p>two</span></div><li>loose item<h2>Open heading');
    expect(blocks(doc).map((b) => [b.kind, b.text])).toEqual([
      ['paragraph', 'one'],
      ['paragraph', 'two'],
      ['list', 'loose item\nOpen heading'],
    ]);
    for (const s of doc.sections)
      expect(doc.text.slice(s.start, s.end).trim()).toBe(doc.text.slice(s.start, s.end));
  });

  it('returns empty text for a page without visible text', () => {
    const doc = extractHtml('<html><head><script>x()</script></head><body>  <nav>menu</nav> </body></html>');
    expect(doc.text).toBe('');
    expect(doc.sections).toEqual([]);
  });
});
