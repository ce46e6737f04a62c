// Defaults of the storage kinds, as Kubernetes' SetDefaults_* (applied on every write of
// the object itself, so a PUT without them never reads as a change of an immutable field):
// PV reclaim policy Retain and volumeMode Filesystem; claim volumeMode Filesystem; class
// reclaim policy Delete and binding mode Immediate.

import type { KubeObject } from '../types.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function defaultStorageKind(kind: string, obj: KubeObject): void {
  const o = obj as Obj;
  if (kind === 'PersistentVolume' && isObj(o.spec)) {
    o.spec.persistentVolumeReclaimPolicy ??= 'Retain';
    o.spec.volumeMode ??= 'Filesystem';
  } else if (kind === 'PersistentVolumeClaim' && isObj(o.spec)) {
    o.spec.volumeMode ??= 'Filesystem';
  } else if (kind === 'StorageClass') {
    o.reclaimPolicy ??= 'Delete';
    o.volumeBindingMode ??= 'Immediate';
  }
}
