// Deployments and ReplicaSets as `kubectl get` prints them.

import { labelSelectorToString } from '../selectors/labels.js';
import type { Deployment, LabelSelector, PodTemplateSpec, ReplicaSet } from '../types.js';
import { AGE, column, NAME, type KindTable } from './columns.js';
import { timestampAge } from './duration.js';

const CONTAINERS = column('Containers', 'string', { wide: true });
const IMAGES = column('Images', 'string', { wide: true });
const SELECTOR = column('Selector', 'string', { wide: true });

/** The CONTAINERS and IMAGES cells of a pod template: names and images, comma-separated. */
export function templateCells(t: PodTemplateSpec | undefined): [string, string] {
  const cs = t?.spec?.containers ?? [];
  return [cs.map((c) => c.name).join(','), cs.map((c) => c.image).join(',')];
}

/** metav1.FormatLabelSelector: the selector as a string, '<none>' when it selects by nothing. */
export function selectorCell(sel: LabelSelector | undefined): string {
  return (sel && labelSelectorToString(sel)) || '<none>';
}

export const WORKLOAD_TABLES: Record<string, KindTable> = {
  deployments: {
    columns: [NAME, column('Ready'), column('Up-to-date'), column('Available'), AGE, CONTAINERS, IMAGES, SELECTOR],
    row(o, now) {
      const d = o as Deployment;
      const s = d.status ?? {};
      return [
        d.metadata.name ?? '',
        `${s.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`,
        s.updatedReplicas ?? 0,
        s.availableReplicas ?? 0,
        timestampAge(d.metadata.creationTimestamp, now),
        ...templateCells(d.spec?.template),
        selectorCell(d.spec?.selector),
      ];
    },
  },
  replicasets: {
    columns: [NAME, column('Desired', 'integer'), column('Current', 'integer'), column('Ready', 'integer'), AGE, CONTAINERS, IMAGES, SELECTOR],
    row(o, now) {
      const rs = o as ReplicaSet;
      const s = (rs.status ?? {}) as { replicas?: number; readyReplicas?: number };
      return [
        rs.metadata.name ?? '',
        rs.spec?.replicas ?? 0,
        s.replicas ?? 0,
        s.readyReplicas ?? 0,
        timestampAge(rs.metadata.creationTimestamp, now),
        ...templateCells(rs.spec?.template),
        selectorCell(rs.spec?.selector),
      ];
    },
  },
};
