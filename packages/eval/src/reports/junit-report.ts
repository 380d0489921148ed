import type { EvalMetricConfig, ScoredCase, ScoredRun } from '../run/eval-run.js';
import { summarizeRun } from '../run/summarize-run.js';
import { describeOperationalGate, formatInterval, formatScore, formatSignedScore } from './format.js';
import { escapeXml } from './xml-escape.js';

interface TestCase {
  classname: string;
  name: string;
  seconds: number;
  outcome?: { element: 'failure' | 'error' | 'skipped'; type?: string; message: string };
}

/**
 * JUnit XML for CI: one testsuite for the run with a testcase per case x metric (classname
 * `<suite>.<metric>`), and one testsuite for the gates (absolute, baseline and operational), so a
 * regression fails the CI test view even when every single case passed its threshold. The operational
 * figures (latency percentiles in ms, cost per case in micro-dollars, error rate) are properties.
 */
export function renderJunitReport(run: ScoredRun): string {
  const caseTests = run.metrics.flatMap((metric) =>
    run.cases.map((evalCase) => caseTest(run, metric, evalCase)),
  );
  const gateTests = gateTestCases(run);
  const duration = Math.max(0, (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000);
  const stats = summarizeRun(run);
  const figure = (value: number | null) => (value === null ? undefined : String(value));
  const properties = [
    ['suite.hash', run.suite.hash],
    ['target.kind', run.target.kind],
    ['target.id', run.target.id],
    ['target.description', run.target.description],
    ['target.contentHash', run.target.contentHash],
    ['libraryVersion', run.libraryVersion],
    ['operational.latencyP50Ms', figure(stats.latencyP50Ms)],
    ['operational.latencyP95Ms', figure(stats.latencyP95Ms)],
    ['operational.costPerCaseMicros', figure(stats.costPerCaseMicros)],
    ['operational.errorRate', figure(stats.errorRate)],
  ].filter((entry): entry is [string, string] => entry[1] !== undefined);
  const all = [...caseTests, ...gateTests];
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${escapeXml(`ragline eval: ${run.suite.name}`)}"${counts(all)} time="${duration.toFixed(3)}">`,
    `  <testsuite name="${escapeXml(run.suite.name)}"${counts(caseTests)} time="${duration.toFixed(3)}" timestamp="${escapeXml(run.startedAt)}">`,
    '    <properties>',
    ...properties.map(
      ([name, value]) => `      <property name="${escapeXml(name)}" value="${escapeXml(value)}"/>`,
    ),
    '    </properties>',
    ...caseTests.map(renderTestCase),
    '  </testsuite>',
    `  <testsuite name="${escapeXml(`${run.suite.name} gates`)}"${counts(gateTests)} time="0.000" timestamp="${escapeXml(run.startedAt)}">`,
    ...gateTests.map(renderTestCase),
    '  </testsuite>',
    '</testsuites>',
  ];
  return `${lines.join('\n')}\n`;
}

/** A quality failure wins over an infrastructure error: it is the more specific news. */
function caseTest(run: ScoredRun, metric: EvalMetricConfig, evalCase: ScoredCase): TestCase {
  const test: TestCase = {
    classname: `${run.suite.name}.${metric.name}`,
    name: evalCase.id,
    seconds: evalCase.repeats.reduce((sum, repeat) => sum + repeat.latencyMs, 0) / 1000,
  };
  const of = evalCase.repeats.length;
  const failures: string[] = [];
  const errors: string[] = [];
  let scored = 0;
  evalCase.repeats.forEach((repeat, i) => {
    const score = repeat.scores[metric.name];
    if (repeat.error !== undefined) errors.push(`repeat ${i + 1} of ${of}: ${repeat.error}`);
    if (score === undefined) return;
    scored += 1;
    if (repeat.passed[metric.name] === false) {
      const threshold =
        metric.threshold === undefined ? 'no threshold' : `threshold ${formatScore(metric.threshold)}`;
      failures.push(`repeat ${i + 1} of ${of}: score ${formatScore(score)}, ${threshold}`);
    }
  });
  if (failures.length > 0)
    test.outcome = { element: 'failure', type: 'threshold', message: failures.join('; ') };
  else if (errors.length > 0)
    test.outcome = { element: 'error', type: 'infrastructure', message: errors.join('; ') };
  else if (scored === 0) test.outcome = { element: 'skipped', message: 'not scored' };
  return test;
}

function gateTestCases(run: ScoredRun): TestCase[] {
  const classname = `${run.suite.name}.gates`;
  const absolute = run.gates.absolute.map((gate): TestCase => {
    const statistic = gate.statistic === undefined ? '' : ` ${gate.statistic}`;
    const test: TestCase = { classname, name: `${gate.metric}${statistic} threshold`, seconds: 0 };
    if (!gate.passed) {
      test.outcome = {
        element: 'failure',
        type: 'threshold',
        message: `value ${formatScore(gate.value)}, required ${gate.comparator ?? 'threshold'} ${formatScore(gate.threshold)}`,
      };
    }
    return test;
  });
  const baseline = run.gates.baseline.map((gate): TestCase => {
    const test: TestCase = { classname, name: `${gate.metric} vs baseline`, seconds: 0 };
    if (gate.verdict === 'regressed') {
      test.outcome = {
        element: 'failure',
        type: 'regression',
        message: `mean diff ${formatSignedScore(gate.meanDiff)} over ${gate.n} paired cases, interval ${formatInterval(gate)}, margin ${formatScore(gate.margin)}`,
      };
    }
    return test;
  });
  const operational = (run.gates.operational ?? []).map((gate): TestCase => {
    const test: TestCase = { classname, name: `${gate.figure} max`, seconds: 0 };
    if (!gate.passed) {
      test.outcome = { element: 'failure', type: 'operational', message: describeOperationalGate(gate) };
    }
    return test;
  });
  return [...absolute, ...baseline, ...operational];
}

function counts(tests: readonly TestCase[]): string {
  const count = (element: string) => tests.filter((test) => test.outcome?.element === element).length;
  return ` tests="${tests.length}" failures="${count('failure')}" errors="${count('error')}" skipped="${count('skipped')}"`;
}

function renderTestCase(test: TestCase): string {
  const open = `    <testcase classname="${escapeXml(test.classname)}" name="${escapeXml(test.name)}" time="${test.seconds.toFixed(3)}"`;
  if (test.outcome === undefined) return `${open}/>`;
  const type = test.outcome.type === undefined ? '' : ` type="${escapeXml(test.outcome.type)}"`;
  return [
    `${open}>`,
    `      <${test.outcome.element}${type} message="${escapeXml(test.outcome.message)}"/>`,
    '    </testcase>',
  ].join('\n');
}
