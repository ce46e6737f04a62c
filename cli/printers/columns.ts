// Per-kind table columns: what `orch get` shows, matching the columns kubectl users know.

import type { Deployment, Event, KubeObject, Node, Pod, ReplicaSet, Service } from '../../api/types.js';
import { formatAge } from './table.js';

export interface Columns {
  headers: string[];
  wideHeaders?: string[];
  row(obj: KubeObject, now: number): string[];
  wideRow?(obj: KubeObject, now: number): string[];
}

/** The STATUS column of `get pods`, computed the way kubectl does (reason of the first waiting/terminated container wins). */
export function podStatusText(pod: Pod): string {
  if (pod.metadata.deletionTimestamp) return 'Terminating';
  const st = pod.status ?? {};
  let reason: string = st.reason ?? st.phase ?? 'Pending';
  for (const cs of [...(st.containerStatuses ?? [])].reverse()) {
    if (cs.state?.waiting?.reason) reason = cs.state.waiting.reason;
    else if (cs.state?.terminated) reason = cs.state.terminated.reason ?? (cs.state.terminated.signal ? `Signal:${cs.state.terminated.signal}` : `ExitCode:${cs.state.terminated.exitCode}`);
  }
  if (reason === 'Pending' && !pod.spec.nodeName) {
    const sched = st.conditions?.find((c) => c.type === 'PodScheduled');
    if (sched?.status === 'False' && sched.reason) return 'Pending';
  }
  return reason;
}

const podColumns: Columns = {
  headers: ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
  wideHeaders: ['IP', 'NODE'],
  row(o, now) {
    const pod = o as Pod;
    const statuses = pod.status?.containerStatuses ?? [];
    const ready = statuses.filter((c) => c.ready).length;
    const restarts = statuses.reduce((n, c) => n + (c.restartCount ?? 0), 0);
    return [pod.metadata.name ?? '', `${ready}/${pod.spec.containers.length}`, podStatusText(pod), String(restarts), formatAge(pod.metadata.creationTimestamp, now)];
  },
  wideRow: (o) => [(o as Pod).status?.podIP ?? '<none>', (o as Pod).spec.nodeName ?? '<none>'],
};

const deploymentColumns: Columns = {
  headers: ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'],
  wideHeaders: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
  row(o, now) {
    const d = o as Deployment;
    const s = d.status ?? {};
    return [d.metadata.name ?? '', `${s.readyReplicas ?? 0}/${d.spec.replicas ?? 1}`, String(s.updatedReplicas ?? 0), String(s.availableReplicas ?? 0), formatAge(d.metadata.creationTimestamp, now)];
  },
  wideRow(o) {
    const d = o as Deployment;
    const cs = d.spec.template?.spec?.containers ?? [];
    return [cs.map((c) => c.name).join(','), cs.map((c) => c.image).join(','), Object.entries(d.spec.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',')];
  },
};

const replicaSetColumns: Columns = {
  headers: ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE'],
  row(o, now) {
    const rs = o as ReplicaSet;
    return [rs.metadata.name ?? '', String(rs.spec.replicas ?? 1), String(rs.status?.replicas ?? 0), String(rs.status?.readyReplicas ?? 0), formatAge(rs.metadata.creationTimestamp, now)];
  },
};

function nodeStatus(n: Node): string {
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
  let s = ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown';
  if (n.spec?.unschedulable) s += ',SchedulingDisabled';
  return s;
}

const nodeColumns: Columns = {
  headers: ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'],
  wideHeaders: ['INTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME'],
  row(o, now) {
    const n = o as Node;
    const roles = Object.keys(n.metadata.labels ?? {})
      .filter((k) => k.startsWith('node-role.kubernetes.io/'))
      .map((k) => k.slice('node-role.kubernetes.io/'.length));
    return [n.metadata.name ?? '', nodeStatus(n), roles.join(',') || '<none>', formatAge(n.metadata.creationTimestamp, now), n.status?.nodeInfo?.kubeletVersion ?? ''];
  },
  wideRow(o) {
    const n = o as Node;
    const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '<none>';
    const i = n.status?.nodeInfo ?? {};
    return [ip, i.osImage ?? '<unknown>', i.kernelVersion ?? '<unknown>', i.containerRuntimeVersion ?? '<unknown>'];
  },
};

const serviceColumns: Columns = {
  headers: ['NAME', 'TYPE', 'CLUSTER-IP', 'PORT(S)', 'AGE'],
  row(o, now) {
    const s = o as Service;
    const ports = (s.spec.ports ?? []).map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',');
    return [s.metadata.name ?? '', s.spec.type ?? 'ClusterIP', s.spec.clusterIP ?? '<none>', ports || '<none>', formatAge(s.metadata.creationTimestamp, now)];
  },
};

const eventColumns: Columns = {
  headers: ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'],
  row(o, now) {
    const e = o as Event;
    const obj = `${(e.involvedObject.kind ?? '').toLowerCase()}/${e.involvedObject.name ?? ''}`;
    return [formatAge(e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? undefined, now), e.type ?? 'Normal', e.reason ?? '', obj, (e.message ?? '').replace(/\n/g, ' ')];
  },
};

const dataCount = (o: KubeObject) => Object.keys((o.data as Record<string, unknown> | undefined) ?? {}).length + Object.keys((o.binaryData as Record<string, unknown> | undefined) ?? {}).length;

const byKind: Record<string, Columns> = {
  Pod: podColumns,
  Deployment: deploymentColumns,
  ReplicaSet: replicaSetColumns,
  Node: nodeColumns,
  Service: serviceColumns,
  Event: eventColumns,
  Namespace: {
    headers: ['NAME', 'STATUS', 'AGE'],
    row: (o, now) => [o.metadata.name ?? '', ((o.status as { phase?: string } | undefined)?.phase) ?? 'Active', formatAge(o.metadata.creationTimestamp, now)],
  },
  ConfigMap: { headers: ['NAME', 'DATA', 'AGE'], row: (o, now) => [o.metadata.name ?? '', String(dataCount(o)), formatAge(o.metadata.creationTimestamp, now)] },
  Secret: {
    headers: ['NAME', 'TYPE', 'DATA', 'AGE'],
    row: (o, now) => [o.metadata.name ?? '', String(o.type ?? 'Opaque'), String(dataCount(o)), formatAge(o.metadata.creationTimestamp, now)],
  },
  Lease: {
    headers: ['NAME', 'HOLDER', 'AGE'],
    row: (o, now) => [o.metadata.name ?? '', String((o.spec as { holderIdentity?: string } | undefined)?.holderIdentity ?? ''), formatAge(o.metadata.creationTimestamp, now)],
  },
  Endpoints: {
    headers: ['NAME', 'ENDPOINTS', 'AGE'],
    row(o, now) {
      const subsets = (o.subsets as { addresses?: { ip: string }[]; ports?: { port: number }[] }[] | undefined) ?? [];
      const eps = subsets.flatMap((s) => (s.addresses ?? []).flatMap((a) => (s.ports ?? [{ port: 0 }]).map((p) => (p.port ? `${a.ip}:${p.port}` : a.ip))));
      return [o.metadata.name ?? '', eps.slice(0, 3).join(',') + (eps.length > 3 ? ` + ${eps.length - 3} more...` : '') || '<none>', formatAge(o.metadata.creationTimestamp, now)];
    },
  },
};

const fallback: Columns = { headers: ['NAME', 'AGE'], row: (o, now) => [o.metadata.name ?? '', formatAge(o.metadata.creationTimestamp, now)] };

export function columnsFor(kind: string): Columns {
  return byKind[kind] ?? fallback;
}
