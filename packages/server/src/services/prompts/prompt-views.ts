import type {
  PromptLabel,
  PromptLabelMove,
  PromptMessageTemplate,
  PromptSummary,
  PromptVersion,
  RenderedPrompt as RenderedPromptView,
} from '@ragline/sdk/contracts';
import type {
  LabelMoveRow,
  LabelRow,
  PromptNameRow,
  PromptVersionRow,
} from '../../ports/registry-repositories.js';
import type { LabelMoveResult } from '../registry/move-label.js';
import type { RenderedPrompt } from './render-prompt.js';
import { LATEST_LABEL } from './resolve-prompt-version.js';

/** A version as the API shows it; `labels` are the stored labels pointing at it, plus `latest`. */
export function promptVersionView(
  row: PromptVersionRow,
  labels: LabelRow[],
  latestVersion: number,
): PromptVersion {
  const pointing = labels.filter((l) => Number(l.target) === row.version).map((l) => l.label);
  if (row.version === latestVersion) pointing.push(LATEST_LABEL);
  return {
    name: row.name,
    version: row.version,
    kind: row.kind,
    template: typeof row.template === 'string' ? row.template : null,
    messages: typeof row.template === 'string' ? null : (row.template as PromptMessageTemplate[]),
    variables: row.variables,
    model: row.modelConfig,
    message: row.message,
    contentHash: row.contentHash,
    labels: pointing,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
  };
}

export function promptSummaryView(row: PromptNameRow, labels: LabelRow[]): PromptSummary {
  return {
    name: row.name,
    latestVersion: row.latestVersion,
    labels: Object.fromEntries(
      labels.filter((l) => l.name === row.name).map((l) => [l.label, Number(l.target)]),
    ),
    updatedAt: row.updatedAt,
  };
}

export function promptLabelView(result: LabelMoveResult): PromptLabel {
  return {
    name: result.label.name,
    label: result.label.label,
    version: Number(result.label.target),
    previousVersion: result.previous === null ? null : Number(result.previous),
    moved: result.moved,
    decision: result.decision,
    updatedAt: result.label.updatedAt,
    updatedBy: result.label.updatedBy,
  };
}

export function promptLabelMoveView(move: LabelMoveRow): PromptLabelMove {
  return {
    label: move.label,
    fromVersion: move.from === null ? null : Number(move.from),
    toVersion: Number(move.to),
    at: move.at,
    by: move.by,
    decision: move.decision,
  };
}

export function renderedPromptView(rendered: RenderedPrompt): RenderedPromptView {
  return {
    prompt: rendered.prompt,
    kind: rendered.kind,
    text: rendered.text ?? null,
    messages: (rendered.messages as RenderedPromptView['messages']) ?? null,
    model: rendered.modelConfig,
  };
}
