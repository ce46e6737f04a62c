// A DaemonSet with real parts: apiserver + etcd, the scheduler (it binds the daemon pod
// through its matchFields node affinity), one node agent on the local Docker engine and
// the controller manager, all in this process. The daemon pod's container runs; a
// template change rolls a new container in; deleting the DaemonSet removes its containers.

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonSet } from '../../api/daemonset-types.js';
import type { Pod } from '../../api/types.js';
import { Agent } from '../../agent/agent.js';
import { DockerRuntime } from '../../agent/runtime/docker-runtime.js';
import { ApiClient } from '../../client/rest-client.js';
import { ControllerManager } from '../../controller/manager.js';
import { createLogger, silentLogger } from '../../foundation/logger.js';
import { runScheduler } from '../../scheduler/run.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { TEST_PAUSE_IMAGE } from '../helpers/images.js';
import { appContainersWith, docker, removeContainersWith } from './agent-helpers.js';
import { waitFor } from './controller-helpers.js';

const RUN = crypto.randomBytes(3).toString('hex');
const NODE = `ds-docker-${RUN}`;
const NAME = `logship-${RUN}`;
let api: TestApiServer;
let admin: ApiClient;
let root: string;
let agent: Agent;
let manager: ControllerManager;
const schedulerStop = new AbortController();
let scheduler: Promise<unknown>;
const dsClient = () => admin.resource<DaemonSet>('daemonsets');

beforeAll(async () => {
  docker('image', 'inspect', 'orch.local/busybox:latest');
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-ds-docker-'));
  api = await startTestApiServer({ nodeNames: [NODE] });
  admin = new ApiClient({ server: api.url, token: api.token });
  const logger = createLogger(`agent-${NODE}`, process.env.ORCH_TEST_LOG ?? 'silent');
  agent = new Agent({
    podInfraContainerImage: TEST_PAUSE_IMAGE,
    nodeName: NODE,
    client: new ApiClient({ server: api.url, token: api.nodeTokens[NODE] }, { logger }),
    runtime: new DockerRuntime({ logger }),
    logger,
    nodeIP: '127.0.0.1',
    rootDir: path.join(root, NODE),
    heartbeatIntervalMs: 1000,
    resyncIntervalMs: 2000,
    logPort: 0,
    logHost: '127.0.0.1',
    logInsecure: true,
  });
  await agent.start();
  scheduler = runScheduler({ client: admin, logger: silentLogger() }, schedulerStop.signal);
  manager = new ControllerManager({ client: admin, logger: silentLogger(), controllers: ['daemonset', 'garbagecollector'] });
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

const livePods = async (): Promise<Pod[]> => (await admin.pods.list({ namespace: 'default', labelSelector: `app=${NAME}` })).items.filter((p) => !p.metadata.deletionTimestamp);
const containers = () => appContainersWith({ 'orch.io/node': NODE, 'orch.io/namespace': 'default' });

describe('a DaemonSet on a real agent', () => {
  it('runs its container, rolls an update through and goes away with the DaemonSet', async () => {
    const ds: DaemonSet = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: NAME, namespace: 'default' },
      spec: {
        selector: { matchLabels: { app: NAME } },
        template: {
          metadata: { labels: { app: NAME } },
          spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'orch.local/busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'], env: [{ name: 'V', value: '1' }] }] },
        },
      },
    };
    await dsClient().create(ds);
    const first = await waitFor('the daemon pod running on the node', async () => {
      const pods = await livePods();
      return pods.length === 1 && pods[0]!.spec.nodeName === NODE && pods[0]!.status?.phase === 'Running' && containers().length === 1;
    }, 60_000).then(livePods);
    const before = containers()[0]!;
    expect(docker('inspect', '--format', '{{range .Config.Env}}{{println .}}{{end}}', before)).toContain('V=1');
    await waitFor('status: 1 desired, 1 available', async () => {
      const s = (await dsClient().get(NAME, 'default')).status;
      return s?.desiredNumberScheduled === 1 && s.numberAvailable === 1 && s.updatedNumberScheduled === 1;
    }, 60_000);

    const cur = await dsClient().get(NAME, 'default');
    cur.spec.template.spec.containers[0]!.env = [{ name: 'V', value: '2' }];
    await dsClient().update(cur);
    await waitFor('a new pod with V=2 running, the old one gone', async () => {
      const pods = await livePods();
      const cs = containers();
      return pods.length === 1 && pods[0]!.metadata.uid !== first[0]!.metadata.uid && pods[0]!.status?.phase === 'Running' && cs.length === 1 && cs[0] !== before;
    }, 60_000);
    expect(docker('inspect', '--format', '{{range .Config.Env}}{{println .}}{{end}}', containers()[0]!)).toContain('V=2');
    await waitFor('rolled out', async () => {
      const x = await dsClient().get(NAME, 'default');
      return x.status?.observedGeneration === x.metadata.generation && x.status?.updatedNumberScheduled === 1 && x.status.numberAvailable === 1;
    }, 60_000);

    await dsClient().delete(NAME, 'default');
    await waitFor('pods and containers gone', async () => (await livePods()).length === 0 && containers().length === 0, 60_000);
  }, 240_000);
});
