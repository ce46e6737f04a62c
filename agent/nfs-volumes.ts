// NFS volumes (an nfs PersistentVolume behind a claim, or an inline `nfs` pod volume) as
// Docker named volumes of the `local` driver with type=nfs: Docker mounts the export when
// the container starts and unmounts it when it stops, on whichever node the pod runs, so
// the agent never mounts anything on the host itself. One volume per export, subPath and
// access: its name carries a hash of all of them, so a PersistentVolume recreated with the
// same name but another server never reuses a stale definition. A subPath mounts that
// directory of the export (the device is `:<path>/<subPath>`; it must exist on the server).
// The volumes are labelled orch.io/nfs=true; they hold no data, only the mount definition
// (`docker volume prune --filter label=orch.io/nfs=true` removes unused ones).

import crypto from 'node:crypto';
import type { Container } from '../api/types.js';
import type { DriverVolume } from './runtime/types.js';

export interface NfsSource {
  server: string;
  path: string;
  /** The export itself is read-only (PersistentVolume or pod volume `readOnly`). */
  readOnly: boolean;
  /** The PersistentVolume's spec.mountOptions, passed to the kernel as they are. */
  mountOptions: string[];
}

export const NFS_VOLUME_LABEL = 'orch.io/nfs';

/** The Docker volume that mounts `src` (at `subPath`, already checked for '..' by binds()) for one container mount. */
export function nfsDriverVolume(src: NfsSource, target: string, subPath: string | undefined, readOnly: boolean): DriverVolume {
  const exportPath = subPath ? `${src.path.replace(/\/+$/, '')}/${subPath}` : src.path;
  const o = [`addr=${src.server}`, src.readOnly ? 'ro' : 'rw', ...src.mountOptions].join(',');
  const options = { type: 'nfs', o, device: `:${exportPath}` };
  const hash = crypto.createHash('sha256').update(JSON.stringify(options)).digest('hex').slice(0, 12);
  return {
    name: `orch-nfs-${hash}`,
    target,
    readOnly: readOnly || src.readOnly,
    driver: 'local',
    options,
    labels: { [NFS_VOLUME_LABEL]: 'true' },
  };
}

/** The NFS mounts of one container, given the pod's volumes that are NFS. */
export function nfsMountsOf(c: Container, nfs: Map<string, NfsSource>): DriverVolume[] {
  const out: DriverVolume[] = [];
  for (const m of c.volumeMounts ?? []) {
    const src = nfs.get(m.name);
    if (src) out.push(nfsDriverVolume(src, m.mountPath, m.subPath, m.readOnly === true));
  }
  return out;
}
