// The StatefulSet controller against a real apiserver + etcd, with the pod stand-in in the
// scheduler's and agents' place (binds pods, marks them Running and Ready unless their
// image starts with "bad", confirms deletions): ordered creation checked on every pod
// event, claims per ordinal, Parallel, scale down from the top and back keeping claims,
// retention policies, a partitioned rolling update, OnDelete, the immutable fields' 422s,
// the /scale subresource, and kubectl v1.32 (get, scale, rollout status/history/undo) and
// orch (get, scale, rollout) on StatefulSets.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControllerRevision } from '../../api/daemonset-types.js';
import type { StatefulSet } from '../../api/statefulset-types.js';
import type { PersistentVolumeClaim } from '../../api/storage/types.js';
import type { Pod } from '../../api/types.js';
import { CONTROLLER_REVISION_HASH } from '../../controller/history/revisions.js';
import { assertBuilt, runOrch } from '../helpers/orch-cli.js';
import { startHarness, waitFor, type Harness } from './controller-helpers.js';

let h: Harness;
let dir: string;
const sets = () => h.client.resource<StatefulSet>('statefulsets');
const claims = () => h.client.resource<PersistentVolumeClaim>('persistentvolumeclaims');
const revs = () => h.client.resource<ControllerRevision>('controllerrevisions');

function statefulSet(name: string, replicas: number, spec: Partial<StatefulSet['spec']> = {}, image = 'orch.local/app:v1'): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      serviceName: name,
      selector: { matchLabels: { sts: name } },
      template: { metadata: { labels: { sts: name } }, spec: { containers: [{ name: 'main', image, volumeMounts: [{ name: 'data', mountPath: '/data' }] }] } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } } } }],
      ...spec,
    },
  };
}

const podsOf = async (name: string): Promise<Pod[]> => (await h.client.pods.list({ namespace: 'default', labelSelector: `sts=${name}` })).items;
const names = (pods: Pod[]) => pods.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name!).sort();
const claimNames = async (name: string) => (await claims().list({ namespace: 'default', labelSelector: `sts=${name}` })).items.filter((c) => !c.metadata.deletionTimestamp).map((c) => c.metadata.name!).sort();
const isReady = (p: Pod) => !!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

async function mutate(name: string, fn: (s: StatefulSet) => void): Promise<void> {
  for (;;) {
    const s = await sets().get(name, 'default');
    fn(s);
    try {
      await sets().update(s);
      return;
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
    }
  }
}

const kubectl = (args: string[], timeoutMs = 60_000) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      'kubectl',
      ['--server', h.api.url, '--token', h.api.token, '--certificate-authority', path.join(dir, 'ca.pem'), '--cache-dir', path.join(dir, 'cache'), '-n', 'default', ...args],
      { timeout: timeoutMs, env: { ...process.env, KUBECONFIG: path.join(dir, 'none') } },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

const orch = (args: string[]) => runOrch([...args, '--server', h.api.url, '--token', h.api.token, '--ca-file', path.join(dir, 'ca.pem'), '-n', 'default'], { timeoutMs: 60_000 });

/** Watches the pods of `name`; records ADDED order and, per add, whether every lower ordinal was Ready then. */
function watchOrder(name: string) {
  const state = new Map<string, Pod>();
  const added: { name: string; lowerReady: boolean }[] = [];
  const w = h.client.pods.watch({ namespace: 'default', labelSelector: `sts=${name}` });
  void (async () => {
    for await (const ev of w) {
      if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED' && ev.type !== 'DELETED') continue;
      const p = ev.object as Pod;
      if (ev.type === 'ADDED') {
        const ord = Number(p.metadata.name!.split('-').pop());
        const lower = [...Array(ord).keys()].map((i) => state.get(`${name}-${i}`));
        added.push({ name: p.metadata.name!, lowerReady: lower.every((x) => x && isReady(x) && !x.metadata.deletionTimestamp) });
      }
      if (ev.type === 'DELETED') state.delete(p.metadata.name!);
      else state.set(p.metadata.name!, p);
    }
  })().catch(() => undefined);
  return { added, stop: () => w.stop() };
}

beforeAll(async () => {
  assertBuilt();
  h = await startHarness({ tls: true, standIn: { ready: (p) => !p.spec.containers[0]!.image.startsWith('bad') } });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-sts-kubectl-'));
  fs.writeFileSync(path.join(dir, 'ca.pem'), h.api.ca!);
}, 60_000);

afterAll(async () => {
  await h?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('StatefulSet controller', () => {
  it('creates web-0..2 in order, each after the previous is Ready, each with its claim, hostname and subdomain', async () => {
    const order = watchOrder('web');
    await new Promise((r) => setTimeout(r, 200));
    await sets().create(statefulSet('web', 3));
    await waitFor('3 ready pods', async () => (await podsOf('web')).filter(isReady).length === 3);
    order.stop();
    expect(order.added).toEqual([
      { name: 'web-0', lowerReady: true },
      { name: 'web-1', lowerReady: true },
      { name: 'web-2', lowerReady: true },
    ]);
    const pods = await podsOf('web');
    for (const p of pods) {
      const ord = p.metadata.name!.split('-').pop();
      expect(p.spec.hostname).toBe(p.metadata.name);
      expect(p.spec.subdomain).toBe('web');
      expect(p.metadata.labels?.['statefulset.kubernetes.io/pod-name']).toBe(p.metadata.name);
      expect(p.metadata.labels?.['apps.kubernetes.io/pod-index']).toBe(ord);
      expect(p.spec.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName).toBe(`data-web-${ord}`);
    }
    expect(await claimNames('web')).toEqual(['data-web-0', 'data-web-1', 'data-web-2']);
    await waitFor('status', async () => {
      const s = (await sets().get('web', 'default')).status;
      return s?.readyReplicas === 3 && s.replicas === 3 && s.currentRevision === s.updateRevision && s.observedGeneration === 1;
    });
  });

  it('OrderedReady stops at a pod that never gets Ready; Parallel creates them all', async () => {
    await sets().create(statefulSet('stuck', 3, {}, 'bad/image'));
    await sets().create(statefulSet('par', 3, { podManagementPolicy: 'Parallel' }, 'bad/image'));
    await waitFor('parallel pods', async () => names(await podsOf('par')).length === 3);
    // The Parallel set's pods were made after stuck-0; the controller has since looked at `stuck` again (its pod updates).
    await waitFor('stuck-0 bound', async () => (await podsOf('stuck')).some((p) => !!p.spec.nodeName));
    await waitFor('stuck status published', async () => (await sets().get('stuck', 'default')).status?.replicas === 1);
    // A fresh look at `stuck` after its pod settled: an annotation change enqueues it.
    const before = await h.reconciles('statefulset');
    await sets().patch('stuck', 'default', { metadata: { annotations: { poke: '1' } } }, 'merge');
    await waitFor('another reconcile', async () => (await h.reconciles('statefulset')) > before);
    expect(names(await podsOf('stuck'))).toEqual(['stuck-0']);
  });

  it('scales 3 → 1 from the highest ordinal one at a time and back to 3, keeping the claims (kubectl scale)', async () => {
    const seen: string[] = [];
    const w = h.client.pods.watch({ namespace: 'default', labelSelector: 'sts=web' });
    void (async () => {
      for await (const ev of w) if (ev.type === 'MODIFIED' && (ev.object as Pod).metadata.deletionTimestamp && !seen.includes((ev.object as Pod).metadata.name!)) seen.push((ev.object as Pod).metadata.name!);
    })().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200));
    const r = await kubectl(['scale', 'statefulset', 'web', '--replicas=1']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('statefulset.apps/web scaled');
    await waitFor('1 pod', async () => (await podsOf('web')).length === 1);
    w.stop();
    expect(seen).toEqual(['web-2', 'web-1']);
    expect(await claimNames('web')).toEqual(['data-web-0', 'data-web-1', 'data-web-2']);
    const uids = new Map((await claims().list({ namespace: 'default', labelSelector: 'sts=web' })).items.map((c) => [c.metadata.name, c.metadata.uid]));
    const o = await orch(['scale', 'sts/web', '--replicas', '3']);
    expect(o.stdout).toContain('statefulset.apps/web scaled');
    await waitFor('3 ready pods', async () => (await podsOf('web')).filter(isReady).length === 3);
    const after = (await claims().list({ namespace: 'default', labelSelector: 'sts=web' })).items;
    expect(new Map(after.map((c) => [c.metadata.name, c.metadata.uid]))).toEqual(uids);
  });

  it('the /scale subresource reads and writes spec.replicas', async () => {
    const base = `/apis/apps/v1/namespaces/default/statefulsets/web/scale`;
    const scale = (await h.client.request('GET', base)) as { kind: string; spec: { replicas: number }; status: { selector: string } };
    expect(scale.kind).toBe('Scale');
    expect(scale.spec.replicas).toBe(3);
    expect(scale.status.selector).toBe('sts=web');
    const bad = await kubectl(['scale', 'statefulset', 'web', '--replicas=-1']);
    expect(bad.code).not.toBe(0);
  });

  it('a partitioned rolling update changes only ordinals >= partition, from the top; kubectl rollout status/history/undo', async () => {
    await mutate('web', (s) => {
      s.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 2 } };
      s.spec.template.spec.containers[0]!.image = 'orch.local/app:v2';
    });
    const st = await kubectl(['rollout', 'status', 'statefulset/web', '--timeout=60s']);
    expect(st.stdout).toContain('partitioned roll out complete: 1 new pods have been updated...');
    const images = async () => Object.fromEntries((await podsOf('web')).filter((p) => !p.metadata.deletionTimestamp).map((p) => [p.metadata.name, p.spec.containers[0]!.image]));
    expect(await images()).toEqual({ 'web-0': 'orch.local/app:v1', 'web-1': 'orch.local/app:v1', 'web-2': 'orch.local/app:v2' });
    const s1 = (await sets().get('web', 'default')).status!;
    expect(s1.updatedReplicas).toBe(1);
    expect(s1.currentReplicas).toBe(2);
    expect(s1.currentRevision).not.toBe(s1.updateRevision);
    // A deleted pod below the partition comes back at the current revision.
    await h.client.pods.delete('web-0', 'default');
    await waitFor('web-0 back', async () => (await podsOf('web')).some((p) => p.metadata.name === 'web-0' && !p.metadata.deletionTimestamp && isReady(p)));
    expect((await images())['web-0']).toBe('orch.local/app:v1');

    await mutate('web', (s) => (s.spec.updateStrategy!.rollingUpdate!.partition = 0));
    const done = await kubectl(['rollout', 'status', 'sts/web', '--timeout=60s']);
    expect(done.stdout).toContain('partitioned roll out complete: 3 new pods have been updated...');
    expect(await images()).toEqual({ 'web-0': 'orch.local/app:v2', 'web-1': 'orch.local/app:v2', 'web-2': 'orch.local/app:v2' });
    await waitFor('current = update', async () => {
      const s = (await sets().get('web', 'default')).status!;
      return s.currentRevision === s.updateRevision && s.currentReplicas === 3;
    });

    const hist = await kubectl(['rollout', 'history', 'statefulset/web']);
    expect(hist.stdout).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    const undo = await kubectl(['rollout', 'undo', 'statefulset/web']);
    expect(undo.stderr).toBe('');
    expect(undo.stdout).toContain('statefulset.apps/web rolled back');
    await waitFor('all back on v1', async () => Object.values(await images()).filter((i) => i === 'orch.local/app:v1').length === 3 && (await podsOf('web')).filter(isReady).length === 3, 60_000);
    const rs = (await revs().list({ namespace: 'default', labelSelector: 'sts=web' })).items.map((r) => r.revision).sort();
    expect(rs).toEqual([2, 3]);
    const pods = await podsOf('web');
    const status = (await sets().get('web', 'default')).status!;
    for (const p of pods) expect(p.metadata.labels?.[CONTROLLER_REVISION_HASH]).toBe(status.updateRevision);
  });

  it('orch get / rollout status / history / restart on sts', async () => {
    const get = await orch(['get', 'sts']);
    expect(get.stdout).toMatch(/^NAME\s+READY\s+AGE\n/);
    expect(get.stdout).toMatch(/\nweb\s+3\/3\s+/);
    const k = await kubectl(['get', 'sts', 'web']);
    expect(k.stdout).toMatch(/^NAME\s+READY\s+AGE\nweb\s+3\/3\s+\d+/);
    const hist = await orch(['rollout', 'history', 'sts/web']);
    expect(hist.stdout).toContain('statefulset.apps/web');
    const described = (await orch(['describe', 'sts', 'web'])).stdout;
    expect(described).toMatch(/^Replicas:\s+3 desired \| 3 total$/m);
    expect(described).toMatch(/^Pods Status:\s+3 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed$/m);
    expect(described).toMatch(/^Volume Claims:\n\s+Name:\s+data$/m);
    const before = (await podsOf('web')).map((p) => p.metadata.uid).sort();
    const rs = await orch(['rollout', 'restart', 'sts/web']);
    expect(rs.stdout).toContain('statefulset.apps/web restarted');
    const st = await orch(['rollout', 'status', 'sts/web', '--timeout', '60s']);
    expect(st.stdout.trim().split('\n').pop()).toBe('partitioned roll out complete: 3 new pods have been updated...');
    const after = (await podsOf('web')).map((p) => p.metadata.uid);
    expect(after.filter((u) => before.includes(u))).toEqual([]);
  });

  it('OnDelete replaces a pod only when it is deleted', async () => {
    const od = statefulSet('od', 2, { updateStrategy: { type: 'OnDelete' }, volumeClaimTemplates: [] });
    delete od.spec.template.spec.containers[0]!.volumeMounts;
    await sets().create(od);
    await waitFor('2 ready', async () => (await podsOf('od')).filter(isReady).length === 2);
    await mutate('od', (s) => (s.spec.template.spec.containers[0]!.image = 'orch.local/app:v2'));
    await waitFor('update revision seen', async () => {
      const s = (await sets().get('od', 'default')).status!;
      return s.observedGeneration === 2 && s.updateRevision !== s.currentRevision;
    });
    expect((await podsOf('od')).map((p) => p.spec.containers[0]!.image)).toEqual(['orch.local/app:v1', 'orch.local/app:v1']);
    await h.client.pods.delete('od-1', 'default');
    await waitFor('od-1 on v2', async () => (await podsOf('od')).some((p) => p.metadata.name === 'od-1' && !p.metadata.deletionTimestamp && p.spec.containers[0]!.image === 'orch.local/app:v2'));
    expect((await podsOf('od')).find((p) => p.metadata.name === 'od-0')!.spec.containers[0]!.image).toBe('orch.local/app:v1');
  });

  it('retention: whenScaled Delete removes the claims of scaled-away ordinals, whenDeleted Delete the rest with the set', async () => {
    await sets().create(statefulSet('del', 2, { persistentVolumeClaimRetentionPolicy: { whenScaled: 'Delete', whenDeleted: 'Delete' }, podManagementPolicy: 'Parallel' }));
    await waitFor('2 ready', async () => (await podsOf('del')).filter(isReady).length === 2);
    expect(await claimNames('del')).toEqual(['data-del-0', 'data-del-1']);
    const c0 = await claims().get('data-del-0', 'default');
    expect(c0.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'StatefulSet', name: 'del' })]);
    await mutate('del', (s) => (s.spec.replicas = 1));
    await waitFor('data-del-1 gone', async () => (await claimNames('del')).join() === 'data-del-0');
    // Retain (the default) keeps claims: the web set's are all still there after its scale down earlier.
    await sets().delete('del', 'default');
    await waitFor('claims gone with the set', async () => (await claimNames('del')).length === 0);
  });

  it('refuses changes of immutable fields with a 422 naming the field, and bad values', async () => {
    const invalid = async (fn: (s: StatefulSet) => void) => {
      const s = await sets().get('web', 'default');
      fn(s);
      try {
        await sets().update(s);
        return undefined;
      } catch (err) {
        const e = err as { code?: number; status?: { details?: { causes?: { field?: string }[] } } };
        return { code: e.code, fields: (e.status?.details?.causes ?? []).map((c) => c.field) };
      }
    };
    expect(await invalid((s) => (s.spec.volumeClaimTemplates![0]!.spec.resources!.requests!.storage = '2Mi'))).toEqual({ code: 422, fields: ['spec.volumeClaimTemplates'] });
    expect(await invalid((s) => (s.spec.serviceName = 'other'))).toEqual({ code: 422, fields: ['spec.serviceName'] });
    expect(await invalid((s) => (s.spec.podManagementPolicy = 'Parallel'))).toEqual({ code: 422, fields: ['spec.podManagementPolicy'] });
    expect(await invalid((s) => (s.spec.selector = { matchLabels: { sts: 'web', x: 'y' } }))).toMatchObject({ code: 422 });
    const create = async (s: StatefulSet) => {
      try {
        await sets().create(s);
        return undefined;
      } catch (err) {
        const e = err as { code?: number; status?: { details?: { causes?: { field?: string }[] } } };
        return { code: e.code, fields: (e.status?.details?.causes ?? []).map((c) => c.field) };
      }
    };
    expect(await create(statefulSet('b1', 1, { podManagementPolicy: 'Sometimes' as never }))).toEqual({ code: 422, fields: ['spec.podManagementPolicy'] });
    expect(await create(statefulSet('b2', 1, { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: -1 } } }))).toEqual({ code: 422, fields: ['spec.updateStrategy.rollingUpdate.partition'] });
    expect(await create(statefulSet('b3', 1, { persistentVolumeClaimRetentionPolicy: { whenScaled: 'Keep' as never } }))).toEqual({ code: 422, fields: ['spec.persistentVolumeClaimRetentionPolicy.whenScaled'] });
    expect(await create(statefulSet('b4', 1, { volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteSometimes' as never], resources: { requests: { storage: '1Mi' } } } }] }))).toEqual({
      code: 422,
      fields: ['spec.volumeClaimTemplates[0].spec.accessModes[0]'],
    });
    expect(await create(statefulSet('b5', 1, { ordinals: { start: 5 } }))).toMatchObject({ code: 422, fields: ['spec.ordinals.start'] });
  });

  it('deleting the StatefulSet removes its pods and revisions and keeps Retain claims (garbage collector)', async () => {
    await sets().delete('web', 'default');
    await waitFor('pods gone', async () => (await podsOf('web')).length === 0);
    await waitFor('revisions gone', async () => (await revs().list({ namespace: 'default', labelSelector: 'sts=web' })).items.length === 0);
    expect(await claimNames('web')).toEqual(['data-web-0', 'data-web-1', 'data-web-2']);
  });
});
