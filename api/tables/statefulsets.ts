// StatefulSets as `kubectl get` prints them (kubectl's printStatefulSet): NAME READY AGE,
// and CONTAINERS IMAGES with -o wide.

import type { StatefulSet } from '../statefulset-types.js';
import { AGE, column, NAME, type KindTable } from './columns.js';
import { timestampAge } from './duration.js';
import { templateCells } from './workloads.js';

export const STATEFULSET_TABLES: Record<string, KindTable> = {
  statefulsets: {
    columns: [NAME, column('Ready'), AGE, column('Containers', 'string', { wide: true }), column('Images', 'string', { wide: true })],
    row(o, now) {
      const s = o as StatefulSet;
      return [
        s.metadata.name ?? '',
        `${s.status?.readyReplicas ?? 0}/${s.spec?.replicas ?? 0}`,
        timestampAge(s.metadata.creationTimestamp, now),
        ...templateCells(s.spec?.template),
      ];
    },
  },
};
