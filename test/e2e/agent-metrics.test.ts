// Resource metrics end to end with real containers: a real agent samples the cgroup files
// of a CPU-burning busybox loop and of a container holding 48 MiB in /dev/shm, serves them
// on its endpoint, the apiserver's scraper reads them over the agent client, and
// metrics.k8s.io answers with the figures: CPU above a threshold for the burner (and
// near zero for an idle pod), memory above 40 MiB for the holder, the node's figures.

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../agent/agent.js';
import type { NodeMetrics, PodMetrics } from '../../api/metrics-types.js';
import { parseQuantity } from '../../api/quantity.js';
import { ApiClient } from '../../client/rest-client.js';
import { tokenAuthenticator } from '../../foundation/token-auth.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { TEST_PAUSE_IMAGE } from '../helpers/images.js';
import { eventually } from '../helpers/eventually.js';
import { docker, podManifest } from './agent-helpers.js';
import { startTestAgent, type TestAgent } from './test-agent.js';

const RUN = crypto.randomBytes(3).toString('hex');
const NODE = `h22-metrics-${RUN}`;
const AGENT_TOKEN = crypto.randomBytes(12).toString('hex');
const M = '/apis/metrics.k8s.io/v1beta1';

let api: TestApiServer;
let admin: ApiClient;
let agent: Agent | undefined;
let testAgent: TestAgent | undefined;

const cpuOf = (p: PodMetrics) => p.containers.reduce((a, c) => a + parseQuantity(c.usage.cpu), 0);
const memOf = (p: PodMetrics) => p.containers.reduce((a, c) => a + parseQuantity(c.usage.memory), 0);

beforeAll(async () => {
  docker('image', 'inspect', TEST_PAUSE_IMAGE); // fails loudly when the test images are missing
  api = await startTestApiServer({ nodeNames: [NODE], tls: true, server: { agentClient: { token: AGENT_TOKEN, insecureHttp: true }, metricResolutionMs: 1000 } });
  admin = new ApiClient({ server: api.url, token: api.token, ca: api.ca });
  testAgent = await startTestAgent(api, NODE, {
    resyncIntervalMs: 2000,
    logTokens: tokenAuthenticator([{ token: AGENT_TOKEN, user: 'apiserver', uid: '', groups: [] }]),
    metricsIntervalMs: 1000,
  });
  agent = testAgent.agent;
}, 60_000);

afterAll(async () => {
  await testAgent?.stop();
  admin?.close();
  await api?.stop();
});

describe('resource metrics from real containers', () => {
  it('a CPU-burning loop shows CPU, a container holding memory shows its working set, the node has figures', async () => {
    const burn = podManifest('burner', NODE, { containers: [{ name: 'burn', image: 'orch.local/busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'while :; do :; done'] }] });
    burn.metadata.labels = { app: 'burner' };
    const hold = podManifest('holder', NODE, {
      containers: [{ name: 'hold', image: 'orch.local/busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'dd if=/dev/zero of=/dev/shm/fill bs=1M count=48 2>/dev/null; sleep 3600'] }],
    });
    const idle = podManifest('idle', NODE);
    for (const p of [burn, hold, idle]) await admin.pods.create(p);

    // 404 until the figures exist (two samples, then a scrape).
    const metrics = async <T>(p: string) => (await admin.request('GET', `${M}${p}`).catch(() => undefined)) as T | undefined;

    const burner = await eventually(
      'burner above 200m CPU',
      async () => {
        const p = await metrics<PodMetrics>('/namespaces/default/pods/burner');
        return p && cpuOf(p) > 0.2 ? p : undefined;
      },
      60_000,
      500,
    );
    expect(burner.metadata.labels).toEqual({ app: 'burner' });
    expect(burner.containers.map((c) => c.name)).toEqual(['burn']);
    // The interval between the two samples (1 s here, give or take the Docker list's time).
    expect(burner.window).toMatch(/^\d+(\.\d+)?s$/);
    const window = Number(burner.window.slice(0, -1));
    expect(window).toBeGreaterThan(0.3);
    expect(window).toBeLessThan(5);

    const holder = await eventually(
      'holder above 40Mi',
      async () => {
        const p = await metrics<PodMetrics>('/namespaces/default/pods/holder');
        return p && memOf(p) > 40 * 1024 * 1024 ? p : undefined;
      },
      60_000,
      500,
    );
    expect(memOf(holder)).toBeLessThan(200 * 1024 * 1024);
    expect(cpuOf(holder)).toBeLessThan(0.1);

    const idlePod = await eventually('idle pod figures', () => metrics<PodMetrics>('/namespaces/default/pods/idle'), 30_000, 500);
    expect(cpuOf(idlePod)).toBeLessThan(0.05);

    const list = await metrics<{ items: PodMetrics[] }>('/namespaces/default/pods?labelSelector=app%3Dburner');
    expect(list!.items.map((p) => p.metadata.name)).toEqual(['burner']);

    const node = await metrics<NodeMetrics>(`/nodes/${NODE}`);
    // The node is the whole machine: at least the burner's CPU.
    expect(parseQuantity(node!.usage.cpu)).toBeGreaterThan(0.2);
    expect(parseQuantity(node!.usage.memory)).toBeGreaterThan(40 * 1024 * 1024);
  }, 120_000);
});
