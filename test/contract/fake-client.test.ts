// The client contract against the in-memory FakeClient (unit: no etcd).

import { beforeAll, describe } from 'vitest';
import type { Namespace } from '../../api/types.js';
import { FakeClient } from '../../client/testing/fake-client.js';
import { clientContract, type ContractTarget } from './contract.js';

describe('client contract: FakeClient', () => {
  let target: ContractTarget;
  beforeAll(async () => {
    const client = new FakeClient();
    // The fake does not insist on namespaces existing; the server's bootstrap creates 'default'.
    await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } } as Namespace);
    await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'contract' } } as Namespace);
    target = { client, namespace: 'contract' };
  });
  clientContract(() => target);
});
