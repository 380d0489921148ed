import { afterEach, describe, expect, it } from 'vitest';
import { createLibsqlMetadataStore } from '../../adapters/metadata-store/libsql-metadata-store.js';
import { randomIds } from '../../core/ids.js';
import { systemClock } from '../../ports/clock.js';
import type { MetadataStore } from '../../ports/metadata-store.js';
import { bootstrapAdminKey } from './create-api-key.js';

let metadata: MetadataStore | undefined;
afterEach(async () => metadata?.close());

describe('bootstrapAdminKey', () => {
  it('lets instances that start together on one store all succeed, creating the key once', async () => {
    metadata = createLibsqlMetadataStore({ url: ':memory:' });
    await metadata.migrate();
    const deps = { metadata, ids: randomIds, clock: systemClock };
    const outcomes = await Promise.all(
      Array.from({ length: 4 }, () => bootstrapAdminKey(deps, 'rk_admin_secret')),
    );
    expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
    expect(await metadata.apiKeys.listForTenant('default')).toHaveLength(1);
  });
});
