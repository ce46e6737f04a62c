// Pure: the Node object an agent publishes, from `docker info` and the agent's flags.

import os from 'node:os';
import { formatCpu } from '../api/quantity.js';
import type { Node, NodeCondition, NodeStatus } from '../api/types.js';
import type { RuntimeInfo } from './runtime/types.js';

export interface NodeIdentity {
  nodeName: string;
  nodeIP: string;
  hostname: string;
  labels: Record<string, string>;
  /** Annotations the agent owns on its Node (the local-path directory, storage.orch.io/local-path-root). */
  annotations?: Record<string, string>;
  /** Millicores and bytes held back for the host and system daemons. */
  reservedCpuMillis: number;
  reservedMemoryBytes: number;
  maxPods: number;
  logPort: number;
  agentVersion: string;
}

/** Node architecture names as Kubernetes labels use them. */
export function goArch(arch: string): string {
  const a = arch.toLowerCase();
  if (a === 'x86_64' || a === 'x64' || a === 'amd64') return 'amd64';
  if (a === 'aarch64' || a === 'arm64') return 'arm64';
  if (a.startsWith('arm')) return 'arm';
  return a;
}

export function nodeLabels(id: NodeIdentity, info: RuntimeInfo | undefined): Record<string, string> {
  return {
    'kubernetes.io/hostname': id.nodeName,
    'kubernetes.io/os': info?.osType ?? 'linux',
    'kubernetes.io/arch': goArch(info?.architecture ?? os.arch()),
    ...id.labels,
  };
}

/**
 * Ready needs Docker and, as the kubelet's does, the pod network: a node whose network is
 * not programmed yet (no pod CIDR, bridge or firewall missing) would get pods no one can
 * reach, so the scheduler must not pick it and Ready must not be claimed before it works.
 */
export function readyCondition(dockerError: string | undefined, now: string, prev?: NodeCondition, networkError?: string): NodeCondition {
  const c: NodeCondition = dockerError
    ? { type: 'Ready', status: 'False', reason: 'DockerUnreachable', message: `container runtime is down: ${dockerError}` }
    : networkError
      ? { type: 'Ready', status: 'False', reason: 'NetworkPluginNotReady', message: `container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:orch: ${networkError}` }
      : { type: 'Ready', status: 'True', reason: 'AgentReady', message: 'orch agent is posting ready status' };
  c.lastHeartbeatTime = now;
  c.lastTransitionTime = prev && prev.status === c.status ? (prev.lastTransitionTime ?? now) : now;
  return c;
}

/**
 * Node status. `info` is the last successful `docker info` (capacity stays known while
 * Docker is down); dockerError says why Docker is unreachable now, if it is; networkError
 * why the pod network is not ready, if it is not.
 */
export function buildNodeStatus(id: NodeIdentity, info: RuntimeInfo | undefined, dockerError: string | undefined, now: string, prev?: NodeStatus, networkError?: string): NodeStatus {
  const cpuMillis = (info?.ncpu ?? os.cpus().length) * 1000;
  const memBytes = info?.memTotalBytes ?? os.totalmem();
  const memKi = (b: number) => `${Math.max(0, Math.floor(b / 1024))}Ki`;
  const prevReady = prev?.conditions?.find((c) => c.type === 'Ready');
  return {
    capacity: { cpu: formatCpu(cpuMillis), memory: memKi(memBytes), pods: String(id.maxPods) },
    allocatable: {
      cpu: formatCpu(Math.max(0, cpuMillis - id.reservedCpuMillis)),
      memory: memKi(memBytes - id.reservedMemoryBytes),
      pods: String(id.maxPods),
    },
    conditions: [
      ...(prev?.conditions ?? []).filter((c) => c.type !== 'Ready'),
      readyCondition(dockerError, now, prevReady, networkError),
    ],
    addresses: [
      { type: 'InternalIP', address: id.nodeIP },
      { type: 'Hostname', address: id.hostname },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: id.logPort } },
    nodeInfo: {
      kernelVersion: info?.kernelVersion ?? os.release(),
      osImage: info?.operatingSystem ?? `${os.type()} ${os.release()}`,
      containerRuntimeVersion: info ? `docker://${info.serverVersion}` : 'docker://unknown',
      kubeletVersion: `orch/${id.agentVersion}`,
      operatingSystem: info?.osType ?? 'linux',
      architecture: goArch(info?.architecture ?? os.arch()),
    },
  };
}

/** True when two statuses differ in anything but heartbeat times (what forces an early update). */
export function statusChanged(a: NodeStatus | undefined, b: NodeStatus): boolean {
  const strip = (s: NodeStatus | undefined) =>
    JSON.stringify({ ...s, conditions: s?.conditions?.map((c) => ({ ...c, lastHeartbeatTime: undefined })) });
  return strip(a) !== strip(b);
}

export function newNode(id: NodeIdentity, info: RuntimeInfo | undefined): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name: id.nodeName, labels: nodeLabels(id, info), ...(id.annotations ? { annotations: id.annotations } : {}) }, spec: {} };
}
