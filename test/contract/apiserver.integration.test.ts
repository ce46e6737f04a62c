// The client contract against the real apiserver over a real etcd, through ApiClient.

import { afterAll, beforeAll, describe } from 'vitest';
import type { Namespace } from '../../api/types.js';
import { ApiClient } from '../../client/rest-client.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { clientContract, type ContractTarget } from './contract.js';

describe('client contract: apiserver + etcd', () => {
  let api: TestApiServer;
  let target: ContractTarget;
  beforeAll(async () => {
    api = await startTestApiServer();
    const client = new ApiClient({ server: api.url, token: api.token });
    await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'contract' } } as Namespace);
    target = { client, namespace: 'contract' };
  });
  afterAll(async () => {
    (target?.client as ApiClient | undefined)?.close();
    await api?.stop();
  });
  clientContract(() => target);
});
