// PersistentVolumes, PersistentVolumeClaims and StorageClasses as kubectl 1.32 prints them
// (pkg/printers/internalversion: printPersistentVolume, printPersistentVolumeClaim,
// printStorageClass): access modes abbreviated in a fixed order, "Terminating" while
// deleting, "<unset>" for the volume attributes class orch does not implement, the
// default class marked "(default)".

import type { PersistentVolume, PersistentVolumeClaim, StorageClass, AccessMode } from '../storage/types.js';
import { claimClass, isDefaultClass, volumeClass } from '../storage/types.js';
import { AGE, column, NAME, type KindTable } from './columns.js';
import { timestampAge } from './duration.js';

const ABBREVIATIONS: [AccessMode, string][] = [
  ['ReadWriteOnce', 'RWO'],
  ['ReadOnlyMany', 'ROX'],
  ['ReadWriteMany', 'RWX'],
  ['ReadWriteOncePod', 'RWOP'],
];

export function accessModesString(modes: readonly string[] | undefined): string {
  const list = Array.isArray(modes) ? modes : [];
  return ABBREVIATIONS.filter(([m]) => list.includes(m)).map(([, a]) => a).join(',');
}

const storageOf = (r: Record<string, string> | undefined): string => (r && typeof r.storage === 'string' ? r.storage : '');

export const STORAGE_TABLES: Record<string, KindTable> = {
  persistentvolumes: {
    columns: [NAME, column('Capacity'), column('Access Modes'), column('Reclaim Policy'), column('Status'), column('Claim'), column('StorageClass'), column('VolumeAttributesClass'), column('Reason'), AGE, column('VolumeMode', 'string', { wide: true })],
    row(o, now) {
      const pv = o as PersistentVolume;
      const spec = pv.spec ?? {};
      const claim = spec.claimRef ? `${spec.claimRef.namespace ?? ''}/${spec.claimRef.name ?? ''}` : '';
      const phase = pv.metadata.deletionTimestamp ? 'Terminating' : (pv.status?.phase ?? '');
      return [
        pv.metadata.name ?? '',
        storageOf(spec.capacity),
        accessModesString(spec.accessModes),
        spec.persistentVolumeReclaimPolicy ?? '',
        phase,
        claim,
        volumeClass(pv),
        '<unset>',
        pv.status?.reason ?? '',
        timestampAge(pv.metadata.creationTimestamp, now),
        spec.volumeMode ?? '<unset>',
      ];
    },
  },
  persistentvolumeclaims: {
    columns: [NAME, column('Status'), column('Volume'), column('Capacity'), column('Access Modes'), column('StorageClass'), column('VolumeAttributesClass'), AGE, column('VolumeMode', 'string', { wide: true })],
    row(o, now) {
      const pvc = o as PersistentVolumeClaim;
      const spec = pvc.spec ?? {};
      const bound = !!spec.volumeName;
      return [
        pvc.metadata.name ?? '',
        pvc.metadata.deletionTimestamp ? 'Terminating' : (pvc.status?.phase ?? ''),
        spec.volumeName ?? '',
        bound ? storageOf(pvc.status?.capacity) : '',
        bound ? accessModesString(pvc.status?.accessModes) : '',
        claimClass(pvc),
        '<unset>',
        timestampAge(pvc.metadata.creationTimestamp, now),
        spec.volumeMode ?? '<unset>',
      ];
    },
  },
  storageclasses: {
    columns: [NAME, column('Provisioner'), column('ReclaimPolicy'), column('VolumeBindingMode'), column('AllowVolumeExpansion'), AGE],
    row(o, now) {
      const sc = o as StorageClass;
      return [
        `${sc.metadata.name ?? ''}${isDefaultClass(sc) ? ' (default)' : ''}`,
        sc.provisioner ?? '',
        sc.reclaimPolicy ?? 'Delete',
        sc.volumeBindingMode ?? 'Immediate',
        String(sc.allowVolumeExpansion ?? false),
        timestampAge(sc.metadata.creationTimestamp, now),
      ];
    },
  },
};
