// Columns of metrics.k8s.io PodMetrics and NodeMetrics for `kubectl get podmetrics` /
// `nodemetrics` (what metrics-server prints: NAME, CPU, MEMORY, WINDOW). Not in the TABLES
// map of table.ts: that map is keyed by plural, and these plurals (pods, nodes) are the
// core kinds'. `kubectl top` and `orch top` format figures themselves (cli/top/).

import type { NodeMetrics, PodMetrics } from '../metrics-types.js';
import { parseQuantity } from '../quantity.js';
import type { KubeObject } from '../types.js';
import { column, NAME, type KindTable } from './columns.js';

const sum = (qs: string[]) => qs.reduce((a, q) => a + parseQuantity(q), 0);
const cpu = (cores: number) => `${Math.round(cores * 1000)}m`;
const mem = (bytes: number) => `${Math.round(bytes / (1024 * 1024))}Mi`;

export const POD_METRICS_TABLE: KindTable = {
  columns: [NAME, column('CPU'), column('Memory'), column('Window')],
  row: (o: KubeObject) => {
    const p = o as unknown as PodMetrics;
    return [p.metadata.name ?? '', cpu(sum(p.containers.map((c) => c.usage.cpu))), mem(sum(p.containers.map((c) => c.usage.memory))), p.window];
  },
};

export const NODE_METRICS_TABLE: KindTable = {
  columns: POD_METRICS_TABLE.columns,
  row: (o: KubeObject) => {
    const n = o as unknown as NodeMetrics;
    return [n.metadata.name ?? '', cpu(parseQuantity(n.usage.cpu)), mem(parseQuantity(n.usage.memory)), n.window];
  },
};
