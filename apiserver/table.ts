// Server-side printing (meta.k8s.io/v1 Table), which kubectl asks for with
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`. Without it kubectl can only
// print NAME and AGE; with it `kubectl get pods` shows READY, STATUS, RESTARTS as usual.
// Columns follow kubectl's for the same kinds; priority 1 columns appear with -o wide.

import type { ResourceInfo } from '../api/resources.js';
import type { KubeObject, ListMeta } from '../api/types.js';

interface Column {
  name: string;
  type?: 'string' | 'integer' | 'date';
  priority?: number;
  cell: (o: any, now: number) => string | number;
}

export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const p = part.replace(/\s+/g, '');
    return p.includes('as=Table') && p.includes('g=meta.k8s.io') && (p.includes('v=v1;') || p.endsWith('v=v1') || p.includes('v=v1beta1'));
  });
}

/** Kubernetes' HumanDuration: 45s, 5m10s, 3h, 2d4h, 1y30d. */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  const y = Math.floor(d / 365);
  if (d < 365 * 8) return d % 365 === 0 ? `${y}y` : `${y}y${d % 365}d`;
  return `${y}y`;
}

const age = (o: any, now: number) => (o.metadata?.creationTimestamp ? humanDuration(now - Date.parse(o.metadata.creationTimestamp)) : '<unknown>');
const nameCol: Column = { name: 'Name', cell: (o) => o.metadata?.name ?? '' };
const ageCol: Column = { name: 'Age', cell: age };
const none = (v: unknown) => (v === undefined || v === null || v === '' ? '<none>' : String(v));

function podStatus(p: any): string {
  if (p.metadata?.deletionTimestamp) return 'Terminating';
  let reason: string = p.status?.reason ?? p.status?.phase ?? 'Pending';
  for (const cs of p.status?.containerStatuses ?? []) {
    if (cs.state?.waiting?.reason) reason = cs.state.waiting.reason;
    else if (cs.state?.terminated?.reason && reason !== 'Running') reason = cs.state.terminated.reason;
  }
  return reason;
}

function podReady(p: any): string {
  const total = (p.spec?.containers ?? []).length;
  const ready = (p.status?.containerStatuses ?? []).filter((c: any) => c.ready).length;
  return `${ready}/${total}`;
}

function nodeStatus(n: any): string {
  const ready = (n.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
  let s = !ready ? 'Unknown' : ready.status === 'True' ? 'Ready' : ready.status === 'False' ? 'NotReady' : 'Unknown';
  if (n.spec?.unschedulable) s += ',SchedulingDisabled';
  return s;
}

function servicePorts(svc: any): string {
  const ports = (svc.spec?.ports ?? []).map((p: any) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`);
  return ports.length ? ports.join(',') : '<none>';
}

function endpointsList(ep: any): string {
  const out: string[] = [];
  for (const s of ep.subsets ?? []) for (const a of s.addresses ?? []) for (const p of s.ports ?? [{ port: undefined }]) out.push(p.port ? `${a.ip}:${p.port}` : a.ip);
  if (out.length === 0) return '<none>';
  return out.length > 3 ? `${out.slice(0, 3).join(',')} + ${out.length - 3} more...` : out.join(',');
}

const images = (spec: any) => (spec?.containers ?? []).map((c: any) => c.image).join(',');
const containers = (spec: any) => (spec?.containers ?? []).map((c: any) => c.name).join(',');
const selectorText = (sel: any) =>
  Object.entries(sel?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',') || '<none>';

const COLUMNS: Record<string, Column[]> = {
  pods: [
    nameCol,
    { name: 'Ready', cell: podReady },
    { name: 'Status', cell: podStatus },
    { name: 'Restarts', type: 'integer', cell: (p) => (p.status?.containerStatuses ?? []).reduce((n: number, c: any) => n + (c.restartCount ?? 0), 0) },
    ageCol,
    { name: 'IP', priority: 1, cell: (p) => none(p.status?.podIP) },
    { name: 'Node', priority: 1, cell: (p) => none(p.spec?.nodeName) },
  ],
  deployments: [
    nameCol,
    { name: 'Ready', cell: (d) => `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}` },
    { name: 'Up-to-date', type: 'integer', cell: (d) => d.status?.updatedReplicas ?? 0 },
    { name: 'Available', type: 'integer', cell: (d) => d.status?.availableReplicas ?? 0 },
    ageCol,
    { name: 'Containers', priority: 1, cell: (d) => containers(d.spec?.template?.spec) },
    { name: 'Images', priority: 1, cell: (d) => images(d.spec?.template?.spec) },
    { name: 'Selector', priority: 1, cell: (d) => selectorText(d.spec?.selector) },
  ],
  replicasets: [
    nameCol,
    { name: 'Desired', type: 'integer', cell: (r) => r.spec?.replicas ?? 0 },
    { name: 'Current', type: 'integer', cell: (r) => r.status?.replicas ?? 0 },
    { name: 'Ready', type: 'integer', cell: (r) => r.status?.readyReplicas ?? 0 },
    ageCol,
    { name: 'Containers', priority: 1, cell: (r) => containers(r.spec?.template?.spec) },
    { name: 'Images', priority: 1, cell: (r) => images(r.spec?.template?.spec) },
  ],
  nodes: [
    nameCol,
    { name: 'Status', cell: nodeStatus },
    { name: 'Roles', cell: () => '<none>' },
    ageCol,
    { name: 'Version', cell: (n) => none(n.status?.nodeInfo?.kubeletVersion) },
    { name: 'Internal-IP', priority: 1, cell: (n) => none((n.status?.addresses ?? []).find((a: any) => a.type === 'InternalIP')?.address) },
    { name: 'OS-Image', priority: 1, cell: (n) => none(n.status?.nodeInfo?.osImage) },
    { name: 'Container-Runtime', priority: 1, cell: (n) => none(n.status?.nodeInfo?.containerRuntimeVersion) },
  ],
  namespaces: [nameCol, { name: 'Status', cell: (n) => n.status?.phase ?? 'Active' }, ageCol],
  services: [
    nameCol,
    { name: 'Type', cell: (s) => s.spec?.type ?? 'ClusterIP' },
    { name: 'Cluster-IP', cell: (s) => none(s.spec?.clusterIP) },
    { name: 'External-IP', cell: () => '<none>' },
    { name: 'Port(s)', cell: servicePorts },
    ageCol,
    { name: 'Selector', priority: 1, cell: (s) => Object.entries(s.spec?.selector ?? {}).map(([k, v]) => `${k}=${String(v)}`).join(',') || '<none>' },
  ],
  endpoints: [nameCol, { name: 'Endpoints', cell: endpointsList }, ageCol],
  configmaps: [nameCol, { name: 'Data', type: 'integer', cell: (c) => Object.keys(c.data ?? {}).length + Object.keys(c.binaryData ?? {}).length }, ageCol],
  secrets: [nameCol, { name: 'Type', cell: (s) => s.type ?? 'Opaque' }, { name: 'Data', type: 'integer', cell: (s) => Object.keys(s.data ?? {}).length }, ageCol],
  events: [
    { name: 'Last Seen', cell: (e, now) => { const t = e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp; return t ? humanDuration(now - Date.parse(t)) : '<unknown>'; } },
    { name: 'Type', cell: (e) => e.type ?? '' },
    { name: 'Reason', cell: (e) => e.reason ?? '' },
    { name: 'Object', cell: (e) => `${String(e.involvedObject?.kind ?? '').toLowerCase()}/${e.involvedObject?.name ?? ''}` },
    { name: 'Message', cell: (e) => e.message ?? '' },
  ],
  leases: [nameCol, { name: 'Holder', cell: (l) => l.spec?.holderIdentity ?? '' }, ageCol],
};

export type IncludeObject = 'None' | 'Metadata' | 'Object';

function rowObject(o: KubeObject, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return o;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

export function toTable(r: ResourceInfo, items: KubeObject[], meta: ListMeta, now: number, include: IncludeObject = 'Metadata'): Record<string, unknown> {
  const cols = COLUMNS[r.plural] ?? [nameCol, ageCol];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: meta,
    columnDefinitions: cols.map((c) => ({
      name: c.name,
      type: c.type ?? 'string',
      format: c === nameCol ? 'name' : '',
      description: '',
      priority: c.priority ?? 0,
    })),
    rows: items.map((o) => {
      const row: Record<string, unknown> = { cells: cols.map((c) => c.cell(o, now)) };
      const obj = rowObject(o, include);
      if (obj !== undefined) row.object = obj;
      return row;
    }),
  };
}
