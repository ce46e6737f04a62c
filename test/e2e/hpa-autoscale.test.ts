// The horizontal pod autoscaler end to end with real containers: a real agent runs a
// Deployment of CPU-burning busybox loops (the loop spins while a file exists on a
// hostPath volume, so the test switches the load on and off), the apiserver scrapes the
// agent's figures into metrics.k8s.io, and the controller manager's deployment,
// replicaset and horizontalpodautoscaling controllers (1 s sync) scale it from 1 up to
// maxReplicas, then back to minReplicas after a short scale-down window once the load stops.
// CPU limits (200m a pod) keep the load small on a shared machine.

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../agent/agent.js';
import type { HorizontalPodAutoscaler } from '../../api/hpa-types.js';
import type { Deployment, Event } from '../../api/types.js';
import { ApiClient } from '../../client/rest-client.js';
import { ControllerManager } from '../../controller/manager.js';
import { createLogger } from '../../foundation/logger.js';
import { tokenAuthenticator } from '../../foundation/token-auth.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { TEST_PAUSE_IMAGE } from '../helpers/images.js';
import { eventually } from '../helpers/eventually.js';
import { docker } from './agent-helpers.js';
import { startTestAgent, type TestAgent } from './test-agent.js';

const RUN = crypto.randomBytes(3).toString('hex');
const NODE = `h22-hpa-${RUN}`;
const AGENT_TOKEN = crypto.randomBytes(12).toString('hex');
// hostPath volumes need the privileged Pod Security level: a namespace of the test's own.
const NS = `hpa-${RUN}`;
const NAME = `burn-${RUN}`;

let api: TestApiServer;
let admin: ApiClient;
let root: string;
let loadDir: string;
let agent: Agent | undefined;
let testAgent: TestAgent | undefined;
let manager: ControllerManager | undefined;

beforeAll(async () => {
  docker('image', 'inspect', TEST_PAUSE_IMAGE); // fails loudly when the test images are missing
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'h22-hpa-'));
  loadDir = path.join(root, 'load');
  fs.mkdirSync(loadDir);
  api = await startTestApiServer({ nodeNames: [NODE], tls: true, server: { agentClient: { token: AGENT_TOKEN, insecureHttp: true }, metricResolutionMs: 1000 } });
  admin = new ApiClient({ server: api.url, token: api.token, ca: api.ca });
  const logger = createLogger('hpa-e2e', process.env.ORCH_TEST_LOG ?? 'silent');
  await admin.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } });
  testAgent = await startTestAgent(api, NODE, {
    resyncIntervalMs: 2000,
    logTokens: tokenAuthenticator([{ token: AGENT_TOKEN, user: 'apiserver', uid: '', groups: [] }]),
    metricsIntervalMs: 1000,
    allowedHostPaths: [root],
  });
  agent = testAgent.agent;
  manager = new ControllerManager({ client: admin, logger, controllers: ['deployment', 'replicaset', 'horizontalpodautoscaling'], hpa: { syncPeriodMs: 1000 } });
  await manager.start();
}, 90_000);

afterAll(async () => {
  await manager?.stop().catch(() => undefined);
  await testAgent?.stop();
  admin?.close();
  await api?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

const replicas = async () => (await admin.deployments.get(NAME, NS)).spec.replicas;
const hpa = () => admin.resource<HorizontalPodAutoscaler>('horizontalpodautoscalers').get(NAME, NS);
const runningPods = async () => (await admin.pods.list({ namespace: NS, labelSelector: `app=${NAME}` })).items.filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp).length;

describe('HorizontalPodAutoscaler with real pods and real metrics', () => {
  it('scales a CPU-burning Deployment from 1 to maxReplicas, and back to minReplicas after the load stops', async () => {
    const deployment: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: NAME, namespace: NS },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: NAME } },
        template: {
          metadata: { labels: { app: NAME } },
          spec: {
            nodeName: NODE,
            terminationGracePeriodSeconds: 1,
            volumes: [{ name: 'load', hostPath: { path: loadDir } }],
            containers: [
              {
                name: 'burn',
                image: 'orch.local/busybox:latest',
                imagePullPolicy: 'IfNotPresent',
                command: ['sh', '-c', 'while :; do if [ -f /load/on ]; then :; else sleep 1; fi; done'],
                volumeMounts: [{ name: 'load', mountPath: '/load' }],
                resources: { requests: { cpu: '100m' }, limits: { cpu: '200m' } },
              },
            ],
          },
        },
      },
    } as Deployment;
    await admin.deployments.create(deployment);
    await admin.resource<HorizontalPodAutoscaler>('horizontalpodautoscalers').create({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: NAME, namespace: NS },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: NAME },
        minReplicas: 1,
        maxReplicas: 3,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
        behavior: { scaleDown: { stabilizationWindowSeconds: 5 } },
      },
    });
    await eventually('one pod running', async () => (await runningPods()) === 1 || undefined, 60_000, 500).catch(async (err) => {
      const pods = (await admin.pods.list({ namespace: NS })).items.map((p) => ({ name: p.metadata.name, status: p.status }));
      const rs = (await admin.replicasets.list({ namespace: NS })).items.map((r) => ({ name: r.metadata.name, status: r.status }));
      throw new Error(`${(err as Error).message}: pods ${JSON.stringify(pods)} replicasets ${JSON.stringify(rs)}`);
    });
    // Idle: a low utilization is measured, and there is nothing to do at minReplicas.
    const idle = await eventually('an idle measurement', async () => {
      const h = await hpa();
      const u = h.status?.currentMetrics?.[0]?.resource?.current.averageUtilization;
      return u !== undefined ? h : undefined;
    }, 60_000, 500);
    expect(idle.status!.currentMetrics![0]!.resource!.current.averageUtilization).toBeLessThan(50);
    expect(await replicas()).toBe(1);

    fs.writeFileSync(path.join(loadDir, 'on'), '');
    await eventually('scaled up to maxReplicas', async () => ((await replicas()) === 3 ? true : undefined), 120_000, 500);
    const up = await hpa();
    expect(up.status?.currentMetrics?.[0]?.resource?.current.averageUtilization).toBeGreaterThan(50);
    const events = (await admin.events.list({ namespace: NS, fieldSelector: `involvedObject.name=${NAME}` })).items as Event[];
    expect(events.map((e) => e.message)).toContainEqual(expect.stringMatching(/^New size: [23]; reason: cpu resource utilization \(percentage of request\) above target$/));
    await eventually('three pods running', async () => (await runningPods()) === 3 || undefined, 90_000, 500);

    fs.rmSync(path.join(loadDir, 'on'));
    await eventually('scaled down to minReplicas', async () => ((await replicas()) === 1 ? true : undefined), 120_000, 500);
    // The controller writes the target's scale, then its own status: wait for the second.
    const down = await eventually('the HPA status to say 1', async () => {
      const h = await hpa();
      return h.status?.desiredReplicas === 1 ? h : undefined;
    }, 30_000, 200);
    expect(down.status?.conditions?.find((c) => c.type === 'ScalingActive')).toMatchObject({ status: 'True', reason: 'ValidMetricFound' });
    const after = (await admin.events.list({ namespace: NS, fieldSelector: `involvedObject.name=${NAME}` })).items as Event[];
    expect(after.map((e) => e.message)).toContainEqual('New size: 1; reason: All metrics below target');
  }, 360_000);
});
