import { describe, expect, it } from 'vitest';
import {
  MAX_SECTION_DEPTH,
  parseTemplate,
  renderTemplate,
  TemplateRenderLimitError,
  TemplateSyntaxError,
  topLevelNames,
} from './template-engine.js';

const render = (template: string, view: Record<string, unknown>, maxLength?: number) =>
  renderTemplate(parseTemplate(template), view, maxLength === undefined ? {} : { maxLength });

function syntaxError(template: string): TemplateSyntaxError {
  try {
    parseTemplate(template);
  } catch (error) {
    if (error instanceof TemplateSyntaxError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(template)} to be refused`);
}

describe('renderTemplate', () => {
  it('substitutes values without escaping anything', () => {
    expect(
      render('Hi {{name}}, <b>{{ html }}</b> & {{{raw}}} {{& amp}}', {
        name: 'Ada',
        html: '<i>"x" & y</i>',
        raw: '<r>',
        amp: '&',
      }),
    ).toBe('Hi Ada, <b><i>"x" & y</i></b> & <r> &');
  });

  it('renders numbers, booleans, lists and objects readably, missing and null as nothing', () => {
    expect(
      render('{{n}} {{f}} {{b}} {{list}} {{obj}} [{{missing}}] [{{nil}}]', {
        n: 42,
        f: 0.5,
        b: false,
        list: ['a', 1],
        obj: { k: 'v' },
        nil: null,
      }),
    ).toBe('42 0.5 false ["a",1] {"k":"v"} [] []');
  });

  it('reads dotted names inside objects and resolves the first segment up the context stack', () => {
    const view = {
      user: { name: { first: 'Ada' } },
      product: 'Ragline',
      docs: [{ title: 'A' }, { title: 'B' }],
    };
    expect(render('{{user.name.first}} {{user.name.last}} {{user.missing.deep}}', view)).toBe('Ada  ');
    expect(render('{{#docs}}{{title}} of {{product}}; {{/docs}}', view)).toBe('A of Ragline; B of Ragline; ');
    expect(render('{{docs.length}} {{docs.0.title}}', view)).toBe('2 A');
  });

  it('iterates lists, renders objects and truthy values once, and skips falsy ones', () => {
    expect(render('{{#items}}<{{.}}>{{/items}}', { items: ['a', 'b', 3] })).toBe('<a><b><3>');
    expect(render('{{#user}}{{name}}{{/user}}', { user: { name: 'Ada' } })).toBe('Ada');
    expect(render('{{#flag}}on {{.}}{{/flag}}', { flag: true })).toBe('on true');
    expect(render('{{#text}}[{{.}}]{{/text}}', { text: 'hello' })).toBe('[hello]');
    for (const falsy of [false, null, '', 0, [], undefined]) {
      expect(render('a{{#x}}shown{{/x}}b', { x: falsy })).toBe('ab');
      expect(render('a{{^x}}empty{{/x}}b', { x: falsy })).toBe('aemptyb');
    }
    expect(render('a{{^x}}empty{{/x}}b', { x: ['one'] })).toBe('ab');
    expect(render('{{#missing}}never{{/missing}}{{^missing}}fallback{{/missing}}', {})).toBe('fallback');
  });

  it('nests sections over nested lists', () => {
    const view = {
      groups: [
        { name: 'g1', items: [{ v: 1 }, { v: 2 }] },
        { name: 'g2', items: [] },
      ],
    };
    expect(
      render('{{#groups}}{{name}}:{{#items}}{{v}},{{/items}}{{^items}}none{{/items}};{{/groups}}', view),
    ).toBe('g1:1,2,;g2:none;');
  });

  it('removes lines that hold only a block tag, keeping the text around them', () => {
    const template = [
      'Sources:',
      '  {{#docs}}',
      '- {{title}}',
      '  {{/docs}}',
      '{{^docs}}',
      'No sources.',
      '{{/docs}}',
      '{{! a comment line }}',
      'Question: {{question}}',
    ].join('\n');
    expect(render(template, { docs: [{ title: 'A' }, { title: 'B' }], question: 'why?' })).toBe(
      'Sources:\n- A\n- B\nQuestion: why?',
    );
    expect(render(template, { docs: [], question: 'why?' })).toBe('Sources:\nNo sources.\nQuestion: why?');
    // a variable tag alone on its line is content, not a block tag
    expect(render('a\n{{x}}\nb', { x: '' })).toBe('a\n\nb');
    // inline sections keep their surroundings
    expect(render('Hi {{#n}}{{n}}{{/n}}!\r\nBye', { n: 'Ada' })).toBe('Hi Ada!\r\nBye');
  });

  it('never runs code: functions read as missing, and only own properties of data are visible', () => {
    let called = false;
    const view = {
      fn: () => {
        called = true;
        return 'ran';
      },
      obj: {},
    };
    expect(render('[{{fn}}][{{#fn}}section{{/fn}}][{{^fn}}inverted{{/fn}}]', view)).toBe('[][][inverted]');
    expect(called).toBe(false);
    expect(
      render(
        '[{{constructor}}][{{obj.constructor.name}}][{{toString}}][{{__proto__}}][{{obj.hasOwnProperty}}]',
        view,
      ),
    ).toBe('[][][][][]');
    // a JSON body can carry "__proto__" as a plain key: it is data like any other
    expect(render('{{__proto__.x}}', JSON.parse('{"__proto__": {"x": "plain"}}'))).toBe('plain');
    expect(render('{{x}}', { x: '{{#y}}not a tag{{/y}}' })).toBe('{{#y}}not a tag{{/y}}');
  });

  it('stops rendering past the length cap', () => {
    const template = '{{#a}}{{#a}}{{#a}}xxxxxxxxxx{{/a}}{{/a}}{{/a}}';
    const a = Array.from({ length: 100 }, () => 1);
    expect(() => render(template, { a }, 50_000)).toThrow(TemplateRenderLimitError);
    expect(render(template, { a: [1, 2] }, 100)).toHaveLength(80);
  });
});

describe('parseTemplate', () => {
  it('refuses partials, delimiter changes and malformed tags, naming line and column', () => {
    expect(syntaxError('hello\n  {{> footer}}').message).toMatch(/^line 2, column 3: partials/);
    expect(syntaxError('{{=<% %>=}}').reason).toMatch(/delimiters/);
    expect(syntaxError('{{ }}').reason).toMatch(/empty tag/);
    expect(syntaxError('{{name with spaces}}').reason).toMatch(/unknown tag "\{\{name with spaces\}\}"/);
    expect(syntaxError('{{a..b}}').reason).toMatch(/unknown tag/);
    expect(syntaxError('{{x.}}').reason).toMatch(/unknown tag/);
    expect(syntaxError('{{#x.}}y{{/x.}}').reason).toMatch(/unknown tag/);
    expect(syntaxError('{{@index}}').reason).toMatch(/unknown tag/);
    expect(syntaxError('{{x | upper}}').reason).toMatch(/unknown tag/);
    expect(syntaxError('text {{unclosed').reason).toMatch(/never closed with "\}\}"/);
    expect(syntaxError('{{{unclosed}}').reason).toMatch(/never closed with "\}\}\}"/);
  });

  it('refuses unbalanced and mismatched sections', () => {
    expect(syntaxError('{{#a}}\nx').message).toBe('line 1, column 1: "{{#a}}" is never closed');
    expect(syntaxError('x{{/a}}').message).toBe('line 1, column 2: "{{/a}}" closes no section');
    expect(syntaxError('{{#a}}{{^b}}{{/a}}{{/b}}').message).toMatch(
      /"\{\{\/a\}\}" closes "\{\{\^b\}\}" \(opened at line 1, column 7\)/,
    );
  });

  it('refuses sections nested too deep', () => {
    const deep = (n: number) => `${'{{#a}}'.repeat(n)}x${'{{/a}}'.repeat(n)}`;
    expect(() => parseTemplate(deep(MAX_SECTION_DEPTH))).not.toThrow();
    expect(syntaxError(deep(MAX_SECTION_DEPTH + 1)).reason).toMatch(/nested more than/);
  });

  it('leaves stray braces alone', () => {
    expect(render('a } b }} c { d', {})).toBe('a } b }} c { d');
  });
});

describe('topLevelNames', () => {
  it('collects the names read from the top-level variables, not those inside sections', () => {
    const names = topLevelNames(
      parseTemplate('{{a}} {{b.c}} {{#docs}}{{title}}{{/docs}} {{^empty}}{{d}}{{/empty}} {{.}} {{! e }}'),
    );
    expect([...names.variables].sort()).toEqual(['a', 'b', 'd']);
    expect([...names.sections].sort()).toEqual(['docs', 'empty']);
  });
});
