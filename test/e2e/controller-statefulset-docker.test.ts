// A StatefulSet with real containers: an apiserver on a real etcd, the scheduler, the
// controller manager's statefulset, storage and garbage-collector controllers, and two
// agents on the local Docker engine. Three pods with a local-path volumeClaimTemplate start
// in order (checked on the pod watch: each is added only once every lower ordinal is
// Ready), each writes its hostname into its own volume; web-1 deleted comes back as web-1
// on its volume's node with its data; 3 → 1 → 3 keeps claims and data; a partitioned
// rolling update changes only the ordinals >= partition.

import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatefulSet } from '../../api/statefulset-types.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../../api/storage/types.js';
import type { Pod } from '../../api/types.js';
import { ApiClient } from '../../client/rest-client.js';
import { ControllerManager } from '../../controller/manager.js';
import { silentLogger } from '../../foundation/logger.js';
import { runScheduler } from '../../scheduler/run.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { docker, waitFor } from './agent-helpers.js';
import { startTestAgent, type TestAgent } from './test-agent.js';

const RUN = crypto.randomBytes(3).toString('hex');
const NODES = [`sts-a-${RUN}`, `sts-b-${RUN}`];
const NS = 'default';
const NAME = `web${RUN}`;

let api: TestApiServer;
let admin: ApiClient;
let manager: ControllerManager;
const schedulerStop = new AbortController();
let scheduler: Promise<unknown>;
const agents: TestAgent[] = [];

const sets = () => admin.resource<StatefulSet>('statefulsets');
const claims = () => admin.resource<PersistentVolumeClaim>('persistentvolumeclaims');
const isReady = (p: Pod) => !!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
const podsOf = async (): Promise<Pod[]> => (await admin.pods.list({ namespace: NS, labelSelector: `app=${NAME}` })).items;
const live = (pods: Pod[]) => pods.filter((p) => !p.metadata.deletionTimestamp);
const readyNames = async () => live(await podsOf()).filter(isReady).map((p) => p.metadata.name!).sort();
const ord = (i: number) => `${NAME}-${i}`;
/** The app container of a pod (docker ps by orch's labels). */
const containerOf = (podName: string) => docker('ps', '-q', '--filter', `label=orch.io/pod=${podName}`, '--filter', 'label=orch.io/container=main', '--filter', 'status=running').split('\n')[0]!;
const namesFile = (podName: string) => docker('exec', containerOf(podName), 'cat', '/data/names').trim().split('\n');

function statefulSet(): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: NAME, namespace: NS },
    spec: {
      replicas: 3,
      serviceName: NAME,
      selector: { matchLabels: { app: NAME } },
      template: {
        metadata: { labels: { app: NAME } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'main', image: 'orch.local/busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'hostname >> /data/names && sleep 3600'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
        },
      },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Mi' } } } }],
    },
  };
}

async function scale(replicas: number): Promise<void> {
  await sets().patch(NAME, NS, { spec: { replicas } }, 'merge');
}

/** The node a claim's volume is pinned to (local-path PVs carry node affinity). */
async function volumeNode(claimName: string): Promise<string> {
  const c = await claims().get(claimName, NS);
  const pv = await admin.resource<PersistentVolume>('persistentvolumes').get(c.spec.volumeName!);
  return pv.spec.nodeAffinity!.required!.nodeSelectorTerms[0]!.matchExpressions![0]!.values![0]!;
}

beforeAll(async () => {
  docker('image', 'inspect', 'orch.local/busybox:latest');
  api = await startTestApiServer({ nodeNames: NODES });
  admin = new ApiClient({ server: api.url, token: api.token });
  for (const n of NODES) agents.push(await startTestAgent(api, n));
  await waitFor('nodes Ready', async () => {
    const nodes = (await admin.nodes.list()).items;
    return NODES.every((n) => nodes.find((x) => x.metadata.name === n)?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  });
  scheduler = runScheduler({ client: admin, logger: silentLogger() }, schedulerStop.signal);
  manager = new ControllerManager({ client: admin, logger: silentLogger(), controllers: ['statefulset', 'garbagecollector', 'persistentvolume-binder', 'pvc-protection', 'pv-protection'] });
  await manager.start();
}, 120_000);

afterAll(async () => {
  await sets().delete(NAME, NS).catch(() => undefined);
  await manager?.stop().catch(() => undefined);
  schedulerStop.abort();
  await scheduler?.catch(() => undefined);
  for (const a of agents) await a.stop();
  await api?.stop();
});

describe('StatefulSet with real containers', () => {
  it('starts 3 pods in order, each with its own bound local-path claim holding its own name', async () => {
    const state = new Map<string, Pod>();
    const added: { name: string; lowerReady: boolean }[] = [];
    const w = admin.pods.watch({ namespace: NS, labelSelector: `app=${NAME}` });
    void (async () => {
      for await (const ev of w) {
        if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED' && ev.type !== 'DELETED') continue;
        const p = ev.object as Pod;
        if (ev.type === 'ADDED') {
          const n = Number(p.metadata.name!.split('-').pop());
          added.push({ name: p.metadata.name!, lowerReady: [...Array(n).keys()].every((i) => { const x = state.get(ord(i)); return !!x && isReady(x); }) });
        }
        if (ev.type === 'DELETED') state.delete(p.metadata.name!);
        else state.set(p.metadata.name!, p);
      }
    })().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200));
    await sets().create(statefulSet());
    await waitFor('3 ready pods', async () => (await readyNames()).length === 3, 150_000);
    w.stop();
    expect(added).toEqual([0, 1, 2].map((i) => ({ name: ord(i), lowerReady: true })));
    const created = live(await podsOf()).sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!)).map((p) => Date.parse(p.metadata.creationTimestamp!));
    expect(created).toEqual([...created].sort((a, b) => a - b));
    for (const i of [0, 1, 2]) {
      const c = await claims().get(`data-${ord(i)}`, NS);
      expect(c.status?.phase).toBe('Bound');
      expect(namesFile(ord(i))).toEqual([ord(i)]);
      const p = await admin.pods.get(ord(i), NS);
      expect(p.spec.nodeName).toBe(await volumeNode(`data-${ord(i)}`));
    }
    await waitFor('status', async () => (await sets().get(NAME, NS)).status?.readyReplicas === 3);
  }, 200_000);

  it('a deleted pod comes back with the same name on its volume\'s node, with its data', async () => {
    const old = await admin.pods.get(ord(1), NS);
    const node = await volumeNode(`data-${ord(1)}`);
    await admin.pods.delete(ord(1), NS);
    const back = await waitFor('web-1 back and ready', async () => {
      const p = await admin.pods.get(ord(1), NS).catch(() => undefined);
      return p && p.metadata.uid !== old.metadata.uid && isReady(p) && !p.metadata.deletionTimestamp ? p : undefined;
    }, 120_000);
    expect(back.spec.nodeName).toBe(node);
    expect(namesFile(ord(1))).toEqual([ord(1), ord(1)]);
  }, 150_000);

  it('scales 3 → 1 → 3, keeping the claims and their data', async () => {
    const uids = new Map((await claims().list({ namespace: NS, labelSelector: `app=${NAME}` })).items.map((c) => [c.metadata.name, c.metadata.uid]));
    expect(uids.size).toBe(3);
    await scale(1);
    await waitFor('one pod left', async () => (await podsOf()).map((p) => p.metadata.name).join() === ord(0), 60_000);
    const kept = (await claims().list({ namespace: NS, labelSelector: `app=${NAME}` })).items;
    expect(new Map(kept.map((c) => [c.metadata.name, c.metadata.uid]))).toEqual(uids);
    expect(kept.every((c) => c.status?.phase === 'Bound' && !c.metadata.deletionTimestamp)).toBe(true);
    await scale(3);
    await waitFor('3 ready pods again', async () => (await readyNames()).length === 3, 150_000);
    expect(namesFile(ord(2))).toEqual([ord(2), ord(2)]);
    expect(namesFile(ord(1))).toEqual([ord(1), ord(1), ord(1)]);
  }, 300_000);

  it('a partitioned rolling update replaces only the ordinals >= partition', async () => {
    const before = new Map(live(await podsOf()).map((p) => [p.metadata.name, p.metadata.uid]));
    const s = await sets().get(NAME, NS);
    s.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 2 } };
    s.spec.template.spec.containers[0]!.env = [{ name: 'VERSION', value: 'v2' }];
    await sets().update(s);
    await waitFor('web-2 updated and ready', async () => {
      const cur = await sets().get(NAME, NS);
      const st = cur.status;
      return st?.updatedReplicas === 1 && st.readyReplicas === 3 && st.observedGeneration === cur.metadata.generation;
    }, 120_000);
    const pods = new Map(live(await podsOf()).map((p) => [p.metadata.name, p]));
    expect(pods.get(ord(0))!.metadata.uid).toBe(before.get(ord(0)));
    expect(pods.get(ord(1))!.metadata.uid).toBe(before.get(ord(1)));
    expect(pods.get(ord(2))!.metadata.uid).not.toBe(before.get(ord(2)));
    expect(docker('exec', containerOf(ord(2)), 'sh', '-c', 'echo $VERSION').trim()).toBe('v2');
    expect(docker('exec', containerOf(ord(0)), 'sh', '-c', 'echo "x$VERSION"').trim()).toBe('x');
    expect(namesFile(ord(2))).toEqual([ord(2), ord(2), ord(2)]);
  }, 150_000);
});
