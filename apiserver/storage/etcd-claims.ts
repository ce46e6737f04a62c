// How a write's held keys (types.ts WriteClaims) join its etcd transaction: each claimed
// key adds a "does not exist" compare, a put and a read in the failure branch (to tell a
// taken key from a lost race on the object); each released key a nested transaction that
// deletes it only while it still holds its owner's value, so a release never frees a key
// someone else holds now.

import type { ICompare, IRequestOp, IResponseOp } from 'etcd3';
import { CompareResult, CompareTarget } from 'etcd3';
import type { ClaimPlan } from './types.js';

export interface ClaimOps {
  compare: ICompare[];
  success: IRequestOp[];
  /** Failure-branch reads, one per claimed key, after the caller's own. */
  failure: IRequestOp[];
}

const NO_CLAIMS: ClaimOps = { compare: [], success: [], failure: [] };

export function claimOps(plan: ClaimPlan | undefined, toEtcd: (key: string) => string): ClaimOps {
  if (!plan || (plan.claim.length === 0 && plan.release.length === 0)) return NO_CLAIMS;
  const out: ClaimOps = { compare: [], success: [], failure: [] };
  for (const c of plan.claim) {
    const key = Buffer.from(toEtcd(c.key));
    out.compare.push({ key, target: CompareTarget.Version, result: CompareResult.Equal, version: 0 });
    out.success.push({ request_put: { key, value: Buffer.from(c.value) } });
    out.failure.push({ request_range: { key, keys_only: true } });
  }
  for (const r of plan.release) {
    const key = Buffer.from(toEtcd(r.key));
    out.success.push({
      request_txn: {
        compare: [{ key, target: CompareTarget.Value, result: CompareResult.Equal, value: Buffer.from(r.value) }],
        success: [{ request_delete_range: { key } }],
        failure: [],
      },
    });
  }
  return out;
}

/** The claimed keys a failed transaction found taken (its failure reads start at `offset`). */
export function takenClaims(plan: ClaimPlan | undefined, responses: IResponseOp[], offset: number): string[] {
  if (!plan) return [];
  return plan.claim.filter((_, i) => (responses[offset + i]?.response_range?.kvs.length ?? 0) > 0).map((c) => c.key);
}
