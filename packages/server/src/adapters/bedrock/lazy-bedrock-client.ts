import type { BedrockRuntimeClient, BedrockRuntimeClientConfig } from '@aws-sdk/client-bedrock-runtime';

export type BedrockSdk = typeof import('@aws-sdk/client-bedrock-runtime');

/**
 * The Bedrock Runtime SDK and a client, loaded on first use, so a server that configures no Bedrock
 * model never loads the SDK. A given `client` (tests pass one with an HTTP/1 handler) is used as is.
 */
export function lazyBedrockClient(config: {
  region: string;
  maxAttempts: number;
  client?: BedrockRuntimeClient | undefined;
  credentials?: BedrockRuntimeClientConfig['credentials'] | undefined;
  profile?: string | undefined;
  endpoint?: string | undefined;
}): () => Promise<{ client: BedrockRuntimeClient; sdk: BedrockSdk }> {
  let sdk: Promise<BedrockSdk> | undefined;
  let client = config.client;
  return async () => {
    sdk ??= import('@aws-sdk/client-bedrock-runtime');
    const loaded = await sdk;
    client ??= new loaded.BedrockRuntimeClient({
      region: config.region,
      maxAttempts: config.maxAttempts,
      ...(config.credentials && { credentials: config.credentials }),
      ...(config.profile !== undefined && { profile: config.profile }),
      ...(config.endpoint !== undefined && { endpoint: config.endpoint }),
    });
    return { client, sdk: loaded };
  };
}
