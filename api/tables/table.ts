// Server-side printing as Kubernetes does it: per kind, the column definitions and a
// function from an object to its row's cells (pkg/printers' TableHandlers). The rows
// always carry every column; a client shows priority-1 columns only with -o wide. The
// apiserver serves these as meta.k8s.io/v1 Table (apiserver/table.ts); `orch get` and
// kubectl lay the same cells out, so both print the same thing.

import type { ResourceInfo } from '../resources.js';
import type { KubeObject, ListMeta } from '../types.js';
import { AGE, column, NAME, type KindTable, type Table, type TableRow } from './columns.js';
import { BATCH_TABLES } from './batch.js';
import { AUTOSCALING_TABLES } from './autoscaling.js';
import { CERTIFICATE_TABLES } from './certificates.js';
import { ADMISSION_TABLES } from './admission.js';
import { CORE_TABLES } from './core.js';
import { timestampAge } from './duration.js';
import { podTable } from './pods.js';
import { DAEMONSET_TABLES } from './daemonsets.js';
import { STATEFULSET_TABLES } from './statefulsets.js';
import { POLICY_TABLES } from './policy.js';
import { RBAC_TABLES } from './rbac.js';
import { SERVICE_TABLES } from './services.js';
import { STORAGE_TABLES } from './storage.js';
import { WORKLOAD_TABLES } from './workloads.js';

export type { Cell, KindTable, Table, TableColumnDefinition, TableRow } from './columns.js';

/** CustomResourceDefinitions print their creation time, as Kubernetes does. */
const CRD_TABLE: KindTable = {
  columns: [NAME, column('Created At', 'date')],
  row: (o) => [o.metadata.name ?? '', o.metadata.creationTimestamp ?? ''],
};

/** Name and Age only: the table of a kind without a printer of its own. */
const DEFAULT_TABLE: KindTable = {
  columns: [NAME, AGE],
  row: (o, now) => [o.metadata.name ?? '', timestampAge(o.metadata.creationTimestamp, now)],
};

const TABLES: Record<string, KindTable> = { customresourcedefinitions: CRD_TABLE, pods: podTable, ...WORKLOAD_TABLES, ...DAEMONSET_TABLES, ...STATEFULSET_TABLES, ...CORE_TABLES, ...SERVICE_TABLES, ...POLICY_TABLES, ...AUTOSCALING_TABLES, ...RBAC_TABLES, ...CERTIFICATE_TABLES, ...BATCH_TABLES, ...STORAGE_TABLES, ...ADMISSION_TABLES };

export function tableFor(r: Pick<ResourceInfo, 'plural'> & { custom?: ResourceInfo['custom'] }): KindTable {
  if (r.custom) return r.custom.table;
  return TABLES[r.plural] ?? DEFAULT_TABLE;
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

function rowObject(o: KubeObject, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return o;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

/** The meta.k8s.io/v1 Table of `items` at time `now`. */
export function toTable(r: Pick<ResourceInfo, 'plural'> & { custom?: ResourceInfo['custom'] }, items: readonly KubeObject[], meta: ListMeta, now: number, include: IncludeObject = 'Metadata'): Table {
  const t = tableFor(r);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: meta,
    columnDefinitions: t.columns,
    rows: items.map((o) => {
      const row: TableRow = { cells: t.row(o, now) };
      const obj = rowObject(o, include);
      if (obj !== undefined) row.object = obj;
      return row;
    }),
  };
}
