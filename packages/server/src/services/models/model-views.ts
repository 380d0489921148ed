import type { ModelPriceLink, ModelSummary, ModelVersion } from '@ragline/sdk/contracts';
import type { AppDeps } from '../../deps.js';
import type { LabelRow, ModelNameRow, ModelVersionRow } from '../../ports/registry-repositories.js';
import type { GatewayConfig, RouteConfig } from '../gateway/gateway-config.js';
import { priceEntryView } from '../pricing/price-views.js';
import { type ModelRoute, routeOfModelVersion } from './model-version-route.js';
import { LATEST_ALIAS } from './resolve-model-version.js';

const EMPTY: GatewayConfig = { targets: [], pools: [], routes: [] };

/** Versions of one model as the API shows them: aliases, lineage with linked eval runs, the price link. */
export async function modelVersionViews(
  deps: AppDeps,
  tenantId: string,
  rows: readonly ModelVersionRow[],
): Promise<ModelVersion[]> {
  const name = rows[0]?.name;
  if (name === undefined) return [];
  const [aliases, latest] = await Promise.all([
    deps.metadata.labels.list(tenantId, 'model', name),
    deps.metadata.models.latest(tenantId, name),
  ]);
  return Promise.all(rows.map((row) => versionView(deps, tenantId, row, aliases, latest?.version ?? 0)));
}

export async function modelVersionView(
  deps: AppDeps,
  tenantId: string,
  row: ModelVersionRow,
): Promise<ModelVersion> {
  const [view] = await modelVersionViews(deps, tenantId, [row]);
  if (!view) throw new Error('modelVersionViews returned nothing for one row');
  return view;
}

export function modelSummaryView(row: ModelNameRow, aliases: readonly LabelRow[]): ModelSummary {
  return {
    name: row.name,
    latestVersion: row.latestVersion,
    aliases: Object.fromEntries(aliases.map((a) => [a.label, Number(a.target)])),
    updatedAt: row.updatedAt,
  };
}

async function versionView(
  deps: AppDeps,
  tenantId: string,
  row: ModelVersionRow,
  aliases: readonly LabelRow[],
  latestVersion: number,
): Promise<ModelVersion> {
  const [links, price] = await Promise.all([
    deps.metadata.models.evalRunLinks(tenantId, row.name, row.version),
    priceLink(deps, tenantId, row),
  ]);
  const evalRuns = [...(row.lineage.evalRuns ?? [])];
  for (const link of links) if (!evalRuns.includes(link.evalRunId)) evalRuns.push(link.evalRunId);
  const pointing = aliases.filter((a) => Number(a.target) === row.version).map((a) => a.label);
  if (row.version === latestVersion) pointing.push(LATEST_ALIAS);
  return {
    name: row.name,
    version: row.version,
    spec: row.spec,
    lineage: {
      fineTuneJob: row.lineage.fineTuneJob ?? null,
      dataset: row.lineage.dataset ?? null,
      evalRuns,
    },
    message: row.message,
    aliases: pointing,
    price,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
  };
}

/**
 * The price-book entry in force now for each target the version can reach, matched the way the meter
 * prices a call: by target id first, then by the model the upstream reports (the adapter, for LoRA).
 */
async function priceLink(deps: AppDeps, tenantId: string, row: ModelVersionRow): Promise<ModelPriceLink> {
  const book = deps.costs?.prices.book();
  const nowMs = deps.clock.now().getTime();
  let route: ModelRoute;
  try {
    route = await routeOfModelVersion(deps, tenantId, row);
  } catch {
    // The pinned route version is gone: nothing to price (the version itself stays listed).
    return { priceVersion: book?.versionAt(nowMs)?.version ?? null, targets: [] };
  }
  return {
    priceVersion: book?.versionAt(nowMs)?.version ?? null,
    targets: reachableTargets(route.route, deps.gateway?.config ?? EMPTY).map(
      ({ target, model, baseModel }) => {
        const match =
          book?.priceFor({ target, model }, { atMs: nowMs }) ??
          (model !== baseModel ? book?.priceFor({ target, model: baseModel }, { atMs: nowMs }) : null) ??
          null;
        return { target, model, price: match ? priceEntryView(match.entry) : null };
      },
    ),
  };
}

/** Each target a route reaches once, with the model it is called as (a pool's spillover without the adapter). */
function reachableTargets(
  route: RouteConfig,
  config: GatewayConfig,
): { target: string; model: string; baseModel: string }[] {
  const targets = new Map(config.targets.map((t) => [t.id, t]));
  const pools = new Map(config.pools.map((p) => [p.id, p]));
  const out = new Map<string, { target: string; model: string; baseModel: string }>();
  const add = (id: string, adapter: string | undefined) => {
    const target = targets.get(id);
    if (!target || out.has(id)) return;
    out.set(id, { target: id, model: adapter ?? target.model, baseModel: target.model });
  };
  for (const ref of route.targets) {
    const pool = pools.get(ref.ref);
    if (!pool) {
      add(ref.ref, ref.adapter);
      continue;
    }
    for (const replica of pool.replicas) add(replica, ref.adapter);
    if (pool.spillover) add(pool.spillover.target, undefined);
  }
  return [...out.values()];
}
