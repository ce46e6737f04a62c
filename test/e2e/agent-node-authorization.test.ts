// The agent on its node identity under the Node authorizer (real etcd, real Docker): the
// chain is [Node, allow-non-nodes], so the agent gets exactly what node-rules.ts grants.
// A pod bound the way the scheduler binds (POST binding), consuming a Secret as env and
// as a volume and a ConfigMap as env, runs with the values; the agent cannot read a
// Secret only another node's pod uses.

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../api/types.js';
import { Agent } from '../../agent/agent.js';
import { allowNonNodes } from '../../apiserver/authorization/chain.js';
import { nodeAuthorizer } from '../../apiserver/authorization/node-rules.js';
import { ApiClient } from '../../client/rest-client.js';
import { apiRequest, startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { containersWith, docker, podManifest, waitFor } from './agent-helpers.js';
import { startTestAgent, type TestAgent } from './test-agent.js';

const RUN = crypto.randomBytes(3).toString('hex');
const NODE = `e2e-nodeauthz-${RUN}`;
const OTHER = `e2e-nodeauthz-other-${RUN}`;
const VALUE = `v-${RUN}`;

let api: TestApiServer;
let admin: ApiClient;
let root: string;
let agent: Agent | undefined;
let testAgent: TestAgent | undefined;

beforeAll(async () => {
  docker('image', 'inspect', 'orch.local/busybox:latest');
  api = await startTestApiServer({ nodeNames: [NODE, OTHER], server: { authorizers: [nodeAuthorizer, allowNonNodes] } });
  admin = new ApiClient({ server: api.url, token: api.token });
  testAgent = await startTestAgent(api, NODE);
  agent = testAgent.agent;
  root = testAgent.root;
});

afterAll(async () => {
  await testAgent?.stop();
  await api?.stop();
});

describe('agent under the Node authorizer (real Docker)', () => {
  it('runs a pod bound after creation with a Secret as env and volume and a ConfigMap as env', async () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    await admin.secrets.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `cred-${RUN}`, namespace: 'default' }, data: { pw: b64(VALUE) } });
    await admin.secrets.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `theirs-${RUN}`, namespace: 'default' }, data: { pw: b64('no') } });
    await admin.configmaps.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `conf-${RUN}`, namespace: 'default' }, data: { mode: 'strict' } });
    // A pod of the other node uses `theirs`.
    await admin.pods.create({ ...podManifest(`other-${RUN}`, OTHER), spec: { ...podManifest('x', OTHER).spec, volumes: [{ name: 's', secret: { secretName: `theirs-${RUN}` } }] } });

    // Created unbound, then bound as the scheduler binds: the agent fetches the Secret at once.
    const manifest = podManifest(`app-${RUN}`, NODE, {
      containers: [
        {
          name: 'main',
          image: 'orch.local/busybox:latest',
          imagePullPolicy: 'IfNotPresent',
          command: ['sleep', '3600'],
          env: [
            { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: `cred-${RUN}`, key: 'pw' } } },
            { name: 'MODE', valueFrom: { configMapKeyRef: { name: `conf-${RUN}`, key: 'mode' } } },
          ],
          volumeMounts: [{ name: 'creds', mountPath: '/etc/creds' }],
        },
      ],
      volumes: [{ name: 'creds', secret: { secretName: `cred-${RUN}` } }],
    });
    delete (manifest.spec as { nodeName?: string }).nodeName;
    await admin.pods.create(manifest);
    await admin.pods.bind({ apiVersion: 'v1', kind: 'Binding', metadata: { name: `app-${RUN}`, namespace: 'default' }, target: { kind: 'Node', name: NODE } });

    const pod = await waitFor('pod running', async () => {
      const p: Pod = await admin.pods.get(`app-${RUN}`, 'default');
      return p.status?.phase === 'Running' ? p : undefined;
    }, 60_000);
    const [id] = containersWith({ 'orch.io/pod-uid': pod.metadata.uid! });
    expect(docker('exec', id!, 'sh', '-c', 'echo "$PASSWORD $MODE"')).toBe(`${VALUE} strict`);
    expect(docker('exec', id!, 'cat', '/etc/creds/pw')).toBe(VALUE);

    // The same identity cannot read the other node's Secret, nor list Secrets.
    const asNode = { token: api.nodeTokens[NODE] };
    expect((await apiRequest(api, 'GET', `/api/v1/namespaces/default/secrets/theirs-${RUN}`, undefined, asNode)).status).toBe(403);
    expect((await apiRequest(api, 'GET', `/api/v1/namespaces/default/secrets`, undefined, asNode)).status).toBe(403);
    // The agent's own Node and Lease were written under the new rules.
    expect((await admin.nodes.get(NODE)).status?.conditions?.some((c) => c.type === 'Ready')).toBe(true);
    expect((await admin.leases.get(NODE, 'kube-node-lease')).spec?.holderIdentity).toBe(NODE);

    await admin.pods.delete(`app-${RUN}`, 'default');
    await waitFor('pod gone', async () => (await admin.pods.list({ namespace: 'default' })).items.every((p) => p.metadata.uid !== pod.metadata.uid), 60_000);
  });
});
