import type { Principal } from '../../middleware/auth/index.js';
import type { MeterCaller } from './meter.js';

/** The meter's view of an authenticated key: whom to bill, and its per-minute limits. */
export function callerOf(principal: Principal): MeterCaller {
  return {
    tenantId: principal.tenantId,
    keyId: principal.keyId,
    rpmLimit: principal.rpmLimit,
    tpmLimit: principal.tpmLimit,
  };
}
