// The storage kinds against a real etcd and apiserver: PersistentVolume,
// PersistentVolumeClaim and StorageClass served (JSON and kubectl's protobuf), bad input
// refused with the field named, the default StorageClass filled into new claims, the
// protection finalizers added on create, and kubectl's get (pv,pvc,sc columns), apply and
// describe working against orch.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest, startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { cliClients, type Clients } from '../helpers/kubectl.js';

let api: TestApiServer;
/** The same cluster over HTTPS (same etcd and prefix), for kubectl. */
let tlsApi: TestApiServer;
let dir: string;
let cli: Clients;

const pv = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name },
  spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/tmp/orch-pv-${name}` }, ...spec },
});
const pvc = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
});
const causes = (body: any): string[] => (body?.details?.causes ?? []).map((c: { field: string }) => c.field);

beforeAll(async () => {
  const prefix = `/storage-api-${process.pid}-${Date.now()}`;
  api = await startTestApiServer({ prefix });
  tlsApi = await startTestApiServer({ tls: true, etcd: api.etcd, prefix });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-storage-api-'));
  cli = cliClients(tlsApi, dir);
}, 60_000);

afterAll(async () => {
  await tlsApi?.stop();
  await api?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('storage kinds (real etcd)', () => {
  it('serves PVs, claims and classes with defaults, Pending phases and protection finalizers', async () => {
    let r = await apiRequest(api, 'POST', '/api/v1/persistentvolumes', pv('pv-a'));
    expect(r.status).toBe(201);
    expect(r.body.spec.persistentVolumeReclaimPolicy).toBe('Retain');
    expect(r.body.spec.volumeMode).toBe('Filesystem');
    expect(r.body.status).toEqual({ phase: 'Pending' });
    expect(r.body.metadata.finalizers).toEqual(['kubernetes.io/pv-protection']);
    r = await apiRequest(api, 'POST', '/apis/storage.k8s.io/v1/storageclasses', { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'slow' }, provisioner: 'example.com/slow' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' });
    r = await apiRequest(api, 'POST', '/api/v1/namespaces/default/persistentvolumeclaims', pvc('plain', { storageClassName: 'slow' }));
    expect(r.status).toBe(201);
    expect(r.body.metadata.finalizers).toEqual(['kubernetes.io/pvc-protection']);
    expect(r.body.status).toEqual({ phase: 'Pending' });
  });

  it('gives a claim without a class the default class, and leaves "" alone', async () => {
    const before = await apiRequest(api, 'POST', '/api/v1/namespaces/default/persistentvolumeclaims', pvc('before-default'));
    expect(before.body.spec.storageClassName).toBeUndefined();
    for (const [name, created] of [['old-default', '2020'], ['new-default', '2021']]) {
      const r = await apiRequest(api, 'POST', '/apis/storage.k8s.io/v1/storageclasses', {
        apiVersion: 'storage.k8s.io/v1',
        kind: 'StorageClass',
        metadata: { name, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
        provisioner: `example.com/${created}`,
      });
      expect(r.status).toBe(201);
    }
    const r = await apiRequest(api, 'POST', '/api/v1/namespaces/default/persistentvolumeclaims', pvc('gets-default'));
    expect(r.status).toBe(201);
    // Two defaults: the newest (created last) wins, as in Kubernetes 1.26+.
    expect(r.body.spec.storageClassName).toBe('new-default');
    const none = await apiRequest(api, 'POST', '/api/v1/namespaces/default/persistentvolumeclaims', pvc('no-class', { storageClassName: '' }));
    expect(none.body.spec.storageClassName).toBe('');
    for (const n of ['old-default', 'new-default']) await apiRequest(api, 'DELETE', `/apis/storage.k8s.io/v1/storageclasses/${n}`);
  });

  it('refuses bad input with the field named', async () => {
    const bad: [string, string, unknown, string][] = [
      ['POST', '/api/v1/namespaces/default/persistentvolumeclaims', pvc('bad-mode', { accessModes: ['ReadWriteSometimes'] }), 'spec.accessModes[0]'],
      ['POST', '/api/v1/namespaces/default/persistentvolumeclaims', pvc('no-size', { resources: {} }), 'spec.resources.requests[storage]'],
      ['POST', '/api/v1/namespaces/default/persistentvolumeclaims', pvc('block', { volumeMode: 'Block' }), 'spec.volumeMode'],
      ['POST', '/api/v1/namespaces/default/persistentvolumeclaims', pvc('from-snap', { dataSource: { kind: 'PersistentVolumeClaim', name: 'x' } }), 'spec.dataSource'],
      ['POST', '/api/v1/persistentvolumes', pv('bad-pv-mode', { accessModes: ['RWO'] }), 'spec.accessModes[0]'],
      ['POST', '/api/v1/persistentvolumes', pv('gce', { hostPath: undefined, gcePersistentDisk: { pdName: 'd' } }), 'spec.gcePersistentDisk'],
      ['POST', '/api/v1/persistentvolumes', pv('two', { local: { path: '/x' } }), 'spec.local'],
      ['POST', '/api/v1/persistentvolumes', pv('local-no-affinity', { hostPath: undefined, local: { path: '/mnt/x' } }), 'spec.nodeAffinity'],
      ['POST', '/api/v1/persistentvolumes', pv('nfs', { hostPath: undefined, nfs: { path: '/export' } }), 'spec.nfs.server'],
      ['POST', '/api/v1/persistentvolumes', pv('nfs-relative', { hostPath: undefined, nfs: { server: 'nas', path: 'export' } }), 'spec.nfs.path'],
      ['POST', '/api/v1/persistentvolumes', pv('recycle', { persistentVolumeReclaimPolicy: 'Recycle' }), 'spec.persistentVolumeReclaimPolicy'],
      ['POST', '/api/v1/persistentvolumes', pv('relative', { hostPath: { path: 'data' } }), 'spec.hostPath.path'],
      ['POST', '/apis/storage.k8s.io/v1/storageclasses', { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'x' }, provisioner: 'a/b', volumeBindingMode: 'Later' }, 'volumeBindingMode'],
      ['POST', '/apis/storage.k8s.io/v1/storageclasses', { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'y' } }, 'provisioner'],
    ];
    for (const [method, url, body, field] of bad) {
      const r = await apiRequest(api, method, url, body);
      expect(r.status, `${JSON.stringify(body)} → ${JSON.stringify(r.body)}`).toBe(422);
      expect(causes(r.body), JSON.stringify(r.body)).toContain(field);
    }
  });

  it('refuses a claim shrunk, a claim spec changed, a volume source changed and a class provisioner changed', async () => {
    await apiRequest(api, 'POST', '/api/v1/namespaces/default/persistentvolumeclaims', pvc('grow', { storageClassName: 'slow', resources: { requests: { storage: '2Gi' } } }));
    let r = await apiRequest(api, 'PATCH', '/api/v1/namespaces/default/persistentvolumeclaims/grow', { spec: { resources: { requests: { storage: '1Gi' } } } }, { contentType: 'application/merge-patch+json' });
    expect(r.status).toBe(422);
    expect(r.body.details.causes).toContainEqual(expect.objectContaining({ field: 'spec.resources.requests.storage', message: 'Forbidden: field can not be less than previous value' }));
    r = await apiRequest(api, 'PATCH', '/api/v1/namespaces/default/persistentvolumeclaims/grow', { spec: { accessModes: ['ReadWriteMany'] } }, { contentType: 'application/merge-patch+json' });
    expect(r.status).toBe(422);
    expect(causes(r.body)).toContain('spec');
    // What the binder does is allowed: naming the volume of an unbound claim.
    r = await apiRequest(api, 'PATCH', '/api/v1/namespaces/default/persistentvolumeclaims/grow', { spec: { volumeName: 'pv-a' } }, { contentType: 'application/merge-patch+json' });
    expect(r.status).toBe(200);
    r = await apiRequest(api, 'PATCH', '/api/v1/persistentvolumes/pv-a', { spec: { hostPath: { path: '/elsewhere' } } }, { contentType: 'application/merge-patch+json' });
    expect(r.status).toBe(422);
    expect(causes(r.body)).toContain('spec.persistentvolumesource');
    r = await apiRequest(api, 'PATCH', '/apis/storage.k8s.io/v1/storageclasses/slow', { provisioner: 'example.com/other' }, { contentType: 'application/merge-patch+json' });
    expect(r.status).toBe(422);
    expect(causes(r.body)).toContain('provisioner');
  });

  it('kubectl: apply a claim, get pv,pvc,sc with its columns, describe pvc', async () => {
    const file = path.join(dir, 'claim.yaml');
    fs.writeFileSync(file, 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: applied\n  namespace: default\nspec:\n  storageClassName: slow\n  accessModes: [ReadWriteOnce, ReadOnlyMany]\n  resources:\n    requests:\n      storage: 5Mi\n');
    let r = await cli.kubectl(['apply', '-f', file]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('persistentvolumeclaim/applied created');
    r = await cli.kubectl(['apply', '-f', file]);
    expect(r.stdout).toContain('persistentvolumeclaim/applied unchanged');
    r = await cli.kubectl(['get', 'pv,pvc,sc', '-n', 'default']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.find((l) => l.startsWith('NAME') && l.includes('RECLAIM POLICY'))).toMatch(/^NAME\s+CAPACITY\s+ACCESS MODES\s+RECLAIM POLICY\s+STATUS\s+CLAIM\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+REASON\s+AGE$/);
    expect(lines.find((l) => l.startsWith('persistentvolume/pv-a'))).toMatch(/^persistentvolume\/pv-a\s+1Gi\s+RWO\s+Retain\s+Pending\s+<unset>\s+\S+$/);
    expect(lines.find((l) => l.startsWith('NAME') && l.includes('VOLUME '))).toMatch(/^NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+AGE$/);
    expect(lines.find((l) => l.startsWith('persistentvolumeclaim/applied'))).toMatch(/^persistentvolumeclaim\/applied\s+Pending\s+slow\s+<unset>\s+\S+$/);
    expect(lines.find((l) => l.startsWith('NAME') && l.includes('PROVISIONER'))).toMatch(/^NAME\s+PROVISIONER\s+RECLAIMPOLICY\s+VOLUMEBINDINGMODE\s+ALLOWVOLUMEEXPANSION\s+AGE$/);
    expect(lines.find((l) => l.startsWith('storageclass.storage.k8s.io/slow'))).toMatch(/^storageclass\.storage\.k8s\.io\/slow\s+example\.com\/slow\s+Delete\s+Immediate\s+false\s+\S+$/);
    r = await cli.kubectl(['describe', 'pvc', 'applied', '-n', 'default']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/StorageClass:\s+slow/);
    expect(r.stdout).toMatch(/Status:\s+Pending/);
    expect(r.stdout).toMatch(/Finalizers:\s+\[kubernetes.io\/pvc-protection\]/);
    expect(r.stdout).toMatch(/Access Modes:\s*\n/);
    // orch's own CLI reads the same tables.
    r = await cli.orch(['get', 'pv,pvc,sc', '-n', 'default']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('persistentvolumeclaim/applied');
    expect(r.stdout).toContain('storageclass.storage.k8s.io/slow');
  }, 60_000);
});
