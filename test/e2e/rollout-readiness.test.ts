// Rollouts count ready pods, not running ones, with every part real: apiserver + etcd, the
// scheduler, the controller manager and one agent on the local Docker engine. Readiness
// comes from httpGet probes against busybox httpd (orch.local/web serves / on 8080 and
// answers 404 elsewhere). A rollout whose new pods never get ready keeps the old pods,
// stops at its progress deadline with ProgressDeadlineExceeded, and `kubectl rollout
// status` and `orch apply --wait` fail with the reason; fixing the template completes it.

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deployment, Pod } from '../../api/types.js';
import { createLogger, silentLogger } from '../../foundation/logger.js';
import { ApiClient } from '../../client/rest-client.js';
import { Agent } from '../../agent/agent.js';
import { DockerRuntime } from '../../agent/runtime/docker-runtime.js';
import { runScheduler } from '../../scheduler/run.js';
import { ControllerManager } from '../../controller/manager.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { TEST_PAUSE_IMAGE } from '../helpers/images.js';
import { cliClients, type Clients } from '../helpers/kubectl.js';
import { assertBuilt } from '../helpers/orch-cli.js';
import { docker, removeContainersWith, waitFor } from './agent-helpers.js';

const RUN = crypto.randomBytes(3).toString('hex');
const NODE = `h16-rollout-${RUN}`;

let api: TestApiServer;
let admin: ApiClient;
let root: string;
let agent: Agent;
let manager: ControllerManager;
let cli: Clients;
const schedulerStop = new AbortController();
let scheduler: Promise<unknown>;

function manifest(probePath: string): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: 2,
      progressDeadlineSeconds: 8,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          terminationGracePeriodSeconds: 2,
          containers: [
            {
              name: 'web',
              image: 'orch.local/web:latest',
              imagePullPolicy: 'Never',
              ports: [{ name: 'http', containerPort: 8080 }],
              readinessProbe: { httpGet: { path: probePath, port: 'http' }, periodSeconds: 1, failureThreshold: 1 },
            },
          ],
        },
      },
    },
  } as Deployment;
}

function apply(d: Deployment, extra: string[] = []) {
  const file = path.join(root, `web-${crypto.randomBytes(3).toString('hex')}.yaml`);
  fs.writeFileSync(file, stringify(d));
  return cli.orch(['apply', '-f', file, ...extra]);
}

const podsOf = async (): Promise<Pod[]> => (await admin.pods.list({ namespace: 'default', labelSelector: 'app=web' })).items.filter((p) => !p.metadata.deletionTimestamp);
const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const isRunning = (p: Pod) => p.status?.containerStatuses?.every((c) => c.state.running) ?? false;

beforeAll(async () => {
  assertBuilt();
  docker('image', 'inspect', 'orch.local/web:latest');
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'h16-rollout-'));
  api = await startTestApiServer({ nodeNames: [NODE], tls: true });
  admin = new ApiClient({ server: api.url, token: api.token, ca: api.ca });
  cli = cliClients(api, root);
  const logger = createLogger('agent', process.env.ORCH_TEST_LOG ?? 'silent');
  agent = new Agent({
    podInfraContainerImage: TEST_PAUSE_IMAGE,
    nodeName: NODE,
    client: new ApiClient({ server: api.url, token: api.nodeTokens[NODE], ca: api.ca }, { logger }),
    runtime: new DockerRuntime({ logger }),
    logger,
    nodeIP: '127.0.0.1',
    rootDir: path.join(root, 'agent'),
    heartbeatIntervalMs: 1000,
    resyncIntervalMs: 2000,
    logPort: 0,
    logHost: '127.0.0.1',
    logInsecure: true,
  });
  await agent.start();
  scheduler = runScheduler({ client: admin, logger: silentLogger() }, schedulerStop.signal);
  manager = new ControllerManager({ client: admin, logger: silentLogger(), controllers: ['*', '-nodelifecycle'] });
  await manager.start();
}, 120_000);

afterAll(async () => {
  await manager?.stop().catch(() => undefined);
  schedulerStop.abort();
  await scheduler?.catch(() => undefined);
  await agent?.stop().catch(() => undefined);
  removeContainersWith({ 'orch.io/node': NODE });
  await api?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('rollouts use readiness (real agent, probes, controllers)', () => {
  it('apply --wait returns once both pods pass their readiness probe', async () => {
    const r = await apply(manifest('/'), ['--wait', '--timeout', '90s']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const pods = await podsOf();
    expect(pods).toHaveLength(2);
    expect(pods.every(isReady)).toBe(true);
    expect((await admin.deployments.get('web', 'default')).status).toMatchObject({ readyReplicas: 2, availableReplicas: 2 });
  }, 120_000);

  it('new pods that run but never get ready: old pods stay, the rollout stops with ProgressDeadlineExceeded, rollout status and apply --wait fail', async () => {
    const r = await apply(manifest('/never-there'), ['--wait', '--timeout', '90s']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('exceeded its progress deadline');
    const d = await admin.deployments.get('web', 'default');
    expect(d.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
    // Running is not available: the surge pod runs, fails readiness and counts for nothing.
    const pods = await podsOf();
    const fresh = pods.filter((p) => p.spec.containers[0]!.readinessProbe?.httpGet?.path === '/never-there');
    expect(fresh).toHaveLength(1);
    expect(fresh.every((p) => isRunning(p) && !isReady(p))).toBe(true);
    expect(pods.filter(isReady)).toHaveLength(2);
    expect(d.status).toMatchObject({ replicas: 3, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2 });
    const k = await cli.kubectl(['rollout', 'status', 'deployment/web', '-n', 'default', '--timeout', '20s']);
    expect(k.code).toBe(1);
    expect(k.stderr).toContain('error: deployment "web" exceeded its progress deadline');
  }, 150_000);

  it('a template whose pods get ready completes the rollout', async () => {
    const r = await apply(manifest('/index.html'), ['--wait', '--timeout', '90s']);
    expect(r.code).toBe(0);
    await waitFor('old pods gone', async () => ((await podsOf()).length === 2 ? true : undefined), 30_000);
    const pods = await podsOf();
    expect(pods.every((p) => p.spec.containers[0]!.readinessProbe?.httpGet?.path === '/index.html' && isReady(p))).toBe(true);
  }, 150_000);
});
