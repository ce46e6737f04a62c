// DaemonSets and ControllerRevisions as `kubectl get` prints them (kubectl's
// printDaemonSet and printControllerRevision).

import type { ControllerRevision, DaemonSet } from '../daemonset-types.js';
import { parseApiVersion } from '../resources.js';
import { AGE, column, NAME, type KindTable } from './columns.js';
import { timestampAge } from './duration.js';
import { selectorCell, templateCells } from './workloads.js';

/** labels.FormatLabels: sorted k=v pairs, '<none>' when empty. */
function nodeSelectorCell(sel: Record<string, string> | undefined): string {
  const keys = Object.keys(sel ?? {}).sort();
  return keys.length ? keys.map((k) => `${k}=${sel![k]}`).join(',') : '<none>';
}

export const DAEMONSET_TABLES: Record<string, KindTable> = {
  daemonsets: {
    columns: [
      NAME,
      column('Desired', 'integer'),
      column('Current', 'integer'),
      column('Ready', 'integer'),
      column('Up-to-date', 'integer'),
      column('Available', 'integer'),
      column('Node Selector'),
      AGE,
      column('Containers', 'string', { wide: true }),
      column('Images', 'string', { wide: true }),
      column('Selector', 'string', { wide: true }),
    ],
    row(o, now) {
      const ds = o as DaemonSet;
      const s = ds.status;
      return [
        ds.metadata.name ?? '',
        s?.desiredNumberScheduled ?? 0,
        s?.currentNumberScheduled ?? 0,
        s?.numberReady ?? 0,
        s?.updatedNumberScheduled ?? 0,
        s?.numberAvailable ?? 0,
        nodeSelectorCell(ds.spec?.template?.spec?.nodeSelector),
        timestampAge(ds.metadata.creationTimestamp, now),
        ...templateCells(ds.spec?.template),
        selectorCell(ds.spec?.selector),
      ];
    },
  },
  controllerrevisions: {
    columns: [NAME, column('Controller'), column('Revision', 'integer'), AGE],
    row(o, now) {
      const cr = o as ControllerRevision;
      const ref = cr.metadata.ownerReferences?.find((r) => r.controller === true);
      const controller = ref ? `${ref.kind.toLowerCase()}.${parseApiVersion(ref.apiVersion).group}/${ref.name}` : '<none>';
      return [cr.metadata.name ?? '', controller, cr.revision ?? 0, timestampAge(cr.metadata.creationTimestamp, now)];
    },
  },
};
