// A DaemonSet's revisions (Kubernetes' daemon/update.go constructHistory): the revision
// whose data equals the DaemonSet's current template patch is current — made if none
// is, renumbered to the highest number + 1 when an old state came back (an undo), and
// duplicates of it removed. Its hash labels the pods of this template.
//
// The data is what `kubectl rollout undo` applies to the DaemonSet as a strategic merge
// patch: {"spec":{"template":{..., "$patch":"replace"}}}.

import type { ControllerRevision, DaemonSet } from '../../api/daemonset-types.js';
import type { RevisionHistory } from '../history/history-client.js';
import { equalRevisions, maxRevision } from '../history/revisions.js';
import { deepClone } from '../shared/objects.js';

export function templatePatch(ds: DaemonSet): { spec: { template: Record<string, unknown> } } {
  return { spec: { template: { ...(deepClone(ds.spec.template) as unknown as Record<string, unknown>), $patch: 'replace' } } };
}

export interface CurrentRevision {
  revision: ControllerRevision;
  collisionCount: number | undefined;
  /** Every revision of the DaemonSet after this step (the current one included). */
  all: ControllerRevision[];
}

export async function currentRevision(history: RevisionHistory, ds: DaemonSet, revisions: readonly ControllerRevision[]): Promise<CurrentRevision> {
  const data = templatePatch(ds);
  const matching = equalRevisions(revisions, data);
  const others = revisions.filter((r) => !matching.includes(r));
  const next = maxRevision(others) + 1;
  let collisionCount = ds.status?.collisionCount;
  let cur: ControllerRevision;
  if (matching.length === 0) {
    const made = await history.create({
      parent: ds,
      parentApiVersion: 'apps/v1',
      parentKind: 'DaemonSet',
      templateLabels: ds.spec.template.metadata?.labels,
      data,
      revision: next,
      collisionCount,
    });
    cur = made.revision;
    if (made.collisionCount) collisionCount = made.collisionCount;
  } else {
    // Several revisions of one state (a lost create answer, a collision): keep the newest number.
    cur = matching[matching.length - 1]!;
    for (const dup of matching.slice(0, -1)) await history.delete(dup);
    if ((cur.revision ?? 0) < next) cur = await history.renumber(cur, next);
  }
  return { revision: cur, collisionCount, all: [...others, cur] };
}
