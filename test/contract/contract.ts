// One contract for every Client: the apiserver's semantics that controllers, the
// scheduler and the agent rely on. Run against the real apiserver over etcd
// (apiserver.integration.test.ts) and against the in-memory FakeClient
// (fake-client.test.ts): a rule the fake gets wrong fails here, so unit tests built on
// the fake cannot pass on behaviour the server does not have.

import { deletionContract } from './deletion.js';
import { readContract } from './reads.js';
import type { TargetOf } from './target.js';
import { writeContract } from './writes.js';

export type { ContractTarget, TargetOf } from './target.js';

/** Registers the suite (describe/it) for the target the runner set up in its beforeAll. */
export function clientContract(target: TargetOf): void {
  writeContract(target);
  readContract(target);
  deletionContract(target);
}
