// NFS volumes become Docker `local` driver volumes with type=nfs: the options, the name
// (a hash of everything that defines the mount), subPath and read-only, and that a pod's
// inline nfs volume and an nfs claim reach the container spec as mounts, not binds.

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Pod } from '../api/types.js';
import { nfsDriverVolume, type NfsSource } from './nfs-volumes.js';
import { containerSpecFor } from './pod-to-container.js';
import { PodVolumes } from './pod-volumes.js';
import { FakeMemoryDirs } from './testing/fake-memory-dirs.js';

const src: NfsSource = { server: 'nfs.example.com', path: '/exports/data', readOnly: false, mountOptions: ['nfsvers=4.1', 'hard'] };

describe('nfsDriverVolume', () => {
  it('passes server, access and mount options to the local driver', () => {
    const v = nfsDriverVolume(src, '/data', undefined, false);
    expect(v).toMatchObject({ target: '/data', readOnly: false, driver: 'local', options: { type: 'nfs', o: 'addr=nfs.example.com,rw,nfsvers=4.1,hard', device: ':/exports/data' }, labels: { 'orch.io/nfs': 'true' } });
    expect(v.name).toMatch(/^orch-nfs-[0-9a-f]{12}$/);
  });

  it('a subPath mounts that directory of the export; read-only exports mount ro', () => {
    const v = nfsDriverVolume({ ...src, path: '/exports/data/', readOnly: true }, '/data', 'users/a', false);
    expect(v.options).toMatchObject({ o: 'addr=nfs.example.com,ro,nfsvers=4.1,hard', device: ':/exports/data/users/a' });
    expect(v.readOnly).toBe(true);
    expect(nfsDriverVolume(src, '/data', undefined, true).readOnly).toBe(true);
  });

  it('the name changes with anything that defines the mount, and only then', () => {
    const a = nfsDriverVolume(src, '/data', undefined, false).name;
    expect(nfsDriverVolume(src, '/elsewhere', undefined, true).name).toBe(a);
    expect(nfsDriverVolume({ ...src, server: '10.0.0.9' }, '/data', undefined, false).name).not.toBe(a);
    expect(nfsDriverVolume(src, '/data', 'x', false).name).not.toBe(a);
    expect(nfsDriverVolume({ ...src, mountOptions: [] }, '/data', undefined, false).name).not.toBe(a);
  });
});

describe('NFS volumes in a pod', () => {
  it('inline nfs and an nfs claim become driver volumes of the containers that mount them', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'orch-nfs-'));
    try {
      const pod: Pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p', namespace: 'default', uid: 'u1' },
        spec: {
          volumes: [
            { name: 'inline', nfs: { server: '10.0.0.5', path: '/srv', readOnly: true } },
            { name: 'claimed', persistentVolumeClaim: { claimName: 'data', readOnly: true } },
            { name: 'scratch', emptyDir: {} },
          ],
          containers: [{ name: 'c', image: 'busybox', volumeMounts: [{ name: 'inline', mountPath: '/in' }, { name: 'claimed', mountPath: '/data', subPath: 'app' }, { name: 'scratch', mountPath: '/tmp/s' }] }],
        },
      };
      const claims = new Map([
        [
          'data',
          {
            claim: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default' }, spec: { volumeName: 'pv1', accessModes: ['ReadWriteMany'] }, status: { phase: 'Bound' } },
            volume: { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv1' }, spec: { nfs: { server: '10.0.0.6', path: '/exports' }, mountOptions: ['nfsvers=4.1'], accessModes: ['ReadWriteMany'], capacity: { storage: '1Gi' } } },
          },
        ],
      ]);
      const sources = { configMaps: new Map(), secrets: new Map(), claims } as never;
      const volumes = await new PodVolumes(root, [], { memory: new FakeMemoryDirs() }).prepare(pod, sources);
      const spec = containerSpecFor({ pod, container: pod.spec.containers[0]!, attempt: 0, nodeName: 'n', sources, volumes, ips: { ip: '10.244.0.2' } as never, networkMode: 'container:x' });
      expect(spec.binds).toHaveLength(1); // only the emptyDir is a host directory
      expect(spec.binds[0]).toMatch(/:\/tmp\/s$/);
      expect(spec.driverVolumes?.map((v) => [v.target, v.options.device, v.options.o, v.readOnly])).toEqual([
        ['/in', ':/srv', 'addr=10.0.0.5,ro', true],
        // The claim is mounted readOnly by the pod: the export is mounted ro.
        ['/data', ':/exports/app', 'addr=10.0.0.6,ro,nfsvers=4.1', true],
      ]);
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});
