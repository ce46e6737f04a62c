// Persistent storage end to end with real containers: an apiserver on a real etcd, the
// controller manager's storage controllers, the scheduler and two agents on the local
// Docker engine. Data a pod writes on a local-path claim outlives the pod and is there
// for the next one (placed on the volume's node); a claim in use is kept until its pod
// goes, and then its volume and directory are deleted (reclaim policy Delete); a claim no
// class can satisfy, and a pod whose local volume's node is gone, stay Pending with the
// reason named.

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from '../../api/storage/types.js';
import type { Event, Pod } from '../../api/types.js';
import { Agent } from '../../agent/agent.js';
import { DockerRuntime } from '../../agent/runtime/docker-runtime.js';
import { ControllerManager } from '../../controller/manager.js';
import { createLogger, silentLogger } from '../../foundation/logger.js';
import { ApiClient } from '../../client/rest-client.js';
import { runScheduler } from '../../scheduler/run.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { TEST_PAUSE_IMAGE } from '../helpers/images.js';
import { docker, removeAgentDir, removeContainersWith, waitFor } from './agent-helpers.js';

const RUN = crypto.randomBytes(3).toString('hex');
const NODES = [`st-a-${RUN}`, `st-b-${RUN}`];
const NS = 'default';

let api: TestApiServer;
let admin: ApiClient;
let root: string;
let manager: ControllerManager;
const schedulerStop = new AbortController();
let scheduler: Promise<unknown>;
const agents: Agent[] = [];

const claims = () => admin.resource<PersistentVolumeClaim>('persistentvolumeclaims');
const volumes = () => admin.resource<PersistentVolume>('persistentvolumes');
const claim = (name: string, spec: Partial<PersistentVolumeClaim['spec']> = {}): PersistentVolumeClaim => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: NS },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Mi' } }, ...spec },
});
const pod = (name: string, claimName: string, command: string, mounts: NonNullable<Pod['spec']['containers'][0]['volumeMounts']> = [{ name: 'data', mountPath: '/data' }]): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: NS },
  spec: {
    terminationGracePeriodSeconds: 1,
    volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }],
    containers: [{ name: 'main', image: 'orch.local/busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', command], volumeMounts: mounts }],
  },
});
const running = (name: string) =>
  waitFor(`pod ${name} running`, async () => {
    const p = await admin.pods.get(name, NS);
    return p.status?.phase === 'Running' ? p : undefined;
  }, 60_000);
const gone = (what: string, get: () => Promise<unknown>) =>
  waitFor(what, async () => {
    try {
      await get();
      return false;
    } catch (err) {
      return (err as { code?: number }).code === 404;
    }
  }, 60_000);
const eventsOf = async (name: string): Promise<Event[]> => (await admin.events.list({ namespace: NS })).items.filter((e) => e.involvedObject?.name === name);
/** The app container of a pod (docker ps by orch's labels). */
const containerOf = (podName: string) => docker('ps', '-q', '--filter', `label=orch.io/pod=${podName}`, '--filter', 'label=orch.io/container=main', '--filter', 'status=running').split('\n')[0]!;

beforeAll(async () => {
  docker('image', 'inspect', 'orch.local/busybox:latest');
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-storage-e2e-'));
  api = await startTestApiServer({ nodeNames: NODES });
  admin = new ApiClient({ server: api.url, token: api.token });
  for (const nodeName of NODES) {
    const logger = createLogger(`agent-${nodeName}`, process.env.ORCH_TEST_LOG ?? 'silent');
    const agent = new Agent({
      podInfraContainerImage: TEST_PAUSE_IMAGE,
      nodeName,
      client: new ApiClient({ server: api.url, token: api.nodeTokens[nodeName] }, { logger }),
      runtime: new DockerRuntime({ logger }),
      logger,
      nodeIP: '127.0.0.1',
      rootDir: path.join(root, nodeName),
      heartbeatIntervalMs: 1000,
      resyncIntervalMs: 1000,
      logPort: 0,
      logHost: '127.0.0.1',
      logInsecure: true,
    });
    agents.push(agent);
    await agent.start();
  }
  await waitFor('nodes Ready', async () => {
    const nodes = (await admin.nodes.list()).items;
    return NODES.every((n) => nodes.find((x) => x.metadata.name === n)?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  });
  scheduler = runScheduler({ client: admin, logger: silentLogger() }, schedulerStop.signal);
  manager = new ControllerManager({ client: admin, logger: silentLogger(), controllers: ['persistentvolume-binder', 'pvc-protection', 'pv-protection'] });
  await manager.start();
}, 120_000);

afterAll(async () => {
  await manager?.stop().catch(() => undefined);
  schedulerStop.abort();
  await scheduler?.catch(() => undefined);
  for (const a of agents) await a.stop().catch(() => undefined);
  for (const n of NODES) removeContainersWith({ 'orch.io/node': n });
  await api?.stop();
  if (root) removeAgentDir(root);
});

describe('persistent volumes with real containers', () => {
  let volumeName = '';
  let hostDir = '';
  let nodeName = '';

  it('creates the default local-path class at start; a claim without class gets it and waits for its first consumer', async () => {
    const sc = await waitFor('local-path class', () => admin.resource<StorageClass>('storageclasses').get('local-path').catch(() => undefined));
    expect(sc).toMatchObject({ provisioner: 'orch.io/local-path', volumeBindingMode: 'WaitForFirstConsumer', reclaimPolicy: 'Delete' });
    const c = await claims().create(claim('data'));
    expect(c.spec.storageClassName).toBe('local-path');
    await waitFor('WaitForFirstConsumer event', async () => (await eventsOf('data')).some((e) => e.reason === 'WaitForFirstConsumer'));
    expect((await claims().get('data', NS)).status?.phase).toBe('Pending');
  });

  it('keeps what a pod wrote after the pod is deleted, and a new pod on the same claim (on the volume\'s node) reads it', async () => {
    await admin.pods.create(pod('writer', 'data', `echo kept-${RUN} > /data/f && mkdir -p /data/sub && echo in-sub > /data/sub/g && sleep 3600`));
    const writer = await running('writer');
    nodeName = writer.spec.nodeName!;
    const c = await waitFor('claim bound', async () => {
      const x = await claims().get('data', NS);
      return x.status?.phase === 'Bound' ? x : undefined;
    });
    volumeName = c.spec.volumeName!;
    expect(c.metadata.annotations?.['volume.kubernetes.io/selected-node']).toBe(nodeName);
    const pv = await volumes().get(volumeName);
    expect(pv.status?.phase).toBe('Bound');
    expect(pv.spec.nodeAffinity?.required?.nodeSelectorTerms[0]?.matchExpressions?.[0]).toEqual({ key: 'kubernetes.io/hostname', operator: 'In', values: [nodeName] });
    hostDir = pv.spec.hostPath!.path;
    expect(hostDir.startsWith(path.join(root, nodeName, 'storage') + '/')).toBe(true);
    await waitFor('file written on the host', () => fs.existsSync(path.join(hostDir, 'f')));
    expect(fs.readFileSync(path.join(hostDir, 'f'), 'utf8')).toBe(`kept-${RUN}\n`);

    await admin.pods.delete('writer', NS);
    await gone('writer deleted', () => admin.pods.get('writer', NS));
    expect(fs.readFileSync(path.join(hostDir, 'f'), 'utf8')).toBe(`kept-${RUN}\n`);

    await admin.pods.create(
      pod('reader', 'data', 'sleep 3600', [
        { name: 'data', mountPath: '/data', readOnly: true },
        { name: 'data', mountPath: '/sub', subPath: 'sub' },
      ]),
    );
    const reader = await running('reader');
    expect(reader.spec.nodeName).toBe(nodeName);
    const id = await waitFor('reader container', () => containerOf('reader') || undefined);
    expect(docker('exec', id, 'cat', '/data/f')).toBe(`kept-${RUN}`);
    expect(docker('exec', id, 'cat', '/sub/g')).toBe('in-sub');
    expect(() => docker('exec', id, 'touch', '/data/new')).toThrow(/Read-only file system/);
  }, 120_000);

  it('keeps a claim in use until its pod goes, then deletes its volume and the directory (reclaim policy Delete)', async () => {
    // A claim nobody uses, deleted at the same moment: once pvc-protection has let it go,
    // it has looked at the claim in use too, and must have kept it.
    await claims().create(claim('unused', { storageClassName: '' }));
    await claims().delete('data', NS);
    await claims().delete('unused', NS);
    await gone('unused claim deleted', () => claims().get('unused', NS));
    const kept = await claims().get('data', NS);
    expect(kept.metadata.deletionTimestamp).toBeTruthy();
    expect(kept.metadata.finalizers).toContain('kubernetes.io/pvc-protection');
    expect((await volumes().get(volumeName)).status?.phase).toBe('Bound');
    expect((await admin.pods.get('reader', NS)).status?.phase).toBe('Running');
    await admin.pods.delete('reader', NS);
    await gone('claim deleted once its pod is gone', () => claims().get('data', NS));
    await gone('volume deleted', () => volumes().get(volumeName));
    await waitFor('directory removed by the agent', () => !fs.existsSync(hostDir), 30_000);
  }, 120_000);

  it('leaves a claim no class can satisfy Pending with an Event, and its pod Pending naming the claim', async () => {
    await claims().create(claim('nope-claim', { storageClassName: 'no-such-class' }));
    await waitFor('ProvisioningFailed event', async () =>
      (await eventsOf('nope-claim')).some((e) => e.reason === 'ProvisioningFailed' && e.message === 'storageclass.storage.k8s.io "no-such-class" not found'),
    );
    await admin.pods.create(pod('nope-pod', 'nope-claim', 'sleep 3600'));
    const p = await waitFor('PodScheduled=False', async () => {
      const x = await admin.pods.get('nope-pod', NS);
      return x.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    });
    expect(p.message).toContain('claim "nope-claim"');
    await waitFor('FailedScheduling event', async () => (await eventsOf('nope-pod')).some((e) => e.reason === 'FailedScheduling' && e.message?.includes('nope-claim')));
    expect((await claims().get('nope-claim', NS)).status?.phase).toBe('Pending');
    await admin.pods.delete('nope-pod', NS);
  });

  it('keeps a pod Pending, never elsewhere, when the node of its local volume is gone', async () => {
    await volumes().create({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: `lost-${RUN}` },
      spec: {
        capacity: { storage: '1Gi' },
        accessModes: ['ReadWriteOnce'],
        storageClassName: '',
        local: { path: '/mnt/disk' },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [`gone-${RUN}`] }] }] } },
      },
    });
    await claims().create(claim('lost-claim', { storageClassName: '' }));
    await waitFor('static claim bound', async () => (await claims().get('lost-claim', NS)).status?.phase === 'Bound');
    await admin.pods.create(pod('lost-pod', 'lost-claim', 'sleep 3600'));
    const cond = await waitFor('PodScheduled=False', async () => {
      const x = await admin.pods.get('lost-pod', NS);
      return x.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    });
    expect(cond.message).toBe(`0/2 nodes are available: 2 node(s) had volume node affinity conflict (claim "lost-claim", volume "lost-${RUN}").`);
    expect((await admin.pods.get('lost-pod', NS)).spec.nodeName).toBeUndefined();
    await admin.pods.delete('lost-pod', NS);
  });
});
