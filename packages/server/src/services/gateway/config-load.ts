import { parse } from 'yaml';
import { interpolateSecrets } from './config-interpolate.js';
import { checkGatewayConfig } from './config-references.js';
import { formatZodIssues, gatewayConfigSchema } from './config-schema.js';
import type { GatewayConfig } from './gateway-config.js';

/** An invalid gateway configuration; `issues` has one line per problem, each naming its path. */
export class GatewayConfigError extends Error {
  override readonly name = 'GatewayConfigError';
  constructor(readonly issues: string[]) {
    super(`invalid gateway configuration:\n${issues.map((i) => `  ${i}`).join('\n')}`);
  }
}

export interface LoadGatewayConfigOptions {
  /** Variables for `${NAME}` in apiKey and header values. Without it, placeholders are errors. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Parses the gateway YAML (see examples/gateway/ragline.yaml), applies defaults and checks references. */
export function loadGatewayConfig(yamlText: string, options: LoadGatewayConfigOptions = {}): GatewayConfig {
  let raw: unknown;
  try {
    raw = parse(yamlText, { prettyErrors: true });
  } catch (error) {
    throw new GatewayConfigError([`YAML: ${(error as Error).message.split('\n')[0]}`]);
  }
  return parseGatewayConfig(raw ?? {}, options);
}

/** The same checks for an already-decoded value (JSON, a test fixture). */
export function parseGatewayConfig(value: unknown, options: LoadGatewayConfigOptions = {}): GatewayConfig {
  const parsed = gatewayConfigSchema.safeParse(withoutSiblingSections(value));
  if (!parsed.success) throw new GatewayConfigError(formatZodIssues(parsed.error));
  const { config, errors: secretErrors } = interpolateSecrets(parsed.data, options.env ?? {});
  const errors = [...checkGatewayConfig(config), ...secretErrors];
  if (errors.length > 0) throw new GatewayConfigError(errors);
  return config;
}

/** The file's other top-level sections, loaded by their own services: `prices` (services/pricing/config-prices.ts). */
function withoutSiblingSections(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !('prices' in value))
    return value;
  const { prices: _prices, ...gateway } = value as Record<string, unknown>;
  return gateway;
}
