import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLibsqlMetadataStore } from '../../adapters/metadata-store/libsql-metadata-store.js';
import { ApiError } from '../../core/api-error.js';
import type { AppDeps } from '../../deps.js';
import type { Principal } from '../../middleware/auth/index.js';
import { silentLogger } from '../../ports/logger.js';
import type { MetadataStore } from '../../ports/metadata-store.js';
import type { PolicyDecision } from '../../ports/registry-repositories.js';
import { moveLabel } from './move-label.js';
import { decidePromotion, type LabelMove } from './promotion-policy.js';

const policy = vi.hoisted(() => ({
  override: null as null | ((move: LabelMove) => Promise<PolicyDecision>),
}));
vi.mock('./promotion-policy.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('./promotion-policy.js')>();
  return {
    ...original,
    decidePromotion: vi.fn((deps: AppDeps, move: LabelMove) =>
      policy.override ? policy.override(move) : original.decidePromotion(deps, move),
    ),
  };
});

const principal: Principal = {
  keyId: 'key_ci',
  tenantId: 'acme',
  admin: false,
  allowedModels: null,
  rpmLimit: null,
  tpmLimit: null,
};

let store: MetadataStore;
let deps: AppDeps;

beforeEach(async () => {
  store = createLibsqlMetadataStore({ url: ':memory:' });
  await store.migrate();
  await store.tenants.ensure('acme');
  deps = {
    metadata: store,
    clock: { now: () => new Date('2026-05-01T12:00:00.000Z') },
    logger: silentLogger,
  } as unknown as AppDeps;
  policy.override = null;
  vi.mocked(decidePromotion).mockClear();
});
afterEach(async () => {
  await store.close();
});

// `staging` is not gated by the default eval policy: these tests are about the move itself.
const move = (to: string, extra: Partial<Omit<LabelMove, 'from'>> & { override?: { reason: string } } = {}) =>
  moveLabel(deps, {
    subject: 'release',
    tenantId: 'acme',
    name: '',
    label: 'staging',
    to,
    principal,
    ...extra,
  });

describe('moveLabel', () => {
  it('asks the policy about each move, with where the label is now, and records its decision', async () => {
    const first = await move('rel_a');
    expect(first).toMatchObject({
      previous: null,
      moved: true,
      label: { target: 'rel_a', updatedBy: 'key_ci' },
    });
    await move('rel_b');
    expect(vi.mocked(decidePromotion).mock.calls.map(([, m]) => [m.subject, m.label, m.from, m.to])).toEqual([
      ['release', 'staging', null, 'rel_a'],
      ['release', 'staging', 'rel_a', 'rel_b'],
    ]);
    const history = await store.labels.history('acme', 'release', '', { limit: 10 });
    expect(history.map((m) => [m.from, m.to, m.by, m.at])).toEqual([
      ['rel_a', 'rel_b', 'key_ci', '2026-05-01T12:00:00.000Z'],
      [null, 'rel_a', 'key_ci', '2026-05-01T12:00:00.000Z'],
    ]);
    expect(history[1]?.decision).toEqual(first.decision);
    expect(first.decision?.reason).toMatch(
      /release label "staging" \(new, to rel_a\) is allowed and recorded/,
    );
  });

  it('moves nothing and asks nobody when the label already points there', async () => {
    await move('rel_a');
    expect(await move('rel_a')).toMatchObject({ moved: false, decision: null, previous: 'rel_a' });
    expect(decidePromotion).toHaveBeenCalledTimes(1);
    expect(await store.labels.history('acme', 'release', '', { limit: 10 })).toHaveLength(1);
  });

  it('turns a refusal into 409 PROMOTION_REFUSED, recording nothing', async () => {
    await move('rel_a');
    const refused: PolicyDecision = {
      allowed: false,
      reason: 'no passing eval run for rel_b',
      checks: [{ name: 'eval-gate', passed: false, detail: 'rel_b has no eval run' }],
    };
    policy.override = async () => refused;
    const error = await move('rel_b').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'PROMOTION_REFUSED', status: 409, details: { decision: refused } });
    expect((error as ApiError).message).toMatch(
      /release label "staging" to rel_b was refused: no passing eval/,
    );
    expect((await store.labels.get('acme', 'release', '', 'staging'))?.target).toBe('rel_a');
    expect(await store.labels.history('acme', 'release', '', { limit: 10 })).toHaveLength(1);
  });

  it('answers 409 CONFLICT when another move lands while the policy decides', async () => {
    await move('rel_a');
    policy.override = async (m) => {
      // someone else moves the label between this mover's read and its write
      await store.labels.set({
        tenantId: 'acme',
        subject: 'release',
        name: '',
        label: 'staging',
        expected: 'rel_a',
        target: 'rel_other',
        at: 'x',
        by: 'key_other',
        decision: { allowed: true, reason: 'test', checks: [] },
      });
      return { allowed: true, reason: `allowed ${m.to}`, checks: [] };
    };
    await expect(move('rel_b')).rejects.toMatchObject({ code: 'CONFLICT', status: 409 });
    expect((await store.labels.get('acme', 'release', '', 'staging'))?.target).toBe('rel_other');
  });

  it('refuses production without a passing eval run (the default policy), asking the real policy', async () => {
    const error = await move('rel_a', { label: 'production' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PROMOTION_REFUSED', status: 409 });
    expect((error as ApiError).message).toMatch(/rel_a has no completed eval run/);
  });

  it('lets only an admin key override a refusal, recording the override and the failed checks', async () => {
    const refused: PolicyDecision = {
      allowed: false,
      reason: 'exact_match mean 0.62 < 0.80',
      checks: [{ name: 'eval-gate', passed: false, detail: 'exact_match mean 0.62 < 0.80' }],
    };
    policy.override = async () => refused;
    await expect(move('rel_a', { override: { reason: 'hotfix' } })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: 'override: only an admin key may override the promotion policy',
    });
    expect(decidePromotion).not.toHaveBeenCalled();
    const admin = { ...principal, keyId: 'key_admin', admin: true };
    const result = await move('rel_a', { principal: admin, override: { reason: 'hotfix' } });
    expect(result.decision).toEqual({
      allowed: true,
      reason: 'overridden by admin key key_admin: hotfix (the policy refused: exact_match mean 0.62 < 0.80)',
      checks: refused.checks,
      override: { reason: 'hotfix', by: 'key_admin' },
    });
    const [recorded] = await store.labels.history('acme', 'release', '', { limit: 10 });
    expect(recorded).toMatchObject({ to: 'rel_a', by: 'key_admin', decision: result.decision });
    // an allowed move needs no override: the policy's own decision is recorded
    policy.override = async () => ({ allowed: true, reason: 'fine', checks: [] });
    const plain = await move('rel_b', { principal: admin, override: { reason: 'not needed' } });
    expect(plain.decision).toEqual({ allowed: true, reason: 'fine', checks: [] });
  });

  it('refuses label names that are not labels, and `latest`', async () => {
    await expect(move('rel_a', { label: 'latest' })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(move('rel_a', { label: 'Has Space' })).rejects.toThrow(/^label: /);
    expect(decidePromotion).not.toHaveBeenCalled();
  });
});
