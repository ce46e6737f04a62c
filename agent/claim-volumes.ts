// PersistentVolumeClaim volumes on this node: the claim and its bound volume are read
// when the pod's containers are made (fetchClaims, with the other objects a pod uses),
// and the volume becomes a host directory that pod-volumes.ts bind-mounts like any other
// (readOnly and subPath work as for hostPath):
//   hostPath PV   the directory, created when missing (DirectoryOrCreate; local-path
//                 volumes live under <root-dir>/storage, advertised on the Node)
//   local PV      the directory, which must exist
//   nfs PV        not a host directory: an NfsSource Docker mounts (nfs-volumes.ts)
// A claim that is missing or not bound yet is a FailedMount: the container waits in
// ContainerCreating with the reason, and the agent tries again, as the kubelet does.
// cleanupLocalPaths() removes the directory of a local-path volume once its
// PersistentVolume is gone (reclaim policy Delete).

import fs from 'node:fs/promises';
import path from 'node:path';
import { isForbidden, isNotFound } from '../api/errors.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../api/storage/types.js';
import { podClaimNames } from '../api/storage/matching.js';
import type { Pod, Volume } from '../api/types.js';
import type { Client } from '../client/types.js';
import { ContainerConfigError } from './pod-to-container.js';
import type { NfsSource } from './nfs-volumes.js';

/** Where local-path volumes of this node live. */
export function localPathRoot(rootDir: string): string {
  return path.join(path.resolve(rootDir), 'storage');
}

export interface ClaimSource {
  claim?: PersistentVolumeClaim;
  volume?: PersistentVolume;
}

async function orUndefined<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** The pod's claims and their volumes (undefined members: not found / not bound). */
export async function fetchClaims(client: Client, pod: Pod): Promise<Map<string, ClaimSource>> {
  const ns = pod.metadata.namespace ?? 'default';
  const out = new Map<string, ClaimSource>();
  await Promise.all(
    podClaimNames(pod).map(async (name) => {
      const claim = await orUndefined(() => client.resource<PersistentVolumeClaim>('persistentvolumeclaims').get(name, ns));
      const volumeName = claim?.status?.phase === 'Bound' ? claim.spec.volumeName : undefined;
      const volume = volumeName ? await orUndefined(() => client.resource<PersistentVolume>('persistentvolumes').get(volumeName)) : undefined;
      out.set(name, { claim, volume });
    }),
  );
  return out;
}

const mountError = (message: string) => new ContainerConfigError(message, 'FailedMount');

/** The host directory (or NFS export) of a persistentVolumeClaim volume. Throws a FailedMount ContainerConfigError while it cannot be had. */
export async function claimHostDir(vol: Volume, src: ClaimSource | undefined): Promise<{ path: string; readOnly: boolean } | { nfs: NfsSource; readOnly: boolean }> {
  const name = vol.persistentVolumeClaim!.claimName;
  const readOnly = vol.persistentVolumeClaim!.readOnly === true;
  if (!src?.claim) throw mountError(`persistentvolumeclaim "${name}" not found (volume "${vol.name}")`);
  if (src.claim.status?.phase !== 'Bound' || !src.claim.spec.volumeName) throw mountError(`waiting for persistentvolumeclaim "${name}" to be bound (volume "${vol.name}"; claim is ${src.claim.status?.phase ?? 'Pending'})`);
  const pv = src.volume;
  if (!pv) throw mountError(`persistentvolume "${src.claim.spec.volumeName}" of claim "${name}" not found`);
  if (pv.spec.hostPath) {
    const dir = pv.spec.hostPath.path;
    await fs.mkdir(dir, { recursive: true });
    // Any user in the pod may write to a new volume, as k3s' local-path provisioner makes it.
    const st = await fs.stat(dir);
    if ((st.mode & 0o777) !== 0o777 && (await fs.readdir(dir)).length === 0) await fs.chmod(dir, 0o777);
    return { path: dir, readOnly };
  }
  if (pv.spec.local) {
    const dir = pv.spec.local.path;
    const st = await fs.stat(dir).catch(() => undefined);
    if (!st?.isDirectory()) throw mountError(`local volume "${pv.metadata.name}": path "${dir}" does not exist on this node`);
    return { path: dir, readOnly };
  }
  if (pv.spec.nfs) {
    const n = pv.spec.nfs;
    return { nfs: { server: n.server, path: n.path, readOnly: n.readOnly === true, mountOptions: pv.spec.mountOptions ?? [] }, readOnly };
  }
  throw mountError(`persistentvolume "${pv.metadata.name}": no volume type this agent mounts`);
}

/**
 * Removes the directories under `root` whose local-path PersistentVolume no longer exists
 * (`pvc-<uid>_<namespace>_<claim>`, named by the provisioner). A volume whose existence
 * cannot be checked (an error other than 404) keeps its directory. Returns what was removed.
 */
export async function cleanupLocalPaths(client: Client, root: string): Promise<string[]> {
  const entries = await fs.readdir(root).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const e of entries) {
    const pvName = e.split('_')[0] ?? '';
    if (!/^pvc-[0-9a-f-]+$/.test(pvName)) continue;
    try {
      await client.resource<PersistentVolume>('persistentvolumes').get(pvName);
      continue;
    } catch (err) {
      if (!isNotFound(err)) {
        if (isForbidden(err)) continue;
        throw err;
      }
    }
    await fs.rm(path.join(root, e), { recursive: true, force: true });
    removed.push(e);
  }
  return removed;
}
