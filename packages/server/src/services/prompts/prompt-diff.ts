import type { PromptDiff } from '@ragline/sdk/contracts';
import { canonicalJson } from '../../core/hash.js';
import type { PromptVersionRow } from '../../ports/registry-repositories.js';
import { unifiedDiff } from './unified-diff.js';

/**
 * What changed from one version to another: a unified diff of the template (a chat prompt's messages as
 * `[role]` blocks), the variables added, removed or changed (type, enum, ... or required), and the
 * attached model config.
 */
export function diffPromptVersions(from: PromptVersionRow, to: PromptVersionRow): PromptDiff {
  const fromRequired = new Set(from.variables.required);
  const toRequired = new Set(to.variables.required);
  const fromNames = Object.keys(from.variables.properties);
  const toNames = Object.keys(to.variables.properties);
  const changed: PromptDiff['variables']['changed'] = [];
  for (const name of fromNames.filter((n) => Object.hasOwn(to.variables.properties, n)).sort()) {
    const a = from.variables.properties[name] ?? {};
    const b = to.variables.properties[name] ?? {};
    const required = { from: fromRequired.has(name), to: toRequired.has(name) };
    if (canonicalJson(a) !== canonicalJson(b) || required.from !== required.to) {
      changed.push({ name, from: a, to: b, required });
    }
  }
  const unified = unifiedDiff(templateLines(from), templateLines(to), {
    from: `${from.name}@${from.version}`,
    to: `${to.name}@${to.version}`,
  });
  return {
    name: to.name,
    from: from.version,
    to: to.version,
    kind: { from: from.kind, to: to.kind },
    template: { changed: unified !== '', unified },
    variables: {
      added: toNames.filter((n) => !Object.hasOwn(from.variables.properties, n)).sort(),
      removed: fromNames.filter((n) => !Object.hasOwn(to.variables.properties, n)).sort(),
      changed,
    },
    model: {
      changed: canonicalJson(from.modelConfig) !== canonicalJson(to.modelConfig),
      from: from.modelConfig,
      to: to.modelConfig,
    },
  };
}

function templateLines(row: PromptVersionRow): string[] {
  if (typeof row.template === 'string') return row.template.split('\n');
  return row.template.flatMap((message) =>
    message.role === 'placeholder'
      ? ['[placeholder: history]']
      : [`[${message.role}]`, ...message.content.split('\n')],
  );
}
