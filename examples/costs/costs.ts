/**
 * Costs and budgets: a tenant with a hard daily budget sends chat calls through the gateway until the
 * budget refuses one (402), then reads its exact costs by model and by key.
 *
 *   npx tsx examples/costs/echo-model.ts                          # terminal 1: a stand-in model
 *   RAGLINE_CONFIG=examples/costs/ragline.yaml npm start          # terminal 2: the server
 *   export RAGLINE_API_KEY=$(cat .ragline/admin.key)
 *   npx tsx examples/costs/costs.ts                               # terminal 3
 */
import { APIError, Ragline } from '@ragline/sdk';
import OpenAI from 'openai';

const adminKey = process.env.RAGLINE_API_KEY;
if (!adminKey) throw new Error('set RAGLINE_API_KEY (see the comment at the top of this file)');
const baseURL = process.env.RAGLINE_URL ?? 'http://127.0.0.1:8787';
const admin = new Ragline({ baseURL, apiKey: adminKey });

async function main(): Promise<void> {
  const prices = await admin.prices.get();
  console.log(
    `price book version ${prices.version}:`,
    prices.entries.map((e) => e.target ?? e.model).join(', '),
  );

  // A tenant of its own: an operator key (admin, manages the budget) and an application key.
  const tenant = `costs-demo-${Date.now()}`;
  const ops = await admin.keys.create({ tenant, name: 'ops', admin: true });
  const app = await admin.keys.create({ tenant, name: 'chat-app' });
  const opsClient = new Ragline({ baseURL, apiKey: ops.key });
  const budget = await opsClient.budgets.create({
    name: 'demo cap',
    period: 'day',
    limit: '0.002',
    mode: 'hard',
  });
  console.log(`hard budget "${budget.name}": $${budget.limit} a day`);

  // Any OpenAI client works: the route name is the model.
  const openai = new OpenAI({ baseURL: `${baseURL}/v1`, apiKey: app.key, maxRetries: 0 });
  for (let call = 1; call <= 100; call++) {
    try {
      const { data, response } = await openai.chat.completions
        .create({
          model: 'echo',
          messages: [{ role: 'user', content: `question ${call}: what does this cost?` }],
          max_tokens: 64,
        })
        .withResponse();
      console.log(
        `call ${call}: ${data.usage?.total_tokens} tokens, cost ${response.headers.get('x-ragline-cost-micros')} micro-dollars`,
      );
    } catch (error) {
      if (error instanceof OpenAI.APIError && error.status === 402) {
        console.log(`call ${call} refused before reaching the model: ${error.message}`);
        break;
      }
      throw error;
    }
  }

  const appClient = new Ragline({ baseURL, apiKey: app.key });
  for (const groupBy of ['model', 'key'] as const) {
    const usage = await appClient.usage.summary({ from: '1d', groupBy: [groupBy] });
    for (const group of usage.groups) {
      console.log(`by ${groupBy}: ${group[groupBy]} -> ${group.requests} calls, $${group.cost}`);
    }
  }
}

main().catch((error: unknown) => {
  if (error instanceof APIError) console.error(`${error.code} (${error.status}): ${error.message}`);
  else console.error(error);
  process.exit(1);
});
