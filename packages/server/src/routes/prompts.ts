import {
  createPromptVersionRequestSchema,
  labelNameSchema,
  promptNameSchema,
  renderPromptRequestSchema,
  setPromptLabelRequestSchema,
} from '@ragline/sdk/contracts';
import { Hono } from 'hono';
import { z } from 'zod';
import { ApiError } from '../core/api-error.js';
import type { AppDeps } from '../deps.js';
import type { PromptVersionRow } from '../ports/registry-repositories.js';
import { createPromptVersion } from '../services/prompts/create-prompt-version.js';
import { diffPromptVersions } from '../services/prompts/prompt-diff.js';
import {
  promptLabelMoveView,
  promptLabelView,
  promptSummaryView,
  promptVersionView,
  renderedPromptView,
} from '../services/prompts/prompt-views.js';
import { renderPrompt } from '../services/prompts/render-prompt.js';
import {
  type PromptVersionRef,
  promptNotFound,
  resolvePromptVersion,
} from '../services/prompts/resolve-prompt-version.js';
import { setPromptLabel } from '../services/prompts/set-prompt-label.js';
import { parseBody, readJson } from './validate.js';

/**
 * The prompt registry, per tenant: immutable versions, labels moved through the promotion policy, render
 * and diff. Any key of the tenant may use it. Names with `/` (`support/answer`) are sent percent-encoded
 * in the path. `latest` is automatic: it always names the highest version and cannot be set.
 */

const versionParam = z.coerce.number().int().min(1);
const refQuerySchema = z
  .object({ version: versionParam.optional(), label: z.string().min(1).max(63).optional() })
  .refine((q) => q.version === undefined || q.label === undefined, {
    path: ['label'],
    message: 'give version or label, not both',
  });
const historyQuerySchema = z.object({
  label: z.string().min(1).max(63).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
/** A diff side: a version number or a label. */
const diffSideSchema = z.string().min(1).max(63);
const diffQuerySchema = z.object({ from: diffSideSchema, to: diffSideSchema });

export const promptRoutes = new Hono()
  .get('/prompts', async (c) => {
    const { metadata } = c.get('deps');
    const { tenantId } = c.get('principal');
    const [names, labels] = await Promise.all([
      metadata.prompts.listNames(tenantId),
      metadata.labels.list(tenantId, 'prompt'),
    ]);
    return c.json({ data: names.map((row) => promptSummaryView(row, labels)) });
  })
  .post('/prompts/:name/versions', async (c) => {
    const deps = c.get('deps');
    const principal = c.get('principal');
    const name = promptName(c.req.param('name'));
    const input = parseBody(createPromptVersionRequestSchema, await readJson(c.req));
    const { row, created } = await createPromptVersion(deps, principal, name, input);
    const view = await versionView(deps, principal.tenantId, row);
    return c.json({ ...view, created }, created ? 201 : 200);
  })
  .get('/prompts/:name/versions', async (c) => {
    const { metadata } = c.get('deps');
    const { tenantId } = c.get('principal');
    const name = promptName(c.req.param('name'));
    const [versions, labels] = await Promise.all([
      metadata.prompts.versions(tenantId, name),
      metadata.labels.list(tenantId, 'prompt', name),
    ]);
    if (versions.length === 0) throw promptNotFound(name);
    const latest = versions.at(-1)?.version ?? 0;
    return c.json({ data: versions.map((row) => promptVersionView(row, labels, latest)) });
  })
  .put('/prompts/:name/labels/:label', async (c) => {
    const deps = c.get('deps');
    const principal = c.get('principal');
    const name = promptName(c.req.param('name'));
    const label = parseBody(labelNameSchema, c.req.param('label'), 'label');
    const { version, override } = parseBody(setPromptLabelRequestSchema, await readJson(c.req));
    const result = await setPromptLabel(deps, principal, name, label, version, override);
    return c.json(promptLabelView(result));
  })
  .get('/prompts/:name/labels/history', async (c) => {
    const { metadata } = c.get('deps');
    const { tenantId } = c.get('principal');
    const name = promptName(c.req.param('name'));
    const query = parseBody(historyQuerySchema, c.req.query());
    const moves = await metadata.labels.history(tenantId, 'prompt', name, {
      limit: query.limit,
      ...(query.label !== undefined && { label: query.label }),
    });
    if (moves.length === 0 && !(await metadata.prompts.latest(tenantId, name))) throw promptNotFound(name);
    return c.json({ data: moves.map(promptLabelMoveView) });
  })
  .post('/prompts/:name/render', async (c) => {
    const deps = c.get('deps');
    const { tenantId } = c.get('principal');
    const name = promptName(c.req.param('name'));
    const input = parseBody(renderPromptRequestSchema, await readJson(c.req));
    const rendered = await renderPrompt(deps, {
      tenantId,
      name,
      version: input.version,
      label: input.label,
      variables: input.variables,
      history: input.history,
    });
    return c.json(renderedPromptView(rendered));
  })
  .get('/prompts/:name/diff', async (c) => {
    const deps = c.get('deps');
    const { tenantId } = c.get('principal');
    const name = promptName(c.req.param('name'));
    const query = parseBody(diffQuerySchema, c.req.query());
    const [from, to] = await Promise.all([
      resolvePromptVersion(deps, tenantId, name, sideRef(query.from)),
      resolvePromptVersion(deps, tenantId, name, sideRef(query.to)),
    ]);
    return c.json(diffPromptVersions(from, to));
  })
  .get('/prompts/:name', async (c) => {
    const deps = c.get('deps');
    const { tenantId } = c.get('principal');
    const name = promptName(c.req.param('name'));
    const ref = parseBody(refQuerySchema, c.req.query());
    const row = await resolvePromptVersion(deps, tenantId, name, ref);
    return c.json(await versionView(deps, tenantId, row));
  });

function promptName(raw: string): string {
  return parseBody(promptNameSchema, raw, 'name');
}

function sideRef(side: string): PromptVersionRef {
  return /^[1-9][0-9]{0,15}$/.test(side) ? { version: Number(side) } : { label: side };
}

async function versionView(deps: AppDeps, tenantId: string, row: PromptVersionRow) {
  const [labels, latest] = await Promise.all([
    deps.metadata.labels.list(tenantId, 'prompt', row.name),
    deps.metadata.prompts.latest(tenantId, row.name),
  ]);
  if (!latest) throw new ApiError('INTERNAL', `prompt "${row.name}" has a version but no latest`);
  return promptVersionView(row, labels, latest.version);
}
