import type { ChatTargetKind } from '../../ports/chat-model.js';
import type {
  GatewayConfig,
  PoolConfig,
  RouteConfig,
  RouteTargetRef,
  TargetConfig,
} from './gateway-config.js';

/** The targets and pools a route may refer to. */
export interface KnownRefs {
  targets: readonly TargetConfig[];
  pools: readonly PoolConfig[];
}

/**
 * Checks what a schema cannot: that ids are unique, that references resolve, and that each entry is
 * usable by the router. Returns one message per problem, each starting with the path it concerns
 * (`routes[2].targets[0].ref: unknown target or pool "x"`); an empty list means valid.
 */
export function checkGatewayConfig(config: GatewayConfig): string[] {
  const errors: string[] = [];
  const targetsById = new Map<string, TargetConfig>();
  config.targets.forEach((target, i) => {
    const at = `targets[${i}]`;
    if (targetsById.has(target.id)) errors.push(`${at}.id: duplicate target id "${target.id}"`);
    else targetsById.set(target.id, target);
    errors.push(...checkTargetOptions(target, at));
  });

  const poolIds = new Set<string>();
  config.pools.forEach((pool, i) => {
    const at = `pools[${i}]`;
    if (targetsById.has(pool.id)) errors.push(`${at}.id: "${pool.id}" is already a target id`);
    else if (poolIds.has(pool.id)) errors.push(`${at}.id: duplicate pool id "${pool.id}"`);
    poolIds.add(pool.id);

    const seen = new Set<string>();
    let model: { value: string; from: string } | undefined;
    pool.replicas.forEach((ref, j) => {
      const path = `${at}.replicas[${j}]`;
      if (seen.has(ref)) errors.push(`${path}: duplicate replica "${ref}"`);
      seen.add(ref);
      const target = targetsById.get(ref);
      if (!target) {
        errors.push(`${path}: unknown target "${ref}"`);
        return;
      }
      if (!model) model = { value: target.model, from: ref };
      else if (target.model !== model.value) {
        errors.push(
          `${path}: target "${ref}" serves model "${target.model}" but "${model.from}" serves "${model.value}"; replicas of a pool must serve the same model`,
        );
      }
    });
    if (pool.spillover) {
      const ref = pool.spillover.target;
      if (!targetsById.has(ref)) {
        errors.push(`${at}.spillover.target: unknown target "${ref}"`);
      } else if (seen.has(ref)) {
        errors.push(`${at}.spillover.target: "${ref}" is a replica of this pool`);
      }
    }
  });

  const names = new Set<string>();
  config.routes.forEach((route, i) => {
    if (names.has(route.name)) errors.push(`routes[${i}].name: duplicate route name "${route.name}"`);
    names.add(route.name);
    errors.push(...checkRoute(route, config, `routes[${i}]`));
  });
  return errors;
}

const HTTP_KINDS: readonly ChatTargetKind[] = ['vllm', 'trtllm', 'openai-compatible', 'triton'];
const OPENAI_KINDS: readonly ChatTargetKind[] = ['vllm', 'trtllm', 'openai-compatible'];

/** The kinds each optional target field applies to; set on another kind, it is an error (never ignored). */
const OPTION_KINDS: { [K in keyof TargetConfig]?: { kinds: readonly ChatTargetKind[]; hint?: string } } = {
  baseURL: { kinds: HTTP_KINDS, hint: 'Bedrock is reached through `region`' },
  region: { kinds: ['bedrock'] },
  apiKey: { kinds: OPENAI_KINDS, hint: 'use `headers` for Triton, `credentials` for Bedrock' },
  headers: { kinds: HTTP_KINDS },
  metricsURL: { kinds: ['vllm', 'trtllm'], hint: 'only vLLM and trtllm-serve report load' },
  streamUsage: { kinds: ['openai-compatible'] },
  modelVersion: { kinds: ['triton'] },
  defaultMaxTokens: { kinds: ['triton'] },
  excludeInputInOutput: { kinds: ['triton'] },
  inputs: { kinds: ['triton'] },
  promptTemplate: { kinds: ['triton'] },
  credentials: { kinds: ['bedrock'] },
  profile: { kinds: ['bedrock'] },
  endpoint: { kinds: ['bedrock'], hint: 'HTTP targets take `baseURL`' },
};

/** Required fields per kind, and fields set on a kind that does not use them. */
function checkTargetOptions(target: TargetConfig, at: string): string[] {
  const errors: string[] = [];
  if (target.kind === 'bedrock') {
    if (!target.region) errors.push(`${at}.region: required for kind "bedrock"`);
  } else if (!target.baseURL) {
    errors.push(`${at}.baseURL: required for kind "${target.kind}"`);
  }
  for (const [field, rule] of Object.entries(OPTION_KINDS)) {
    if (target[field as keyof TargetConfig] === undefined || !rule || rule.kinds.includes(target.kind)) {
      continue;
    }
    const kinds = rule.kinds.map((k) => `"${k}"`).join(', ');
    errors.push(
      `${at}.${field}: not used by kind "${target.kind}" (only by ${kinds})${rule.hint ? `; ${rule.hint}` : ''}`,
    );
  }
  return errors;
}

/** The target kinds that serve LoRA adapters under their own `model` name. */
const ADAPTER_KINDS: readonly ChatTargetKind[] = ['vllm', 'openai-compatible'];

/** An adapter needs a target, or a pool whose every replica, of a kind that serves LoRA adapters. */
function checkAdapter(ref: RouteTargetRef, known: KnownRefs, path: string): string[] {
  const kindOf = (id: string) => known.targets.find((t) => t.id === id)?.kind;
  const allowed = ADAPTER_KINDS.map((k) => `"${k}"`).join(' and ');
  const pool = known.pools.find((p) => p.id === ref.ref);
  if (pool) {
    return pool.replicas.flatMap((replica) => {
      const kind = kindOf(replica);
      if (kind === undefined || ADAPTER_KINDS.includes(kind)) return [];
      return [
        `${path}.adapter: pool "${pool.id}" has replica "${replica}" of kind "${kind}"; LoRA adapters are served by ${allowed} targets only`,
      ];
    });
  }
  const kind = kindOf(ref.ref);
  if (kind === undefined || ADAPTER_KINDS.includes(kind)) return [];
  return [
    `${path}.adapter: "${ref.ref}" is a "${kind}" target; LoRA adapters are served by ${allowed} targets only`,
  ];
}

/** Checks one route against the known targets and pools (used for the config file and the routes API). */
export function checkRoute(route: RouteConfig, known: KnownRefs, at = ''): string[] {
  const p = (field: string) => (at ? `${at}.${field}` : field);
  const errors: string[] = [];
  const refs = new Set<string>();
  route.targets.forEach((t, j) => {
    const path = p(`targets[${j}]`);
    if (!known.targets.some((x) => x.id === t.ref) && !known.pools.some((x) => x.id === t.ref)) {
      errors.push(`${path}.ref: unknown target or pool "${t.ref}"`);
    }
    if (refs.has(t.ref)) errors.push(`${path}.ref: "${t.ref}" is listed twice`);
    refs.add(t.ref);
    if (route.strategy === 'weighted' && !(t.weight !== undefined && t.weight > 0)) {
      errors.push(`${path}.weight: weighted routes need a weight > 0 for every target`);
    }
    if (t.adapter !== undefined) errors.push(...checkAdapter(t, known, path));
  });
  if (route.strategy === 'single' && route.targets.length !== 1) {
    errors.push(
      `${p('targets')}: strategy "single" takes exactly one target (got ${route.targets.length}); use "weighted" or "fallback"`,
    );
  }
  if (route.stickyBy && route.strategy !== 'weighted') {
    errors.push(`${p('stickyBy')}: only used by the "weighted" strategy`);
  }
  return errors;
}
