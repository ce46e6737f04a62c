// What a pod references by name in its own namespace, the edges of the node authorizer's
// graph (node-graph.ts): Secrets, ConfigMaps, its ServiceAccount and PersistentVolumeClaims,
// from every place Kubernetes' node graph looks (pod.spec of graph_populator / podutil's
// VisitPodSecretNames and VisitPodConfigmapNames):
//   containers, initContainers, ephemeralContainers: env[].valueFrom.{secret,configMap}KeyRef,
//     envFrom[].{secret,configMap}Ref
//   volumes[]: secret.secretName, configMap.name, projected.sources[].{secret,configMap}.name,
//     persistentVolumeClaim.claimName, ephemeral (the claim `<pod>-<volume>`), and the
//     secretRef of the plugins that have one (cephfs, flexVolume, iscsi, rbd, ...)
//   imagePullSecrets[].name, serviceAccountName (`default` when unset)
// It reads the stored JSON defensively (unknown shapes are skipped, never thrown on), as
// kinds and fields orch accepts grow: a field a later issue adds is already covered here.

export type RefKind = 'secrets' | 'configmaps' | 'serviceaccounts' | 'persistentvolumeclaims';

export interface PodReference {
  kind: RefKind;
  name: string;
}

type Obj = Record<string, unknown>;

const obj = (v: unknown): Obj | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

// Volume plugins that name a Secret in the pod's namespace (Kubernetes' VisitPodSecretNames).
const SECRET_REF_VOLUMES = ['azureFile', 'cephfs', 'cinder', 'flexVolume', 'iscsi', 'rbd', 'scaleIO', 'storageos', 'csi'];

/** The references of one pod, deduplicated. */
export function podReferences(pod: unknown): PodReference[] {
  const spec = obj(obj(pod)?.spec);
  if (!spec) return [];
  const podName = str(obj(obj(pod)?.metadata)?.name);
  const seen = new Set<string>();
  const out: PodReference[] = [];
  const add = (kind: RefKind, name: unknown) => {
    const n = str(name);
    if (!n || seen.has(`${kind}/${n}`)) return;
    seen.add(`${kind}/${n}`);
    out.push({ kind, name: n });
  };
  for (const field of ['containers', 'initContainers', 'ephemeralContainers']) {
    for (const c of arr(spec[field])) {
      for (const e of arr(obj(c)?.env)) {
        const from = obj(obj(e)?.valueFrom);
        add('secrets', obj(from?.secretKeyRef)?.name);
        add('configmaps', obj(from?.configMapKeyRef)?.name);
      }
      for (const f of arr(obj(c)?.envFrom)) {
        add('secrets', obj(obj(f)?.secretRef)?.name);
        add('configmaps', obj(obj(f)?.configMapRef)?.name);
      }
    }
  }
  for (const v of arr(spec.volumes)) {
    const vol = obj(v);
    if (!vol) continue;
    add('secrets', obj(vol.secret)?.secretName);
    add('configmaps', obj(vol.configMap)?.name);
    for (const s of arr(obj(vol.projected)?.sources)) {
      add('secrets', obj(obj(s)?.secret)?.name);
      add('configmaps', obj(obj(s)?.configMap)?.name);
    }
    add('persistentvolumeclaims', obj(vol.persistentVolumeClaim)?.claimName);
    // A generic ephemeral volume's claim is named after the pod and the volume.
    if (obj(vol.ephemeral) && podName && str(vol.name)) add('persistentvolumeclaims', `${podName}-${String(vol.name)}`);
    for (const plugin of SECRET_REF_VOLUMES) {
      const p = obj(vol[plugin]);
      add('secrets', obj(p?.secretRef)?.name);
      add('secrets', obj(p?.nodePublishSecretRef)?.name);
    }
  }
  for (const s of arr(spec.imagePullSecrets)) add('secrets', obj(s)?.name);
  // A pod names no service account only before the ServiceAccount admission fills in
  // `default`; it runs as `default` either way.
  add('serviceaccounts', str(spec.serviceAccountName) ?? str(spec.serviceAccount) ?? 'default');
  return out;
}
