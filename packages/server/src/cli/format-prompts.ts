import type {
  CreatedPromptVersion,
  PromptLabel,
  PromptSummary,
  PromptVariable,
  PromptVersion,
} from '@ragline/sdk';

/** `support/answer@3 created (labels: latest)`, or unchanged when the content was the latest's. */
export function formatPushed(pushed: CreatedPromptVersion): string {
  const ref = `${pushed.name}@${pushed.version}`;
  if (!pushed.created) return `${ref} unchanged: the latest version has the same content\n`;
  return `${ref} created (labels: ${pushed.labels.join(', ')})\n`;
}

export function formatLabelMove(moved: PromptLabel): string {
  const where = `${moved.name}: ${moved.label} -> ${moved.version}`;
  if (!moved.moved) return `${where} (already there, nothing moved)\n`;
  const from = moved.previousVersion === null ? 'new label' : `was ${moved.previousVersion}`;
  return `${where} (${from})\n${moved.decision ? `policy: ${moved.decision.reason}\n` : ''}`;
}

/** A header (version, kind, labels, model, variables, message) and the template itself. */
export function formatPromptVersion(prompt: PromptVersion): string {
  const lines = [
    `${prompt.name}@${prompt.version}  ${prompt.kind}  labels: ${prompt.labels.join(', ') || '-'}`,
  ];
  if (prompt.model) {
    const parameters = prompt.model.parameters ? ` ${JSON.stringify(prompt.model.parameters)}` : '';
    lines.push(`model: ${prompt.model.model ?? '-'}${parameters}`);
  }
  const required = new Set(prompt.variables.required);
  const variables = Object.entries(prompt.variables.properties).map(
    ([name, schema]) => `${name} (${describeVariable(schema, required.has(name))})`,
  );
  lines.push(`variables: ${variables.join(', ') || '-'}`);
  if (prompt.message) lines.push(`message: ${prompt.message}`);
  if (prompt.createdAt)
    lines.push(`created ${prompt.createdAt}${prompt.createdBy ? ` by ${prompt.createdBy}` : ''}`);
  lines.push('');
  if (prompt.template !== null) lines.push(prompt.template);
  for (const message of prompt.messages ?? []) {
    if (message.role === 'placeholder') lines.push('[placeholder: history]');
    else lines.push(`[${message.role}]`, message.content);
  }
  return `${lines.join('\n')}\n`;
}

export function formatPromptList(prompts: PromptSummary[]): string {
  if (prompts.length === 0) return 'No prompts yet. Push one with "ragline prompts push <file>".\n';
  return prompts
    .map((p) => {
      const labels = Object.entries(p.labels).map(([label, version]) => `${label}=${version}`);
      return `${p.name}  latest=${p.latestVersion}${labels.length ? `  ${labels.join(' ')}` : ''}\n`;
    })
    .join('');
}

function describeVariable(schema: PromptVariable, required: boolean): string {
  const type = schema.type ?? 'any';
  const choices = schema.enum ? `: ${schema.enum.map(String).join('|')}` : '';
  return `${type}${choices}${required ? ', required' : ''}`;
}
