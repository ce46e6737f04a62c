// ClusterRole aggregation, as Kubernetes' clusterrole-aggregation controller: the rules of
// a ClusterRole with an aggregationRule are the union of the rules of every other
// ClusterRole its selectors match (by name order, first occurrence kept), rewritten when
// they differ. admin, edit and view get their rules this way from the roles labelled
// rbac.authorization.k8s.io/aggregate-to-{admin,edit,view} (edit is labelled to admin,
// view to edit, so admin ⊇ edit ⊇ view). Any ClusterRole change enqueues every
// aggregated role: there are few, and a label change can add or remove a role anywhere.

import { isNotFound } from '../../api/errors.js';
import type { ClusterRole, PolicyRule } from '../../api/rbac-types.js';
import { matchesLabels, selectorFromLabelSelector } from '../../api/selectors/labels.js';
import { done, type Result } from '../../client/reconcile-loop.js';
import type { ResourceClient } from '../../client/types.js';
import type { Logger } from '../../foundation/logger.js';
import { deepEqual } from '../shared/objects.js';
import type { Controller, InformerView, QueueView } from '../shared/types.js';

export interface ClusterRoleAggregationDeps {
  clusterRoles: InformerView<ClusterRole>;
  client: ResourceClient<ClusterRole>;
  logger: Logger;
  queue: QueueView;
}

/** The rules an aggregated role should hold, given every ClusterRole. */
export function aggregatedRules(role: ClusterRole, all: readonly ClusterRole[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const sorted = [...all].sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0));
  for (const sel of role.aggregationRule?.clusterRoleSelectors ?? []) {
    const reqs = selectorFromLabelSelector(sel);
    for (const other of sorted) {
      if (other.metadata.name === role.metadata.name || !matchesLabels(reqs, other.metadata.labels)) continue;
      for (const r of other.rules ?? []) if (!out.some((x) => deepEqual(x, r))) out.push(r);
    }
  }
  return out;
}

export class ClusterRoleAggregationController implements Controller {
  readonly name = 'clusterrole-aggregation';

  constructor(private readonly deps: ClusterRoleAggregationDeps) {
    const all = () => {
      for (const r of deps.clusterRoles.list()) if (r.aggregationRule) deps.queue.add(r.metadata.name!);
    };
    deps.clusterRoles.addEventHandler({ onAdd: all, onUpdate: all, onDelete: all });
  }

  async reconcile(key: string): Promise<Result> {
    const role = this.deps.clusterRoles.get(key);
    if (!role?.aggregationRule || role.metadata.deletionTimestamp) return done;
    const rules = aggregatedRules(role, this.deps.clusterRoles.list());
    if (deepEqual(rules, role.rules ?? [])) return done;
    try {
      // Conditional on the resourceVersion read: a conflict retries on a fresher cache.
      await this.deps.client.update({ ...role, rules });
      this.deps.logger.debug({ clusterRole: key, rules: rules.length }, 'aggregated rules updated');
    } catch (err) {
      // A conflict (or anything else) is retried with backoff by the reconcile loop.
      if (isNotFound(err)) return done;
      throw err;
    }
    return done;
  }
}
