// A pod's kube-api-access volume on a real agent and Docker engine: the apiserver's
// admission adds it, the agent asks for the token with a TokenRequest bound to the pod
// (as its node), writes token, ca.crt and namespace into the pod's tmpfs, and renews the
// token file in the RUNNING container once 80 % of its lifetime has passed (the agent's
// token clock is moved ahead; the apiserver's is real), without restarting it. The token
// authenticates as the pod's service account.

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../api/types.js';
import { realClock, type Clock } from '../../foundation/clock.js';
import { ApiClient } from '../../client/rest-client.js';
import { Agent } from '../../agent/agent.js';
import { verifyKeyOf } from '../../apiserver/authentication/jwt.js';
import { allowNonNodes } from '../../apiserver/authorization/chain.js';
import { nodeAuthorizer } from '../../apiserver/authorization/node-rules.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { appContainersWith, containersWith, docker, podManifest, waitFor } from './agent-helpers.js';
import { startTestAgent, type TestAgent } from './test-agent.js';

const RUN = crypto.randomBytes(3).toString('hex');
const NODE = `e2e-satoken-${RUN}`;
const MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

let api: TestApiServer;
let admin: ApiClient;
let root: string;
let agent: Agent | undefined;
let testAgent: TestAgent | undefined;
let ahead = 0;
const tokenClock: Clock = { ...realClock, now: () => realClock.now() + ahead };

beforeAll(async () => {
  docker('image', 'inspect', 'orch.local/busybox:latest');
  const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  api = await startTestApiServer({
    nodeNames: [NODE],
    server: {
      // Authentication is under test: every authenticated user but a node may act, nodes get what the Node authorizer grants (RBAC has tests of its own).
      authorizers: [nodeAuthorizer, allowNonNodes],
      serviceAccountTokens: {
        keys: { signing: privateKey, verify: [verifyKeyOf(privateKey)] },
        issuers: ['https://kubernetes.default.svc.cluster.local'],
        audiences: ['https://kubernetes.default.svc.cluster.local'],
        maxExpirationSeconds: 48 * 3600,
      },
    },
  });
  admin = new ApiClient({ server: api.url, token: api.token });
  await admin.resource('serviceaccounts').create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'default' } });
  await admin.configmaps.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: 'default' }, data: { 'ca.crt': 'CA-PEM' } });
  testAgent = await startTestAgent(api, NODE, { projectedRefreshMs: 500, serviceAccountTokenClock: tokenClock });
  agent = testAgent.agent;
  root = testAgent.root;
});

afterAll(async () => {
  await testAgent?.stop();
  await api?.stop();
});

async function whoCanList(token: string): Promise<number> {
  const res = await fetch(`${api.url}/api/v1/namespaces/default/pods`, { headers: { authorization: `Bearer ${token}` } });
  return res.status;
}

describe('the kube-api-access volume (real Docker)', () => {
  it('token, ca.crt and namespace inside the container; the token is renewed in place at 80 % of its lifetime', async () => {
    const name = `sa-${RUN}`;
    const created = await admin.pods.create(podManifest(name, NODE) as Pod);
    const vol = created.spec.volumes?.find((v) => v.name.startsWith('kube-api-access-'));
    expect(vol?.projected?.sources?.[0]?.serviceAccountToken).toEqual({ expirationSeconds: 3607, path: 'token' });
    const p = await waitFor('pod running', async () => {
      const x = await admin.pods.get(name, 'default');
      return x.status?.phase === 'Running' ? x : undefined;
    }, 60_000);
    const [id] = appContainersWith({ 'orch.io/pod-uid': p.metadata.uid! });
    expect(id).toBeDefined();
    expect(docker('exec', id!, 'cat', `${MOUNT}/namespace`)).toBe('default');
    expect(docker('exec', id!, 'cat', `${MOUNT}/ca.crt`)).toBe('CA-PEM');
    const first = docker('exec', id!, 'cat', `${MOUNT}/token`);
    const claims = JSON.parse(Buffer.from(first.split('.')[1]!, 'base64url').toString('utf8'));
    expect(claims.sub).toBe('system:serviceaccount:default:default');
    expect(claims['kubernetes.io'].pod).toEqual({ name, uid: p.metadata.uid });
    expect(claims['kubernetes.io'].node.name).toBe(NODE);
    expect(claims.exp - claims.iat).toBe(3607);
    expect(await whoCanList(first)).toBe(200);
    // Read-only inside the container.
    expect(() => docker('exec', id!, 'sh', '-c', `echo x > ${MOUNT}/token`)).toThrow();

    // 2,900 s later (80 % of 3,607 s is 2,885.6 s) the agent renews the token.
    ahead = 2900_000;
    const second = await waitFor('a renewed token file', () => {
      const t = docker('exec', id!, 'cat', `${MOUNT}/token`);
      return t !== first ? t : undefined;
    }, 30_000, 250);
    expect(JSON.parse(Buffer.from(second.split('.')[1]!, 'base64url').toString('utf8')).jti).not.toBe(claims.jti);
    expect(await whoCanList(second)).toBe(200);
    expect(appContainersWith({ 'orch.io/pod-uid': p.metadata.uid! })).toEqual([id]);
    expect((await admin.pods.get(name, 'default')).status!.containerStatuses![0]!.restartCount).toBe(0);
    expect(containersWith({ 'orch.io/pod-uid': p.metadata.uid! }).length).toBeGreaterThan(0);

    // The pod's token dies with the pod.
    await admin.pods.delete(name, 'default');
    await waitFor('pod gone', async () => admin.pods.get(name, 'default').then(() => false, () => true), 60_000);
    await waitFor('token refused', async () => (await whoCanList(second)) === 401, 10_000, 200);
  });
});
