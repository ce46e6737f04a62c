// Small builders for scheduler tests: a node or a pod from the few fields a test cares about.

import type { Affinity, Node, Pod, Taint, Toleration } from '../../api/types.js';
import { ClusterSnapshot } from '../snapshot.js';

export interface NodeSpecLite {
  name: string;
  cpu?: string;
  memory?: string;
  pods?: number;
  labels?: Record<string, string>;
  taints?: Taint[];
  /** Ready condition status; default true. false → 'False', 'Unknown' as is. */
  ready?: boolean | 'Unknown';
  unschedulable?: boolean;
}

export function makeNode(o: NodeSpecLite): Node {
  const ready = o.ready === undefined ? 'True' : o.ready === 'Unknown' ? 'Unknown' : o.ready ? 'True' : 'False';
  const allocatable = { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: String(o.pods ?? 110) };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: o.name, labels: { 'kubernetes.io/hostname': o.name, ...(o.labels ?? {}) } },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: {
      capacity: { ...allocatable },
      allocatable,
      conditions: [{ type: 'Ready', status: ready, reason: ready === 'True' ? 'KubeletReady' : 'NodeNotReady' }],
    },
  };
}

export interface PodSpecLite {
  name: string;
  namespace?: string;
  cpu?: string;
  memory?: string;
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  affinity?: Affinity;
  tolerations?: Toleration[];
  hostPorts?: (number | { port: number; protocol?: 'TCP' | 'UDP'; hostIP?: string })[];
  ownerUid?: string;
  labels?: Record<string, string>;
  priority?: number;
  creationTimestamp?: string;
  schedulerName?: string;
  uid?: string;
}

export function makePod(o: PodSpecLite): Pod {
  const requests: Record<string, string> = {};
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  const ports = (o.hostPorts ?? []).map((p) =>
    typeof p === 'number'
      ? { containerPort: p, hostPort: p }
      : { containerPort: p.port, hostPort: p.port, ...(p.protocol ? { protocol: p.protocol } : {}), ...(p.hostIP ? { hostIP: p.hostIP } : {}) },
  );
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: o.name,
      namespace: o.namespace ?? 'default',
      uid: o.uid ?? `uid-${o.name}`,
      creationTimestamp: o.creationTimestamp ?? '2026-01-01T00:00:00Z',
      ...(o.labels ? { labels: o.labels } : {}),
      ...(o.ownerUid
        ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `rs-${o.ownerUid}`, uid: o.ownerUid, controller: true }] }
        : {}),
    },
    spec: {
      containers: [
        {
          name: 'c',
          image: 'orch.local/busybox:latest',
          ...(Object.keys(requests).length ? { resources: { requests } } : {}),
          ...(ports.length ? { ports } : {}),
        },
      ],
      ...(o.nodeName ? { nodeName: o.nodeName } : {}),
      ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
      ...(o.affinity ? { affinity: o.affinity } : {}),
      ...(o.tolerations ? { tolerations: o.tolerations } : {}),
      ...(o.priority !== undefined ? { priority: o.priority } : {}),
      ...(o.schedulerName ? { schedulerName: o.schedulerName } : {}),
    },
    status: { phase: 'Pending' },
  };
  return pod;
}

/** A snapshot holding these nodes and (bound) pods. */
export function makeSnapshot(nodes: Node[], pods: Pod[] = []): ClusterSnapshot {
  const s = new ClusterSnapshot();
  for (const n of nodes) s.upsertNode(n);
  for (const p of pods) s.upsertPod(p);
  return s;
}
