// A StatefulSet's two revisions (Kubernetes' getStatefulSetRevisions): the update
// revision is the ControllerRevision whose data equals the set's current template patch
// (made if none is; renumbered to the highest + 1 when an old state came back, i.e. an
// undo; duplicates removed); the current revision is the one status.currentRevision
// names, or the update revision when that is gone (a new set). Pods of ordinals below a
// RollingUpdate partition are made from the current revision's template, read back
// from its data. Pods carry the revision's NAME in controller-revision-hash (as upstream).

import type { ControllerRevision } from '../../api/daemonset-types.js';
import type { StatefulSet } from '../../api/statefulset-types.js';
import type { PodTemplateSpec } from '../../api/types.js';
import type { RevisionHistory } from '../history/history-client.js';
import { equalRevisions, maxRevision } from '../history/revisions.js';
import { deepClone } from '../shared/objects.js';

/** What `kubectl rollout undo` applies as a strategic merge patch (Kubernetes' getPatch). */
export function templatePatch(sts: StatefulSet): { spec: { template: Record<string, unknown> } } {
  return { spec: { template: { ...(deepClone(sts.spec.template) as unknown as Record<string, unknown>), $patch: 'replace' } } };
}

/** The pod template a revision restores. */
export function templateOf(rev: ControllerRevision): PodTemplateSpec {
  const t = { ...(((rev.data as { spec?: { template?: Record<string, unknown> } } | undefined)?.spec?.template ?? {}) as Record<string, unknown>) };
  delete t.$patch;
  return deepClone(t) as unknown as PodTemplateSpec;
}

export interface SetRevisions {
  current: ControllerRevision;
  update: ControllerRevision;
  collisionCount: number | undefined;
  /** Every revision of the set after this step. */
  all: ControllerRevision[];
}

export async function setRevisions(history: RevisionHistory, sts: StatefulSet, revisions: readonly ControllerRevision[]): Promise<SetRevisions> {
  const data = templatePatch(sts);
  const matching = equalRevisions(revisions, data);
  const others = revisions.filter((r) => !matching.includes(r));
  const next = maxRevision(others) + 1;
  let collisionCount = sts.status?.collisionCount;
  let update: ControllerRevision;
  if (matching.length === 0) {
    const made = await history.create({ parent: sts, parentApiVersion: 'apps/v1', parentKind: 'StatefulSet', templateLabels: sts.spec.template.metadata?.labels, data, revision: next, collisionCount });
    update = made.revision;
    if (made.collisionCount) collisionCount = made.collisionCount;
  } else {
    update = matching[matching.length - 1]!;
    for (const dup of matching.slice(0, -1)) await history.delete(dup);
    if ((update.revision ?? 0) < next) update = await history.renumber(update, next);
  }
  const all = [...others, update];
  const current = all.find((r) => r.metadata.name === sts.status?.currentRevision) ?? update;
  return { current, update, collisionCount, all };
}
