import type { GatewayConfig } from './gateway-config.js';

const PLACEHOLDER = /\$\$|\$\{([^}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Replaces `${NAME}` in targets' `apiKey`, header values and Bedrock `credentials` with the environment
 * variable NAME, so secrets never sit in the YAML file. `$$` is a literal `$`. Only these fields are
 * interpolated: the rest of the file is configuration, not secrets, and should read the same everywhere.
 */
export function interpolateSecrets(
  config: GatewayConfig,
  env: Readonly<Record<string, string | undefined>>,
): { config: GatewayConfig; errors: string[] } {
  const errors: string[] = [];
  const expand = (value: string, path: string): string =>
    value.replace(PLACEHOLDER, (match, name: string | undefined) => {
      if (match === '$$') return '$';
      if (!NAME.test(name as string)) {
        errors.push(
          `${path}: "${match}" is not a supported placeholder (use \${NAME} or $$ for a literal $)`,
        );
        return '';
      }
      const v = env[name as string];
      if (v === undefined || v === '') {
        errors.push(`${path}: environment variable "${name}" is not set`);
        return '';
      }
      return v;
    });
  const targets = config.targets.map((target, i) => {
    const at = `targets[${i}]`;
    const out = { ...target };
    if (target.apiKey !== undefined) out.apiKey = expand(target.apiKey, `${at}.apiKey`);
    if (target.headers) {
      out.headers = Object.fromEntries(
        Object.entries(target.headers).map(([k, v]) => [k, expand(v, `${at}.headers.${k}`)]),
      );
    }
    if (target.credentials) {
      const { accessKeyId, secretAccessKey, sessionToken } = target.credentials;
      out.credentials = {
        accessKeyId: expand(accessKeyId, `${at}.credentials.accessKeyId`),
        secretAccessKey: expand(secretAccessKey, `${at}.credentials.secretAccessKey`),
        ...(sessionToken !== undefined && {
          sessionToken: expand(sessionToken, `${at}.credentials.sessionToken`),
        }),
      };
    }
    return out;
  });
  return { config: { ...config, targets }, errors };
}
