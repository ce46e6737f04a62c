// PodDisruptionBudgets as `kubectl get pdb` prints them (kubectl's printPodDisruptionBudget).

import type { PodDisruptionBudget } from '../types.js';
import { AGE, column, NAME, type KindTable } from './columns.js';
import { timestampAge } from './duration.js';

const budget = (v: number | string | undefined): string => (v === undefined || v === null ? 'N/A' : String(v));

export const POLICY_TABLES: Record<string, KindTable> = {
  poddisruptionbudgets: {
    columns: [NAME, column('Min Available'), column('Max Unavailable'), column('Allowed Disruptions', 'integer'), AGE],
    row(o, now) {
      const pdb = o as PodDisruptionBudget;
      return [
        pdb.metadata.name ?? '',
        budget(pdb.spec?.minAvailable),
        budget(pdb.spec?.maxUnavailable),
        pdb.status?.disruptionsAllowed ?? 0,
        timestampAge(pdb.metadata.creationTimestamp, now),
      ];
    },
  },
};
