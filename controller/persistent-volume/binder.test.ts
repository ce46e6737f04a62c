import { beforeEach, describe, expect, it } from 'vitest';
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from '../../api/storage/types.js';
import type { Node, Pod } from '../../api/types.js';
import { FakeClient } from '../../client/testing/fake-client.js';
import { silentLogger } from '../../foundation/logger.js';
import { MemoryInformer, RecordingQueue, RecordingRecorder, syncInformer } from '../testing/doubles.js';
import { PersistentVolumeBinder } from './binder.js';
import { PvcProtectionController, PvProtectionController } from './protection.js';

const claim = (name: string, o: Partial<PersistentVolumeClaim['spec']> = {}, annotations?: Record<string, string>): PersistentVolumeClaim => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: 'ns', annotations },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...o },
});
const volume = (name: string, o: Partial<PersistentVolume['spec']> = {}): PersistentVolume => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name },
  spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: '', persistentVolumeReclaimPolicy: 'Retain', hostPath: { path: `/v/${name}` }, ...o },
});
/** Through create (not seed): the strategies add the protection finalizers. */
async function create(client: FakeClient, objs: (PersistentVolume | PersistentVolumeClaim | Pod)[]): Promise<void> {
  for (const o of objs) {
    const plural = o.kind === 'Pod' ? 'pods' : o.kind === 'PersistentVolume' ? 'persistentvolumes' : 'persistentvolumeclaims';
    await client.resource(plural).create(o as never);
  }
}
const retryLater = (err: unknown) => {
  if ((err as { code?: number }).code !== 409) throw err;
};
const localPath: StorageClass = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'local-path' }, provisioner: 'orch.io/local-path', reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer' };

describe('persistentvolume-binder', () => {
  let client: FakeClient;
  let pvs: MemoryInformer<PersistentVolume>;
  let pvcs: MemoryInformer<PersistentVolumeClaim>;
  let classes: MemoryInformer<StorageClass>;
  let nodes: MemoryInformer<Node>;
  let recorder: RecordingRecorder;
  let binder: PersistentVolumeBinder;
  const sync = async () => {
    await syncInformer(client, 'persistentvolumes', pvs);
    await syncInformer(client, 'persistentvolumeclaims', pvcs);
    await syncInformer(client, 'storageclasses', classes);
    await syncInformer(client, 'nodes', nodes);
  };
  /** Reconciles every claim and volume until nothing changes (as the work queue would). */
  const settle = async () => {
    for (let i = 0; i < 6; i++) {
      await sync();
      // A conflict (a cache behind the binder's own write) is retried by the real queue: here, next round.
      for (const c of pvcs.list()) await binder.reconcile(`pvc:ns/${c.metadata.name}`).catch(retryLater);
      await sync();
      for (const v of pvs.list()) await binder.reconcile(`pv:${v.metadata.name}`).catch(retryLater);
    }
    await sync();
  };
  const getClaim = (n: string) => client.resource<PersistentVolumeClaim>('persistentvolumeclaims').get(n, 'ns');
  const getVolume = (n: string) => client.resource<PersistentVolume>('persistentvolumes').get(n);

  beforeEach(() => {
    client = new FakeClient();
    pvs = new MemoryInformer();
    pvcs = new MemoryInformer();
    classes = new MemoryInformer();
    nodes = new MemoryInformer();
    recorder = new RecordingRecorder();
    binder = new PersistentVolumeBinder({ client, volumes: pvs, claims: pvcs, classes, nodes, recorder, logger: silentLogger(), queue: new RecordingQueue() });
  });

  it('creates the local-path class at start', async () => {
    await binder.reconcile('class');
    const sc = await client.resource<StorageClass>('storageclasses').get('local-path');
    expect(sc.metadata.annotations?.['storageclass.kubernetes.io/is-default-class']).toBe('true');
    expect(sc.volumeBindingMode).toBe('WaitForFirstConsumer');
  });

  it('binds an Immediate claim to the smallest matching volume: claimRef, volumeName, both phases', async () => {
    client.seed([volume('big', { capacity: { storage: '5Gi' } }), volume('small'), claim('data', { storageClassName: '' })]);
    await settle();
    const c = await getClaim('data');
    expect(c.spec.volumeName).toBe('small');
    expect(c.status).toEqual({ phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } });
    expect(c.metadata.annotations?.['pv.kubernetes.io/bind-completed']).toBe('yes');
    const v = await getVolume('small');
    expect(v.spec.claimRef).toMatchObject({ namespace: 'ns', name: 'data', uid: c.metadata.uid });
    expect(v.status?.phase).toBe('Bound');
    expect((await getVolume('big')).status?.phase).toBe('Available');
  });

  it('leaves a WaitForFirstConsumer claim Pending until a node is selected, then provisions a local-path volume there', async () => {
    client.seed([localPath, claim('data', { storageClassName: 'local-path' })]);
    client.seed([{ apiVersion: 'v1', kind: 'Node', metadata: { name: 'h1', labels: { 'kubernetes.io/hostname': 'h1' }, annotations: { 'storage.orch.io/local-path-root': '/var/lib/orch/storage' } }, spec: {} } as Node]);
    await settle();
    expect((await getClaim('data')).status?.phase).toBe('Pending');
    expect(recorder.reasons()).toContain('WaitForFirstConsumer');
    await client.resource<PersistentVolumeClaim>('persistentvolumeclaims').patch('data', 'ns', { metadata: { annotations: { 'volume.kubernetes.io/selected-node': 'h1' } } }, 'merge');
    await settle();
    const c = await getClaim('data');
    expect(c.status?.phase).toBe('Bound');
    const v = await getVolume(c.spec.volumeName!);
    expect(v.metadata.name).toBe(`pvc-${c.metadata.uid}`);
    expect(v.spec.hostPath?.path).toBe(`/var/lib/orch/storage/pvc-${c.metadata.uid}_ns_data`);
    expect(v.spec.persistentVolumeReclaimPolicy).toBe('Delete');
    expect(v.spec.nodeAffinity?.required?.nodeSelectorTerms[0]?.matchExpressions?.[0]?.values).toEqual(['h1']);
    expect(recorder.reasons()).toEqual(expect.arrayContaining(['Provisioning', 'ProvisioningSucceeded']));
  });

  it('reports a missing class, and a claim whose volume is gone as Lost', async () => {
    client.seed([claim('nope', { storageClassName: 'missing' }), claim('lost', { storageClassName: '', volumeName: 'gone' })]);
    await settle();
    expect(recorder.events).toContainEqual(expect.objectContaining({ object: 'ns/nope', type: 'Warning', reason: 'ProvisioningFailed', message: 'storageclass.storage.k8s.io "missing" not found' }));
    expect((await getClaim('lost')).status?.phase).toBe('Lost');
    expect(recorder.events).toContainEqual(expect.objectContaining({ object: 'ns/lost', reason: 'ClaimLost' }));
  });

  it('releases a volume whose claim is gone: Retain keeps it, Delete deletes a provisioned one, fails a static one', async () => {
    await create(client, [volume('keep'), volume('static-delete', { persistentVolumeReclaimPolicy: 'Delete' }), claim('a', { storageClassName: '' })]);
    await settle();
    const bound = (await getClaim('a')).spec.volumeName!;
    await client.resource('persistentvolumeclaims').delete('a', 'ns');
    await client.resource<PersistentVolumeClaim>('persistentvolumeclaims').patch('a', 'ns', { metadata: { finalizers: null } }, 'merge');
    await settle();
    expect((await getVolume(bound)).status?.phase).toBe('Released');

    await create(client, [claim('b', { storageClassName: '', volumeName: 'static-delete' })]);
    await settle();
    await client.resource('persistentvolumeclaims').delete('b', 'ns');
    await client.resource<PersistentVolumeClaim>('persistentvolumeclaims').patch('b', 'ns', { metadata: { finalizers: null } }, 'merge');
    await settle();
    expect((await getVolume('static-delete')).status?.phase).toBe('Failed');
    expect(recorder.reasons()).toContain('VolumeFailedDelete');

    await create(client, [{ ...volume('made', { persistentVolumeReclaimPolicy: 'Delete', claimRef: { namespace: 'ns', name: 'c', uid: 'old-uid' } }), metadata: { name: 'made', annotations: { 'pv.kubernetes.io/provisioned-by': 'orch.io/local-path' } } }]);
    await settle();
    const made = await getVolume('made');
    expect(made.metadata.deletionTimestamp).toBeTruthy(); // pv-protection's finalizer keeps it until it is not Bound
  });
});

describe('pvc-protection and pv-protection', () => {
  it('keeps a claim being deleted while a running pod mounts it, lets it go when the pod is gone', async () => {
    const client = new FakeClient();
    const pvcs = new MemoryInformer<PersistentVolumeClaim>();
    const pods = new MemoryInformer<Pod>();
    const ctrl = new PvcProtectionController({ client, claims: pvcs, pods, logger: silentLogger(), queue: new RecordingQueue() });
    const user: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [{ name: 'c', image: 'i' }], volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'data' } }] } };
    await create(client, [claim('data', { storageClassName: '' }), user]);
    await client.resource('persistentvolumeclaims').delete('data', 'ns');
    await syncInformer(client, 'persistentvolumeclaims', pvcs);
    await syncInformer(client, 'pods', pods);
    await ctrl.reconcile('ns/data');
    expect((await client.resource<PersistentVolumeClaim>('persistentvolumeclaims').get('data', 'ns')).metadata.finalizers).toEqual(['kubernetes.io/pvc-protection']);
    // A finished pod does not hold the claim.
    await client.pods.patchStatus('p', 'ns', { status: { phase: 'Succeeded' } }, 'merge');
    await syncInformer(client, 'pods', pods);
    await ctrl.reconcile('ns/data');
    await expect(client.resource('persistentvolumeclaims').get('data', 'ns')).rejects.toMatchObject({ code: 404 });
  });

  it('keeps a Bound volume being deleted, lets a Released one go', async () => {
    const client = new FakeClient();
    const pvs = new MemoryInformer<PersistentVolume>();
    const ctrl = new PvProtectionController({ client, volumes: pvs, logger: silentLogger(), queue: new RecordingQueue() });
    await create(client, [volume('v')]);
    await client.resource<PersistentVolume>('persistentvolumes').patchStatus('v', undefined, { status: { phase: 'Bound' } }, 'merge');
    await client.resource('persistentvolumes').delete('v');
    await syncInformer(client, 'persistentvolumes', pvs);
    await ctrl.reconcile('v');
    expect((await client.resource<PersistentVolume>('persistentvolumes').get('v')).metadata.finalizers).toEqual(['kubernetes.io/pv-protection']);
    await client.resource<PersistentVolume>('persistentvolumes').patchStatus('v', undefined, { status: { phase: 'Released' } }, 'merge');
    await syncInformer(client, 'persistentvolumes', pvs);
    await ctrl.reconcile('v');
    await expect(client.resource('persistentvolumes').get('v')).rejects.toMatchObject({ code: 404 });
  });
});
