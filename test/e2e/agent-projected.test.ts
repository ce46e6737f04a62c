// ConfigMap/Secret volume files follow later changes of their objects inside a RUNNING
// container (real engine: the bind-mounted directory sees the atomically replaced files),
// without restarting it.

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigMap, Pod, Secret } from '../../api/types.js';
import { ApiClient } from '../../client/rest-client.js';
import { Agent } from '../../agent/agent.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { appContainersWith, containersWith, docker, podManifest, waitFor } from './agent-helpers.js';
import { startTestAgent, type TestAgent } from './test-agent.js';

const RUN = crypto.randomBytes(3).toString('hex');
const NODE = `e2e-proj-${RUN}`;

let api: TestApiServer;
let admin: ApiClient;
let root: string;
let agent: Agent | undefined;
let testAgent: TestAgent | undefined;

beforeAll(async () => {
  docker('image', 'inspect', 'orch.local/busybox:latest');
  api = await startTestApiServer({ nodeNames: [NODE] });
  admin = new ApiClient({ server: api.url, token: api.token });
  testAgent = await startTestAgent(api, NODE, { projectedRefreshMs: 1000 });
  agent = testAgent.agent;
  root = testAgent.root;
});

afterAll(async () => {
  await testAgent?.stop();
  await api?.stop();
});

describe('projected volumes follow their objects (real Docker)', () => {
  it('an updated ConfigMap and Secret show up inside the running container; no restart', async () => {
    const cm: ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'conf', namespace: 'default' }, data: { 'greeting.txt': 'hello' } };
    const sec: Secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cred', namespace: 'default' }, data: { pw: Buffer.from('one').toString('base64') } };
    await admin.configmaps.create(cm);
    await admin.secrets.create(sec);
    const pod: Pod = podManifest(`proj-${RUN}`, NODE, {
      volumes: [
        { name: 'c', configMap: { name: 'conf' } },
        { name: 's', secret: { secretName: 'cred' } },
      ],
      containers: [{ name: 'main', image: 'orch.local/busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'], volumeMounts: [{ name: 'c', mountPath: '/etc/conf' }, { name: 's', mountPath: '/etc/cred' }] }],
    });
    await admin.pods.create(pod);
    const p = await waitFor('pod running', async () => {
      const x = await admin.pods.get(`proj-${RUN}`, 'default');
      return x.status?.phase === 'Running' ? x : undefined;
    }, 60_000);
    const [id] = containersWith({ 'orch.io/pod-uid': p.metadata.uid! });
    expect(docker('exec', id!, 'cat', '/etc/conf/greeting.txt')).toBe('hello');

    const curCm = await admin.configmaps.get('conf', 'default');
    await admin.configmaps.update({ ...curCm, data: { 'greeting.txt': 'bonjour', 'new.txt': 'added' } });
    const curSec = await admin.secrets.get('cred', 'default');
    await admin.secrets.update({ ...curSec, data: { pw: Buffer.from('two').toString('base64') } });

    await waitFor('configmap change inside the container', () => docker('exec', id!, 'cat', '/etc/conf/greeting.txt') === 'bonjour', 30_000, 250);
    await waitFor('secret change inside the container', () => docker('exec', id!, 'cat', '/etc/cred/pw') === 'two', 30_000, 250);
    expect(docker('exec', id!, 'cat', '/etc/conf/new.txt')).toBe('added');
    expect(appContainersWith({ 'orch.io/pod-uid': p.metadata.uid! })).toEqual([id]);
    expect((await admin.pods.get(`proj-${RUN}`, 'default')).status!.containerStatuses![0]!.restartCount).toBe(0);
  });
});
