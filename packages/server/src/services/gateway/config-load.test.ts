/** biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} placeholders are what these tests are about */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GatewayConfigError, loadGatewayConfig, parseGatewayConfig } from './config-load.js';
import { DEFAULT_FALLBACK_ON } from './gateway-config.js';

const examplePath = new URL('../../../../../examples/gateway/ragline.yaml', import.meta.url);

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof GatewayConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a GatewayConfigError');
}

const vllm = (id: string, model = 'llama') => ({ id, kind: 'vllm', model, baseURL: `http://${id}:8000/v1` });

describe('loadGatewayConfig', () => {
  it('loads the commented example, interpolating secrets from the environment', () => {
    const config = loadGatewayConfig(readFileSync(examplePath, 'utf8'), {
      env: { OPENAI_API_KEY: 'sk-test', CANARY_TOKEN: 'tok' },
    });
    expect(config.targets.map((t) => t.id)).toEqual([
      'vllm-a',
      'vllm-b',
      'trtllm-1',
      'triton-llama',
      'bedrock-llama',
      'openai',
      'vllm-canary',
    ]);
    expect(config.targets.find((t) => t.id === 'openai')?.apiKey).toBe('sk-test');
    expect(config.targets.find((t) => t.id === 'vllm-canary')?.headers).toEqual({
      'x-team': 'support',
      authorization: 'Bearer tok',
    });
    expect(config.pools).toEqual([
      {
        id: 'llama-pool',
        replicas: ['vllm-a', 'vllm-b'],
        placement: 'least-loaded',
        spillover: { target: 'bedrock-llama', maxPredictedFirstTokenMs: 2000 },
      },
    ]);
    const byName = Object.fromEntries(config.routes.map((r) => [r.name, r]));
    expect(byName['support-assistant']).toMatchObject({
      strategy: 'weighted',
      stickyBy: 'user',
      targets: [
        { ref: 'llama-pool', weight: 90 },
        { ref: 'vllm-canary', weight: 10 },
      ],
    });
    expect(byName.chat?.targets.map((t) => t.ref)).toEqual(['llama-pool', 'trtllm-1', 'openai']);
    expect(byName.chat?.retry).toEqual({ attempts: 1, maxRetryAfterMs: 2000 });
    expect(byName['sql-assistant']?.targets).toEqual([{ ref: 'llama-pool', adapter: 'sql-lora' }]);
    expect(config.targets.find((t) => t.id === 'triton-llama')).toMatchObject({
      defaultMaxTokens: 512,
      inputs: { end_id: 128009, pad_id: 128009 },
      promptTemplate: { separator: '<|eot_id|>' },
    });
  });

  it('fails on the example when a referenced secret is missing, naming the field and variable', () => {
    expect(issuesOf(() => loadGatewayConfig(readFileSync(examplePath, 'utf8'), { env: {} }))).toEqual([
      'targets[5].apiKey: environment variable "OPENAI_API_KEY" is not set',
      'targets[6].headers.authorization: environment variable "CANARY_TOKEN" is not set',
    ]);
  });

  it('treats an empty file as an empty config and applies defaults', () => {
    expect(loadGatewayConfig('')).toEqual({ targets: [], pools: [], routes: [] });
    const config = loadGatewayConfig(`
targets:
  - { id: a, kind: vllm, model: m, baseURL: "http://a/v1" }
  - { id: b, kind: vllm, model: m, baseURL: "http://b/v1" }
pools:
  - { id: p, replicas: [a, b] }
routes:
  - { name: one, targets: [{ ref: p }] }
  - name: two
    strategy: fallback
    targets: [{ ref: a }, { ref: b }]
  - name: three
    strategy: fallback
    targets: [{ ref: a }, { ref: b }]
    fallbackOn: { statuses: [503] }
    retry: {}
    circuitBreaker: { openMs: 1000 }
`);
    expect(config.pools[0]?.placement).toBe('least-loaded');
    expect(config.routes[0]).toEqual({ name: 'one', strategy: 'single', targets: [{ ref: 'p' }] });
    expect(config.routes[1]?.fallbackOn).toEqual(DEFAULT_FALLBACK_ON);
    expect(config.routes[2]).toMatchObject({
      fallbackOn: { statuses: [503], connectionErrors: true, timeouts: true },
      retry: { attempts: 0, maxRetryAfterMs: 30_000 },
      circuitBreaker: { failureThreshold: 5, openMs: 1000 },
    });
  });

  it('reports YAML syntax errors and duplicate keys', () => {
    expect(issuesOf(() => loadGatewayConfig('targets: [\n'))[0]).toMatch(/^YAML: /);
    expect(issuesOf(() => loadGatewayConfig('targets: []\ntargets: []\n'))[0]).toMatch(/^YAML: .*unique/i);
  });

  it('names the path of schema errors, including misspelt keys', () => {
    const issues = issuesOf(() =>
      parseGatewayConfig({
        targets: [{ id: 'a', kind: 'sglang', model: 'm', baseURL: 'not a url' }],
        routes: [{ name: 'r', strategy: 'single', targets: [{ ref: 'a' }], fallback_on: {} }],
      }),
    );
    expect(issues).toEqual([
      expect.stringMatching(/^targets\[0\]\.kind: /),
      expect.stringMatching(/^targets\[0\]\.baseURL: /),
      expect.stringMatching(/^routes\[0\]: .*fallback_on/),
    ]);
  });

  it('checks cross references and names every problem with its path', () => {
    const issues = issuesOf(() =>
      parseGatewayConfig({
        targets: [
          vllm('a'),
          vllm('a'),
          vllm('b', 'other-model'),
          { id: 'br', kind: 'bedrock', model: 'x' },
          { id: 'oa', kind: 'openai-compatible', model: 'gpt' },
        ],
        pools: [
          { id: 'p', replicas: ['a', 'b', 'ghost', 'a'], spillover: { target: 'nowhere' } },
          { id: 'br', replicas: ['a'] },
          { id: 'q', replicas: ['a'], spillover: { target: 'a' } },
        ],
        routes: [
          { name: 'r', targets: [{ ref: 'p' }] },
          { name: 'r', targets: [{ ref: 'a' }] },
          { name: 'w', strategy: 'weighted', targets: [{ ref: 'a', weight: 0 }, { ref: 'p' }] },
          { name: 'x', strategy: 'fallback', targets: [{ ref: 'a' }, { ref: 'x' }, { ref: 'a' }] },
          { name: 's', targets: [{ ref: 'a' }, { ref: 'q' }], stickyBy: 'user' },
        ],
      }),
    );
    expect(issues).toEqual([
      'targets[1].id: duplicate target id "a"',
      'targets[3].region: required for kind "bedrock"',
      'targets[4].baseURL: required for kind "openai-compatible"',
      'pools[0].replicas[1]: target "b" serves model "other-model" but "a" serves "llama"; replicas of a pool must serve the same model',
      'pools[0].replicas[2]: unknown target "ghost"',
      'pools[0].replicas[3]: duplicate replica "a"',
      'pools[0].spillover.target: unknown target "nowhere"',
      'pools[1].id: "br" is already a target id',
      'pools[2].spillover.target: "a" is a replica of this pool',
      'routes[1].name: duplicate route name "r"',
      'routes[2].targets[0].weight: weighted routes need a weight > 0 for every target',
      'routes[2].targets[1].weight: weighted routes need a weight > 0 for every target',
      'routes[3].targets[1].ref: unknown target or pool "x"',
      'routes[3].targets[2].ref: "a" is listed twice',
      'routes[4].targets: strategy "single" takes exactly one target (got 2); use "weighted" or "fallback"',
      'routes[4].stickyBy: only used by the "weighted" strategy',
    ]);
  });

  it('interpolates ${NAME} and $$ only in apiKey and header values', () => {
    const config = parseGatewayConfig(
      {
        targets: [
          {
            ...vllm('a'),
            model: '${NOT_INTERPOLATED}',
            apiKey: 'k-${KEY}-$${KEY}',
            headers: { 'x-a': '${A}${B}' },
          },
        ],
      },
      { env: { KEY: 'secret', A: '1', B: '2' } },
    );
    expect(config.targets[0]).toMatchObject({
      model: '${NOT_INTERPOLATED}',
      apiKey: 'k-secret-${KEY}',
      headers: { 'x-a': '12' },
    });
    expect(
      issuesOf(() =>
        parseGatewayConfig({ targets: [{ ...vllm('a'), apiKey: '${KEY:-default}' }] }, { env: {} }),
      ),
    ).toEqual([
      'targets[0].apiKey: "${KEY:-default}" is not a supported placeholder (use ${NAME} or $$ for a literal $)',
    ]);
  });

  it('reads kind-specific target options, interpolating Bedrock credentials', () => {
    const config = loadGatewayConfig(
      `
targets:
  - id: triton
    kind: triton
    model: ensemble
    baseURL: http://triton:8000
    headers: { x-team: "\${TEAM}" }
    modelVersion: 2
    defaultMaxTokens: 512
    excludeInputInOutput: false
    inputs: { end_id: 2, pad_id: 2, bad_words: [""] }
    promptTemplate:
      begin: "<s>"
      roles: { system: "[SYS] ", user: "[INST] " }
      separator: "\\n"
      generationPrompt: "[/INST]"
  - id: claude
    kind: bedrock
    model: anthropic.claude-3-haiku-20240307-v1:0
    region: eu-west-3
    credentials:
      accessKeyId: \${AWS_KEY}
      secretAccessKey: \${AWS_SECRET}
      sessionToken: \${AWS_TOKEN}
  - id: other-cloud
    kind: openai-compatible
    model: m
    baseURL: https://api.other.test/v1
    streamUsage: false
`,
      { env: { TEAM: 'search', AWS_KEY: 'AKIDENV', AWS_SECRET: 's3cr3t', AWS_TOKEN: 'tok' } },
    );
    expect(config.targets[0]).toEqual({
      id: 'triton',
      kind: 'triton',
      model: 'ensemble',
      baseURL: 'http://triton:8000',
      headers: { 'x-team': 'search' },
      modelVersion: '2',
      defaultMaxTokens: 512,
      excludeInputInOutput: false,
      inputs: { end_id: 2, pad_id: 2, bad_words: [''] },
      promptTemplate: {
        begin: '<s>',
        roles: { system: '[SYS] ', user: '[INST] ' },
        separator: '\n',
        generationPrompt: '[/INST]',
      },
    });
    expect(config.targets[1]?.credentials).toEqual({
      accessKeyId: 'AKIDENV',
      secretAccessKey: 's3cr3t',
      sessionToken: 'tok',
    });
    expect(config.targets[2]?.streamUsage).toBe(false);
  });

  it('names unset variables in Bedrock credentials and malformed options', () => {
    const bedrock = { id: 'br', kind: 'bedrock', model: 'm', region: 'us-east-1' };
    expect(
      issuesOf(() =>
        parseGatewayConfig(
          { targets: [{ ...bedrock, credentials: { accessKeyId: '${K}', secretAccessKey: '${S}' } }] },
          { env: { K: 'AKID' } },
        ),
      ),
    ).toEqual(['targets[0].credentials.secretAccessKey: environment variable "S" is not set']);
    expect(
      issuesOf(() =>
        parseGatewayConfig({
          targets: [
            { ...bedrock, credentials: { accessKeyId: 'AKID' } },
            {
              id: 't',
              kind: 'triton',
              model: 'm',
              baseURL: 'http://t:8000',
              modelVersion: 'latest',
              defaultMaxTokens: 0,
              promptTemplate: { roles: { developer: 'x' } },
            },
          ],
        }),
      ),
    ).toEqual([
      expect.stringMatching(/^targets\[0\]\.credentials\.secretAccessKey: /),
      expect.stringMatching(/^targets\[1\]\.modelVersion: /),
      expect.stringMatching(/^targets\[1\]\.defaultMaxTokens: /),
      expect.stringMatching(/^targets\[1\]\.promptTemplate\.roles: .*developer/),
    ]);
  });

  it('refuses an option set on a kind that does not use it, naming the path', () => {
    const issues = issuesOf(() =>
      parseGatewayConfig(
        {
          targets: [
            { ...vllm('a'), defaultMaxTokens: 64, region: 'us-east-1', streamUsage: false },
            {
              id: 't',
              kind: 'triton',
              model: 'ensemble',
              baseURL: 'http://t:8000',
              apiKey: 'k',
              metricsURL: 'http://t:8002/metrics',
            },
            {
              id: 'br',
              kind: 'bedrock',
              model: 'm',
              region: 'us-east-1',
              baseURL: 'http://br/v1',
              headers: { x: 'y' },
              inputs: { end_id: 2 },
            },
            {
              id: 'oa',
              kind: 'openai-compatible',
              model: 'gpt',
              baseURL: 'http://oa/v1',
              credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
            },
          ],
        },
        { env: {} },
      ),
    );
    expect(issues).toEqual([
      'targets[0].region: not used by kind "vllm" (only by "bedrock")',
      'targets[0].streamUsage: not used by kind "vllm" (only by "openai-compatible")',
      'targets[0].defaultMaxTokens: not used by kind "vllm" (only by "triton")',
      'targets[1].apiKey: not used by kind "triton" (only by "vllm", "trtllm", "openai-compatible"); use `headers` for Triton, `credentials` for Bedrock',
      'targets[1].metricsURL: not used by kind "triton" (only by "vllm", "trtllm"); only vLLM and trtllm-serve report load',
      'targets[2].baseURL: not used by kind "bedrock" (only by "vllm", "trtllm", "openai-compatible", "triton"); Bedrock is reached through `region`',
      'targets[2].headers: not used by kind "bedrock" (only by "vllm", "trtllm", "openai-compatible", "triton")',
      'targets[2].inputs: not used by kind "bedrock" (only by "triton")',
      'targets[3].credentials: not used by kind "openai-compatible" (only by "bedrock")',
    ]);
  });

  it('allows a LoRA adapter only on refs to vllm or openai-compatible targets, or pools of them', () => {
    const config = parseGatewayConfig({
      targets: [
        vllm('a'),
        vllm('b'),
        { id: 'oa', kind: 'openai-compatible', model: 'llama', baseURL: 'http://oa/v1' },
        { id: 'trt', kind: 'trtllm', model: 'llama', baseURL: 'http://trt/v1' },
      ],
      pools: [{ id: 'p', replicas: ['a', 'b'], spillover: { target: 'trt' } }],
      routes: [
        {
          name: 'r',
          strategy: 'fallback',
          targets: [
            { ref: 'p', adapter: 'sql-lora' },
            { ref: 'oa', adapter: 'ft:x' },
          ],
        },
      ],
    });
    expect(config.routes[0]?.targets).toEqual([
      { ref: 'p', adapter: 'sql-lora' },
      { ref: 'oa', adapter: 'ft:x' },
    ]);

    const issues = issuesOf(() =>
      parseGatewayConfig({
        targets: [
          vllm('a'),
          { id: 'trt', kind: 'trtllm', model: 'llama', baseURL: 'http://trt/v1' },
          { id: 'tri', kind: 'triton', model: 'llama', baseURL: 'http://tri:8000' },
        ],
        pools: [{ id: 'mixed', replicas: ['a', 'trt'] }],
        routes: [
          {
            name: 'r',
            strategy: 'fallback',
            targets: [
              { ref: 'tri', adapter: 'x' },
              { ref: 'mixed', adapter: 'x' },
            ],
          },
        ],
      }),
    );
    expect(issues).toEqual([
      'routes[0].targets[0].adapter: "tri" is a "triton" target; LoRA adapters are served by "vllm" and "openai-compatible" targets only',
      'routes[0].targets[1].adapter: pool "mixed" has replica "trt" of kind "trtllm"; LoRA adapters are served by "vllm" and "openai-compatible" targets only',
    ]);
    expect(
      issuesOf(() =>
        parseGatewayConfig({
          targets: [vllm('a')],
          routes: [{ name: 's', targets: [{ ref: 'a', adapter: '' }] }],
        }),
      ),
    ).toEqual([expect.stringMatching(/^routes\[0\]\.targets\[0\]\.adapter: /)]);
  });
});
