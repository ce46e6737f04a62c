// The files of projected and downwardAPI volumes (pure but for the token source):
// configMap and secret sources as their own volumes would write them, downwardAPI items
// from the pod's fields (the same fieldRef paths as env), serviceAccountToken sources
// from the token source (service-account-tokens.ts). defaultMode 0644 as Kubernetes.
// resourceFieldRef items are refused with a clear pod error (not implemented by orch).

import type { ConfigMap, DownwardAPIVolumeFile, Pod, Secret, Volume } from '../api/types.js';
import { ContainerConfigError, fieldValue, type EnvSources } from './pod-to-container.js';
import type { TokenSource } from './service-account-tokens.js';

export interface ProjectedFile {
  /** Relative path inside the volume. */
  path: string;
  data: Buffer;
  mode: number;
}

/** How a configMap/secret volume's files are made (pod-volumes.ts' projectedFiles). */
export type ObjectFiles = (vol: Volume, obj: ConfigMap | Secret | undefined) => ProjectedFile[];

function cleanRel(p: string): string {
  if (p.startsWith('/') || p.split('/').includes('..') || p === '') throw new ContainerConfigError(`invalid item path "${p}"`);
  return p;
}

function downwardFiles(pod: Pod, items: DownwardAPIVolumeFile[], mode: number, volume: string): ProjectedFile[] {
  return items.map((it) => {
    if (!it.fieldRef) throw new ContainerConfigError(`volume "${volume}": downwardAPI item "${it.path}" needs a fieldRef (orch does not implement resourceFieldRef in volumes)`);
    const value = fieldValue(pod, it.fieldRef.fieldPath, { podIP: pod.status?.podIP, hostIP: pod.status?.hostIP });
    return { path: cleanRel(it.path), data: Buffer.from(value, 'utf8'), mode: it.mode ?? mode };
  });
}

/** Does the volume hold a service account token (so it lives in the pod's tmpfs)? */
export function isProjectedKind(v: Volume): boolean {
  return v.projected !== undefined || v.downwardAPI !== undefined;
}

export async function projectedVolumeFiles(pod: Pod, v: Volume, src: EnvSources, objectFiles: ObjectFiles, tokens: TokenSource | undefined): Promise<ProjectedFile[]> {
  if (v.downwardAPI) return downwardFiles(pod, v.downwardAPI.items ?? [], v.downwardAPI.defaultMode ?? 0o644, v.name);
  const mode = v.projected?.defaultMode ?? 0o644;
  const out: ProjectedFile[] = [];
  for (const s of v.projected?.sources ?? []) {
    if (s.configMap) out.push(...objectFiles({ name: v.name, configMap: { ...s.configMap, defaultMode: mode } }, src.configMaps.get(s.configMap.name)));
    else if (s.secret) out.push(...objectFiles({ name: v.name, secret: { secretName: s.secret.name, items: s.secret.items, optional: s.secret.optional, defaultMode: mode } }, src.secrets.get(s.secret.name)));
    else if (s.downwardAPI) out.push(...downwardFiles(pod, s.downwardAPI.items ?? [], mode, v.name));
    else if (s.serviceAccountToken) {
      if (!tokens) throw new ContainerConfigError(`volume "${v.name}": this agent cannot request service account tokens`);
      const token = await tokens.token(pod, s.serviceAccountToken);
      out.push({ path: cleanRel(s.serviceAccountToken.path), data: Buffer.from(token, 'utf8'), mode });
    } else throw new ContainerConfigError(`volume "${v.name}": a projected source orch does not implement (configMap, secret, downwardAPI, serviceAccountToken are)`);
  }
  return out;
}
