// The identity of a StatefulSet's pods (Kubernetes' stateful_set_utils.go): pod NAME-ORDINAL
// with hostname = its name and subdomain = the governing Service (so the proxy's DNS
// answers NAME-ORDINAL.SERVICE.NS.svc.cluster.local), the pod-name and pod-index labels,
// the revision label, and a claim TEMPLATE-NAME-ORDINAL per volumeClaimTemplate mounted
// as the volume of the template's name. The template used is the one of the revision the
// ordinal should run (see plan.ts), read back from the ControllerRevision's data.

import { POD_INDEX_LABEL, POD_NAME_LABEL, type StatefulSet } from '../../api/statefulset-types.js';
import type { PersistentVolumeClaim } from '../../api/storage/types.js';
import type { OwnerReference, Pod, PodTemplateSpec, Volume } from '../../api/types.js';
import { CONTROLLER_REVISION_HASH } from '../history/revisions.js';
import { deepClone } from '../shared/objects.js';

const ORDINAL = /^(.*)-(0|[1-9][0-9]*)$/;

/** The parent name and ordinal of a pod name (`web-12` → web, 12), or undefined. */
export function parseOrdinal(name: string | undefined): { parent: string; ordinal: number } | undefined {
  const m = ORDINAL.exec(name ?? '');
  if (!m) return undefined;
  const ordinal = Number(m[2]);
  return Number.isSafeInteger(ordinal) ? { parent: m[1]!, ordinal } : undefined;
}

/** Is the pod one of this set's members by name (Kubernetes' isMemberOf)? */
export function isMemberOf(sts: StatefulSet, p: Pod): boolean {
  return parseOrdinal(p.metadata.name)?.parent === sts.metadata.name;
}

export const podName = (sts: StatefulSet, ordinal: number) => `${sts.metadata.name}-${ordinal}`;
export const claimName = (template: string, sts: StatefulSet, ordinal: number) => `${template}-${podName(sts, ordinal)}`;

/** The revision a pod runs: its controller-revision-hash label (a revision name for StatefulSets, as upstream). */
export function podRevision(p: Pod): string | undefined {
  return p.metadata.labels?.[CONTROLLER_REVISION_HASH];
}

/** The claims a pod of `ordinal` mounts, one per volumeClaimTemplate, without owners (claims.ts sets them). */
export function claimsFor(sts: StatefulSet, ordinal: number): PersistentVolumeClaim[] {
  const selectorLabels = sts.spec.selector.matchLabels ?? {};
  return (sts.spec.volumeClaimTemplates ?? []).map((t) => {
    const labels = { ...(t.metadata?.labels ?? {}) };
    // As upstream: the set's matchLabels go on the claim unless the template set the key.
    for (const [k, v] of Object.entries(selectorLabels)) if (!(k in labels)) labels[k] = v;
    const claim: PersistentVolumeClaim = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: claimName(t.metadata!.name!, sts, ordinal), namespace: sts.metadata.namespace, labels },
      spec: deepClone(t.spec),
    };
    if (t.metadata?.annotations) claim.metadata.annotations = { ...t.metadata.annotations };
    return claim;
  });
}

/** Builds the pod of `ordinal` from `template` (the revision's), labelled with `revision`. */
export function newStatefulPod(sts: StatefulSet, ordinal: number, template: PodTemplateSpec, revision: string, ref: OwnerReference): Pod {
  const name = podName(sts, ordinal);
  const spec = deepClone(template.spec);
  const claimVolumes: Volume[] = (sts.spec.volumeClaimTemplates ?? []).map((t) => ({
    name: t.metadata!.name!,
    persistentVolumeClaim: { claimName: claimName(t.metadata!.name!, sts, ordinal) },
  }));
  // A template volume of a claim template's name is replaced by the claim (as upstream).
  const names = new Set(claimVolumes.map((v) => v.name));
  spec.volumes = [...(spec.volumes ?? []).filter((v) => !names.has(v.name)), ...claimVolumes];
  if (spec.volumes.length === 0) delete spec.volumes;
  spec.hostname = name;
  if (sts.spec.serviceName) spec.subdomain = sts.spec.serviceName;
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: sts.metadata.namespace,
      labels: { ...(template.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH]: revision, [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal) },
      ownerReferences: [ref],
    },
    spec,
  };
  if (template.metadata?.annotations) pod.metadata.annotations = { ...template.metadata.annotations };
  return pod;
}
