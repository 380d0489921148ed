import { describe, expect, it } from 'vitest';
import type { EvalRun } from '../run/eval-run.js';
import { parseRun } from '../run/parse-run.js';
import { renderConsoleReport } from './console-report.js';
import { renderJsonReport } from './json-report.js';
import { renderJunitReport } from './junit-report.js';
import { escapeMarkdown, renderMarkdownReport, worstRegressions } from './markdown-report.js';
import { escapeXml } from './xml-escape.js';

const HOSTILE_ID = `c2 <"&'>|x\ny`;

function candidateRun(): EvalRun {
  return {
    suite: { name: 'smoke', hash: 'suite-h1' },
    target: { kind: 'release', id: 'rel_42', contentHash: 'sha256:abc' },
    startedAt: '2026-11-02T10:00:00.000Z',
    finishedAt: '2026-11-02T10:00:06.500Z',
    libraryVersion: '0.1.0',
    metrics: [
      { name: 'exact', kind: 'equals', higherIsBetter: true },
      { name: 'f1', kind: 'token-f1', threshold: 0.5, higherIsBetter: true },
    ],
    cases: [
      {
        id: 'c1',
        input: 'capital of France?',
        repeats: [
          {
            output: 'Paris',
            scores: { exact: 1, f1: 1 },
            passed: { exact: true, f1: true },
            latencyMs: 100,
            costMicros: 1000,
          },
          {
            output: 'Paris.',
            scores: { exact: 0, f1: 0.8 },
            passed: { exact: false, f1: true },
            latencyMs: 300,
            costMicros: 1200,
          },
        ],
      },
      {
        id: HOSTILE_ID,
        input: 'q2',
        repeats: [
          {
            output: 'x',
            scores: { exact: 0, f1: 0.25 },
            passed: { exact: false, f1: false },
            latencyMs: 200,
            costMicros: 900,
          },
          { output: null, scores: {}, passed: {}, latencyMs: 5000, error: 'target unreachable' },
        ],
      },
      {
        id: 'c3',
        input: 'q3',
        repeats: [
          {
            output: null,
            scores: {},
            passed: {},
            latencyMs: 50,
            error: 'judge timed out: <html> & "quotes"',
          },
        ],
      },
    ],
    gates: {
      absolute: [
        {
          metric: 'f1',
          passed: true,
          value: 0.68,
          threshold: 0.5,
          comparator: '>=',
          statistic: 'mean',
          n: 2,
        },
      ],
      baseline: [
        {
          metric: 'exact',
          n: 2,
          meanDiff: -0.25,
          ci: [-0.5, 0],
          margin: 0.05,
          verdict: 'no-difference',
          level: 0.95,
        },
        { metric: 'f1', n: 2, meanDiff: -0.3, ci: [-0.45, -0.1], margin: 0.05, verdict: 'regressed' },
      ],
      baselineRef: {
        suiteHash: 'suite-h1',
        contentHash: 'sha256:old',
        startedAt: '2026-11-01T09:00:00.000Z',
      },
      quarantined: ['c1'],
    },
    summary: { cases: 3, errors: 2, incomplete: true, passed: false },
  };
}

function baselineRun(): EvalRun {
  const run = candidateRun();
  run.target = { kind: 'release', id: 'rel_41', contentHash: 'sha256:old' };
  run.cases = [
    {
      id: 'c1',
      input: 'capital of France?',
      repeats: [1, 2].map(() => ({
        output: 'Paris',
        scores: { exact: 1, f1: 1 },
        passed: { exact: true, f1: true },
        latencyMs: 100,
      })),
    },
    {
      id: HOSTILE_ID,
      input: 'q2',
      repeats: [
        { output: 'y', scores: { exact: 0, f1: 0.75 }, passed: { exact: false, f1: true }, latencyMs: 100 },
      ],
    },
  ];
  return run;
}

describe('renderConsoleReport', () => {
  it('prints an aligned table per metric, the operational line and the result', () => {
    expect(renderConsoleReport(candidateRun())).toBe(
      [
        'suite   smoke (suite-h1)',
        'target  release rel_42 (sha256:abc)',
        '',
        'metric   mean  pass rate  threshold  gate  vs baseline  interval                verdict',
        'exact   0.333      33.3%          -  -          -0.250  [-0.500, +0.000] (95%)  no-difference',
        'f1      0.683      66.7%      0.500  pass       -0.300  [-0.450, -0.100]        regressed',
        '',
        // Cost per case: c1 (1000 + 1200) / 2 = 1100, the second case 900, c3 none: (1100 + 900) / 2 = 1000.
        'cases 3 | repeats 5 | errors 2 (40.0%) | latency p50 200 ms, p95 300 ms | cost/case $0.001000',
        'quarantined (flaky): c1',
        'result: INCOMPLETE',
        '',
      ].join('\n'),
    );
  });

  it('says FAILED for a complete failing run and PASSED for a passing one', () => {
    const run = candidateRun();
    run.summary = { cases: 3, errors: 0, incomplete: false, passed: false };
    expect(renderConsoleReport(run).endsWith('result: FAILED\n')).toBe(true);
    run.summary.passed = true;
    expect(renderConsoleReport(run).endsWith('result: PASSED\n')).toBe(true);
  });
});

describe('renderJunitReport', () => {
  it('writes a testcase per case x metric and per gate, with scores, thresholds and escaped ids', () => {
    const id = 'c2 &lt;&quot;&amp;&apos;&gt;|x&#10;y';
    expect(renderJunitReport(candidateRun())).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<testsuites name="ragline eval: smoke" tests="9" failures="4" errors="2" skipped="0" time="6.500">',
        '  <testsuite name="smoke" tests="6" failures="3" errors="2" skipped="0" time="6.500" timestamp="2026-11-02T10:00:00.000Z">',
        '    <properties>',
        '      <property name="suite.hash" value="suite-h1"/>',
        '      <property name="target.kind" value="release"/>',
        '      <property name="target.id" value="rel_42"/>',
        '      <property name="target.contentHash" value="sha256:abc"/>',
        '      <property name="libraryVersion" value="0.1.0"/>',
        '      <property name="operational.latencyP50Ms" value="200"/>',
        '      <property name="operational.latencyP95Ms" value="300"/>',
        '      <property name="operational.costPerCaseMicros" value="1000"/>',
        '      <property name="operational.errorRate" value="0.4"/>',
        '    </properties>',
        '    <testcase classname="smoke.exact" name="c1" time="0.400">',
        '      <failure type="threshold" message="repeat 2 of 2: score 0.000, no threshold"/>',
        '    </testcase>',
        `    <testcase classname="smoke.exact" name="${id}" time="5.200">`,
        '      <failure type="threshold" message="repeat 1 of 2: score 0.000, no threshold"/>',
        '    </testcase>',
        '    <testcase classname="smoke.exact" name="c3" time="0.050">',
        '      <error type="infrastructure" message="repeat 1 of 1: judge timed out: &lt;html&gt; &amp; &quot;quotes&quot;"/>',
        '    </testcase>',
        '    <testcase classname="smoke.f1" name="c1" time="0.400"/>',
        `    <testcase classname="smoke.f1" name="${id}" time="5.200">`,
        '      <failure type="threshold" message="repeat 1 of 2: score 0.250, threshold 0.500"/>',
        '    </testcase>',
        '    <testcase classname="smoke.f1" name="c3" time="0.050">',
        '      <error type="infrastructure" message="repeat 1 of 1: judge timed out: &lt;html&gt; &amp; &quot;quotes&quot;"/>',
        '    </testcase>',
        '  </testsuite>',
        '  <testsuite name="smoke gates" tests="3" failures="1" errors="0" skipped="0" time="0.000" timestamp="2026-11-02T10:00:00.000Z">',
        '    <testcase classname="smoke.gates" name="f1 mean threshold" time="0.000"/>',
        '    <testcase classname="smoke.gates" name="exact vs baseline" time="0.000"/>',
        '    <testcase classname="smoke.gates" name="f1 vs baseline" time="0.000">',
        '      <failure type="regression" message="mean diff -0.300 over 2 paired cases, interval [-0.450, -0.100], margin 0.050"/>',
        '    </testcase>',
        '  </testsuite>',
        '</testsuites>',
        '',
      ].join('\n'),
    );
  });

  it('marks a failed absolute gate with its value and requirement', () => {
    const run = candidateRun();
    run.gates.absolute = [{ metric: 'f1', passed: false, value: 0.4, threshold: 0.5, comparator: '>=' }];
    expect(renderJunitReport(run)).toContain(
      '    <testcase classname="smoke.gates" name="f1 threshold" time="0.000">\n      <failure type="threshold" message="value 0.400, required &gt;= 0.500"/>',
    );
  });
});

describe('escapeXml', () => {
  it('escapes markup, keeps line breaks as references and replaces characters XML 1.0 cannot hold', () => {
    expect(escapeXml(`a&b<c>d"e'f\tg\rh\ni`)).toBe('a&amp;b&lt;c&gt;d&quot;e&apos;f&#9;g&#13;h&#10;i');
    expect(escapeXml('x\u0000y\u001bz\uFFFF')).toBe('x\uFFFDy\uFFFDz\uFFFD');
    expect(escapeXml('lone \uD800 pair \uD83D\uDE00 low \uDC00')).toBe(
      'lone \uFFFD pair \uD83D\uDE00 low \uFFFD',
    );
    expect(escapeXml(']]></testcase><testcase name="injected">')).toBe(
      ']]&gt;&lt;/testcase&gt;&lt;testcase name=&quot;injected&quot;&gt;',
    );
  });
});

describe('renderMarkdownReport', () => {
  it('writes the summary table, gate verdicts with intervals and the worst regressions', () => {
    expect(renderMarkdownReport(candidateRun(), { baseline: baselineRun(), worstRegressions: 2 })).toBe(
      [
        '### Ragline eval: smoke: INCOMPLETE',
        '',
        'Target release rel\\_42 (content sha256:abc) · suite hash suite-h1 · 3 cases, 5 repeats, 2 errors · @ragline/eval 0.1.0',
        '',
        '| Metric | Mean | Pass rate | Threshold | Gate |',
        '| --- | ---: | ---: | ---: | --- |',
        '| exact | 0.333 | 33.3% | - | - |',
        '| f1 | 0.683 | 66.7% | 0.500 | pass |',
        '',
        'Latency p50 200 ms, p95 300 ms · cost per case $0.001000 · error rate 40.0%',
        '',
        '> Incomplete: some cases could not be scored (target or judge unreachable); this is not a quality verdict.',
        '',
        '#### Baseline comparison',
        '',
        'Against content sha256:old (run of 2026-11-01T09:00:00.000Z).',
        '',
        '| Metric | Paired cases | Mean diff | Interval | Margin | Verdict |',
        '| --- | ---: | ---: | --- | ---: | --- |',
        '| exact | 2 | -0.250 | [-0.500, +0.000] (95%) | 0.050 | no-difference |',
        '| f1 | 2 | -0.300 | [-0.450, -0.100] | 0.050 | **regressed** |',
        '',
        'Quarantined as flaky: c1',
        '',
        '#### Worst regressions',
        '',
        '| Case | Metric | Baseline | Candidate | Change |',
        '| --- | --- | ---: | ---: | ---: |',
        '| c1 | exact | 1.000 | 0.500 | -0.500 |',
        `| c2 &lt;"&amp;'&gt;\\|x y | f1 | 0.750 | 0.250 | -0.500 |`,
        '',
      ].join('\n'),
    );
  });

  it('escapes Markdown and HTML in cells so an id cannot break the table or open a tag', () => {
    expect(escapeMarkdown('a|b\nc<script>*d*`e`_f_ [l](u) & \\')).toBe(
      'a\\|b c&lt;script&gt;\\*d\\*\\`e\\`\\_f\\_ \\[l\\](u) &amp; \\\\',
    );
  });
});

describe('worstRegressions', () => {
  it('follows the metric direction: for lower-is-better metrics an increase is the regression', () => {
    const baseline = baselineRun();
    const candidate = candidateRun();
    for (const run of [baseline, candidate]) {
      run.metrics = [{ name: 'latency', kind: 'latency', higherIsBetter: false }];
    }
    baseline.cases = [
      {
        id: 'fast',
        input: 'a',
        repeats: [{ output: 'x', scores: { latency: 100 }, passed: {}, latencyMs: 100 }],
      },
      {
        id: 'slow',
        input: 'b',
        repeats: [{ output: 'x', scores: { latency: 100 }, passed: {}, latencyMs: 100 }],
      },
    ];
    candidate.cases = [
      {
        id: 'fast',
        input: 'a',
        repeats: [{ output: 'x', scores: { latency: 50 }, passed: {}, latencyMs: 50 }],
      },
      {
        id: 'slow',
        input: 'b',
        repeats: [{ output: 'x', scores: { latency: 400 }, passed: {}, latencyMs: 400 }],
      },
    ];
    expect(worstRegressions(candidate, baseline, 5)).toEqual([
      { caseId: 'slow', metric: 'latency', baseline: 100, candidate: 400, change: 300 },
    ]);
  });
});

describe('renderJsonReport', () => {
  it('writes fields in a stable order regardless of how the run object was built', () => {
    const run: EvalRun = {
      summary: { passed: true, incomplete: false, errors: 0, cases: 1 },
      gates: { baseline: [], absolute: [] },
      cases: [
        {
          repeats: [
            {
              latencyMs: 12,
              passed: { b: true, a: false },
              scores: { b: 1, a: 0 },
              output: { z: 1, a: [{ y: 2, x: 1 }] },
            },
          ],
          input: { question: 'q', context: 'c' },
          id: 'k1',
        },
      ],
      metrics: [
        { higherIsBetter: true, kind: 'equals', name: 'b' },
        { higherIsBetter: true, kind: 'contains', name: 'a', threshold: 1 },
      ],
      libraryVersion: '0.1.0',
      finishedAt: '2026-11-02T10:00:01.000Z',
      startedAt: '2026-11-02T10:00:00.000Z',
      target: { contentHash: 'c', id: 'col', kind: 'collection' },
      suite: { hash: 'h', name: 's' },
    };
    const expected = `{
  "suite": {
    "name": "s",
    "hash": "h"
  },
  "target": {
    "kind": "collection",
    "id": "col",
    "contentHash": "c"
  },
  "startedAt": "2026-11-02T10:00:00.000Z",
  "finishedAt": "2026-11-02T10:00:01.000Z",
  "libraryVersion": "0.1.0",
  "metrics": [
    {
      "name": "b",
      "kind": "equals",
      "higherIsBetter": true
    },
    {
      "name": "a",
      "kind": "contains",
      "threshold": 1,
      "higherIsBetter": true
    }
  ],
  "cases": [
    {
      "id": "k1",
      "input": {
        "context": "c",
        "question": "q"
      },
      "repeats": [
        {
          "output": {
            "a": [
              {
                "x": 1,
                "y": 2
              }
            ],
            "z": 1
          },
          "scores": {
            "a": 0,
            "b": 1
          },
          "passed": {
            "a": false,
            "b": true
          },
          "latencyMs": 12
        }
      ]
    }
  ],
  "gates": {
    "absolute": [],
    "baseline": []
  },
  "summary": {
    "cases": 1,
    "errors": 0,
    "incomplete": false,
    "passed": true
  }
}
`;
    expect(renderJsonReport(run)).toBe(expected);
  });

  it('loads back as the same run', () => {
    const run = candidateRun();
    expect(parseRun(renderJsonReport(run))).toEqual(run);
  });
});
