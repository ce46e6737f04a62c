// The core/v1 and coordination kinds as `kubectl get` prints them: nodes, namespaces,
// configmaps, secrets, events, leases (services and endpoints: services.ts).

import type { Event, KubeObject, Lease, Node } from '../types.js';
import { AGE, column, NAME, type KindTable } from './columns.js';
import { timestampAge } from './duration.js';

const age = (o: KubeObject, now: number) => timestampAge(o.metadata.creationTimestamp, now);
const or = (v: string | undefined | null, dflt: string) => (v ? v : dflt);
const keys = (m: unknown) => (m && typeof m === 'object' ? Object.keys(m).length : 0);

/** labels.FormatLabels: k=v sorted by key, comma-separated; '<none>' when empty. */
export function labelsCell(labels: Record<string, string> | undefined): string {
  // Go's labels.Set.String sorts the "key=value" strings, not the keys: app.kubernetes.io/x=1 before app=2.
  const pairs = Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`).sort();
  return pairs.length ? pairs.join(',') : '<none>';
}

function nodeStatus(n: Node): string {
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
  const out = [!ready ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady'];
  if (n.spec?.unschedulable) out.push('SchedulingDisabled');
  return out.join(',');
}

/** Roles from node-role.kubernetes.io/ROLE labels and kubernetes.io/role, sorted. */
function nodeRoles(n: Node): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(n.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) roles.add(k.slice('node-role.kubernetes.io/'.length));
    else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return roles.size ? [...roles].sort().join(',') : '<none>';
}

const nodeAddress = (n: Node, type: string) => or(n.status?.addresses?.find((a) => a.type === type)?.address, '<none>');

function eventCells(e: Event, now: number): (string | number)[] {
  const first = e.firstTimestamp ? timestampAge(e.firstTimestamp, now) : timestampAge(e.eventTime, now);
  const last = e.lastTimestamp ? timestampAge(e.lastTimestamp, now) : first;
  const io = e.involvedObject ?? {};
  const kind = (io.kind ?? '').toLowerCase();
  const target = io.name ? `${kind}/${io.name}` : kind;
  const [component, instance] = e.source?.component || e.source?.host ? [e.source.component ?? '', e.source.host] : [e.reportingComponent ?? '', e.reportingInstance];
  const source = instance ? `${component}, ${instance}` : component;
  return [last, e.type ?? '', e.reason ?? '', target, io.fieldPath ?? '', source, (e.message ?? '').trim(), first, e.count || 1, e.metadata.name ?? ''];
}

export const CORE_TABLES: Record<string, KindTable> = {
  nodes: {
    columns: [
      NAME,
      column('Status'),
      column('Roles'),
      AGE,
      column('Version'),
      column('Internal-IP', 'string', { wide: true }),
      column('External-IP', 'string', { wide: true }),
      column('OS-Image', 'string', { wide: true }),
      column('Kernel-Version', 'string', { wide: true }),
      column('Container-Runtime', 'string', { wide: true }),
    ],
    row(o, now) {
      const n = o as Node;
      const info = n.status?.nodeInfo ?? {};
      return [
        n.metadata.name ?? '',
        nodeStatus(n),
        nodeRoles(n),
        age(n, now),
        info.kubeletVersion ?? '',
        nodeAddress(n, 'InternalIP'),
        nodeAddress(n, 'ExternalIP'),
        or(info.osImage, '<unknown>'),
        or(info.kernelVersion, '<unknown>'),
        or(info.containerRuntimeVersion, '<unknown>'),
      ];
    },
  },
  namespaces: {
    columns: [NAME, column('Status'), AGE],
    row: (o, now) => [o.metadata.name ?? '', (o.status as { phase?: string } | undefined)?.phase ?? '', age(o, now)],
  },
  configmaps: {
    columns: [NAME, column('Data'), AGE],
    row: (o, now) => [o.metadata.name ?? '', keys(o.data) + keys(o.binaryData), age(o, now)],
  },
  secrets: {
    columns: [NAME, column('Type'), column('Data'), AGE],
    row: (o, now) => [o.metadata.name ?? '', String(o.type ?? ''), keys(o.data), age(o, now)],
  },
  serviceaccounts: {
    // kubectl's printServiceAccount: the number of listed secrets.
    columns: [NAME, column('Secrets', 'integer'), AGE],
    row: (o, now) => [o.metadata.name ?? '', Array.isArray(o.secrets) ? o.secrets.length : 0, age(o, now)],
  },
  events: {
    columns: [
      column('Last Seen'),
      column('Type'),
      column('Reason'),
      column('Object'),
      column('Subobject', 'string', { wide: true }),
      column('Source', 'string', { wide: true }),
      column('Message'),
      column('First Seen', 'string', { wide: true }),
      column('Count', 'string', { wide: true }),
      column('Name', 'string', { wide: true, format: 'name' }),
    ],
    row: (o, now) => eventCells(o as Event, now),
  },
  leases: {
    columns: [NAME, column('Holder'), AGE],
    row: (o, now) => [o.metadata.name ?? '', (o as Lease).spec?.holderIdentity ?? '', age(o, now)],
  },
};
