// Volumes of a pod on this node, as host directories bind-mounted into its containers:
//   <rootDir>/pods/<uid>/volumes/<name>      emptyDir (lives as long as the pod here)
//   <rootDir>/pods/<uid>/projected/<name>    configMap files, mounted read-only
//   <runDir>/pods/<uid>/secrets/<name>       secret, projected and downwardAPI files, mounted
//                                            read-only; secrets/ is a tmpfs (tmpfs.ts), so
//                                            they (service account tokens too) never touch the disk
// runDir is rootDir unless --run-dir says otherwise. hostPath volumes are used in place,
// only under the prefixes the operator allowed. Both directories must be paths of the
// Docker host (when the agent itself runs in a container, mount them at the same path).

import fs from 'node:fs/promises';
import path from 'node:path';
import type { ConfigMap, KeyToPath, Pod, Secret, Volume } from '../api/types.js';
import { ContainerConfigError, checkHostPaths, type EnvSources, type VolumeSources } from './pod-to-container.js';
import { TmpfsDirs, type MemoryDirs } from './tmpfs.js';
import { isProjectedKind, projectedVolumeFiles, type ProjectedFile } from './projected-volume.js';
import { claimHostDir } from './claim-volumes.js';
import type { NfsSource } from './nfs-volumes.js';
import type { TokenSource } from './service-account-tokens.js';

export type { ProjectedFile };

function cleanRel(p: string): string {
  if (p.startsWith('/') || p.split('/').includes('..') || p === '') throw new ContainerConfigError(`invalid item path "${p}"`);
  return p;
}

/** Files a configMap or secret volume projects (pure). Secret files default to mode 0400. */
export function projectedFiles(vol: Volume, obj: ConfigMap | Secret | undefined): ProjectedFile[] {
  const src = vol.configMap ?? vol.secret;
  if (!src) return [];
  const isSecret = !!vol.secret;
  const what = isSecret ? `secret "${vol.secret!.secretName}"` : `configmap "${vol.configMap!.name}"`;
  if (!obj) {
    if (src.optional) return [];
    throw new ContainerConfigError(`${what} not found (needed by volume "${vol.name}")`);
  }
  const values = new Map<string, Buffer>();
  if (isSecret) {
    const s = obj as Secret;
    for (const [k, v] of Object.entries(s.stringData ?? {})) values.set(k, Buffer.from(v, 'utf8'));
    for (const [k, v] of Object.entries(s.data ?? {})) values.set(k, Buffer.from(v, 'base64'));
  } else {
    const c = obj as ConfigMap;
    for (const [k, v] of Object.entries(c.data ?? {})) values.set(k, Buffer.from(v, 'utf8'));
    for (const [k, v] of Object.entries(c.binaryData ?? {})) values.set(k, Buffer.from(v, 'base64'));
  }
  const defMode = src.defaultMode ?? (isSecret ? 0o400 : 0o644);
  const items: KeyToPath[] = src.items ?? [...values.keys()].map((k) => ({ key: k, path: k }));
  const out: ProjectedFile[] = [];
  for (const it of items) {
    const data = values.get(it.key);
    if (!data) {
      if (src.optional) continue;
      throw new ContainerConfigError(`couldn't find key ${it.key} in ${what} (volume "${vol.name}")`);
    }
    out.push({ path: cleanRel(it.path), data, mode: it.mode ?? defMode });
  }
  return out;
}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    () => true,
    () => false,
  );
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else out.push(p);
  }
  return out;
}

/** Writes one file atomically (temp file + rename), so a container never reads half of it. */
async function writeAtomically(file: string, data: Buffer, mode: number): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.orch-tmp`;
  await fs.writeFile(tmp, data, { mode });
  await fs.chmod(tmp, mode);
  await fs.rename(tmp, file);
}

export interface PodVolumesOptions {
  /** Where secret volumes go (default rootDir); a tmpfs per pod is mounted there unless it is one. */
  runDir?: string;
  /** Injected in tests; default: real tmpfs mounts. */
  memory?: MemoryDirs;
  /** Service account tokens for projected volumes (absent: such volumes fail with a clear error). */
  tokens?: TokenSource;
}

export class PodVolumes {
  private readonly runDir: string;
  private readonly memory: MemoryDirs;
  private readonly tokens?: TokenSource;

  constructor(
    private readonly rootDir: string,
    private readonly allowedHostPaths: readonly string[],
    opts: PodVolumesOptions = {},
  ) {
    this.runDir = opts.runDir ?? rootDir;
    this.memory = opts.memory ?? new TmpfsDirs();
    this.tokens = opts.tokens;
  }

  podDir(uid: string): string {
    return path.join(this.rootDir, 'pods', uid);
  }

  /** The pod's memory-backed directory: one tmpfs holding all its secret volumes. */
  secretsDir(uid: string): string {
    return path.join(this.runDir, 'pods', uid, 'secrets');
  }

  private volumeDir(uid: string, v: Volume): string {
    return v.secret || isProjectedKind(v) ? path.join(this.secretsDir(uid), v.name) : path.join(this.podDir(uid), 'projected', v.name);
  }

  /** Creates the pod's volume directories and projected files. Throws ContainerConfigError. */
  async prepare(pod: Pod, src: EnvSources): Promise<VolumeSources> {
    const denied = checkHostPaths(pod, this.allowedHostPaths);
    if (denied) throw new ContainerConfigError(denied, 'HostPathNotAllowed');
    const uid = pod.metadata.uid ?? '';
    const hostDirs: VolumeSources['hostDirs'] = new Map();
    const nfs = new Map<string, NfsSource>();
    for (const v of pod.spec.volumes ?? []) {
      if (v.emptyDir) {
        const dir = path.join(this.podDir(uid), 'volumes', v.name);
        await fs.mkdir(dir, { recursive: true });
        // Any user inside the pod's containers may write to an emptyDir, as in Kubernetes.
        await fs.chmod(dir, 0o777);
        hostDirs.set(v.name, { path: dir, readOnly: false });
      } else if (v.hostPath) {
        hostDirs.set(v.name, { path: v.hostPath.path, readOnly: false });
      } else if (v.persistentVolumeClaim) {
        const got = await claimHostDir(v, src.claims?.get(v.persistentVolumeClaim.claimName));
        if ('nfs' in got) nfs.set(v.name, { ...got.nfs, readOnly: got.nfs.readOnly || got.readOnly });
        else hostDirs.set(v.name, got);
      } else if (v.nfs) {
        nfs.set(v.name, { server: v.nfs.server, path: v.nfs.path, readOnly: v.nfs.readOnly === true, mountOptions: [] });
      } else if (v.configMap || v.secret) {
        const obj = v.configMap ? src.configMaps.get(v.configMap.name) : src.secrets.get(v.secret!.secretName);
        const files = projectedFiles(v, obj);
        if (v.secret) await this.ensureMemory(uid, v.name);
        const dir = this.volumeDir(uid, v);
        await fs.mkdir(dir, { recursive: true, mode: 0o755 });
        for (const f of files) await writeAtomically(path.join(dir, f.path), f.data, f.mode);
        hostDirs.set(v.name, { path: dir, readOnly: true });
      } else if (isProjectedKind(v)) {
        const files = await projectedVolumeFiles(pod, v, src, projectedFiles, this.tokens);
        await this.ensureMemory(uid, v.name);
        const dir = this.volumeDir(uid, v);
        await fs.mkdir(dir, { recursive: true, mode: 0o755 });
        for (const f of files) await writeAtomically(path.join(dir, f.path), f.data, f.mode);
        hostDirs.set(v.name, { path: dir, readOnly: true });
      } else {
        throw new ContainerConfigError(`volume "${v.name}" has no supported source (emptyDir, hostPath, configMap, secret, projected, downwardAPI, persistentVolumeClaim)`);
      }
    }
    return nfs.size > 0 ? { hostDirs, nfs } : { hostDirs };
  }

  private async ensureMemory(uid: string, volume: string): Promise<void> {
    try {
      await this.memory.ensure(this.secretsDir(uid));
    } catch (err) {
      throw new ContainerConfigError(`secret volume "${volume}" is kept in memory only, and ${(err as Error).message}`, 'FailedMount');
    }
  }

  /**
   * Brings the projected files of an already prepared pod up to date with the current
   * ConfigMaps/Secrets and service account tokens (renewed when due, service-account-tokens.ts),
   * as the kubelet does, eventually: changed files are replaced
   * atomically, files of keys that disappeared are removed. A volume whose object is now
   * missing or invalid keeps its last good files. Returns the number of files changed.
   */
  async refreshProjected(pod: Pod, src: EnvSources): Promise<number> {
    const uid = pod.metadata.uid ?? '';
    let changed = 0;
    for (const v of pod.spec.volumes ?? []) {
      if (!v.configMap && !v.secret && !isProjectedKind(v)) continue;
      const dir = this.volumeDir(uid, v);
      if (!(await exists(dir))) continue; // never prepared: the next create does it
      if (v.secret || isProjectedKind(v)) {
        const problem = await this.memory.problem(dir);
        if (problem) throw new Error(`not refreshing secret volume "${v.name}": ${problem}`);
      }
      let files: ProjectedFile[];
      try {
        if (isProjectedKind(v)) files = await projectedVolumeFiles(pod, v, src, projectedFiles, this.tokens);
        else files = projectedFiles(v, v.configMap ? src.configMaps.get(v.configMap.name) : src.secrets.get(v.secret!.secretName));
      } catch (err) {
        if (err instanceof ContainerConfigError) continue;
        throw err;
      }
      const want = new Set<string>();
      for (const f of files) {
        const file = path.join(dir, f.path);
        want.add(file);
        const st = await fs.stat(file).catch(() => undefined);
        if (st && (st.mode & 0o777) === f.mode && (await fs.readFile(file)).equals(f.data)) continue;
        await writeAtomically(file, f.data, f.mode);
        changed++;
      }
      for (const file of await listFiles(dir)) {
        if (want.has(file)) continue;
        await fs.rm(file, { force: true });
        changed++;
      }
    }
    return changed;
  }

  /** Removes emptyDirs, projected files and the secrets' tmpfs of a pod that is gone from this node. */
  async cleanup(uid: string): Promise<void> {
    if (!uid || uid.includes('/') || uid.includes('..')) return;
    this.tokens?.forgetPod(uid);
    // Unmount first: removing through a mount point would empty the tmpfs, then fail.
    await this.memory.release(this.secretsDir(uid));
    await fs.rm(path.join(this.runDir, 'pods', uid), { recursive: true, force: true });
    await fs.rm(this.podDir(uid), { recursive: true, force: true });
  }

  /** uids that have a directory here (to clean up pods deleted while the agent was down). */
  async knownPodUids(): Promise<string[]> {
    const list = (base: string) => fs.readdir(path.join(base, 'pods')).catch(() => [] as string[]);
    return [...new Set([...(await list(this.rootDir)), ...(await list(this.runDir))])];
  }
}
