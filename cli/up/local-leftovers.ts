// The engine half of `orch down --purge`, run once every component is stopped: what the
// agents of `orch up` left on this host's Docker engine. An agent that was there removed
// its pods' containers itself; one that was not (killed, crash-looping) could not, so
// `orch down --purge` does what its final sweep would have done: remove every container
// of its node whose pod is no longer in the API, its pods' volume directories
// (unmounting their secret tmpfs) and, once unused, its pod network (orch-pods-<node>).
// Containers are chosen as the agent chooses them: `orch.io/node=<node>` and this cluster's `orch.io/cluster` label (agent/cluster-runtime.ts),
// so another cluster sharing the engine and node name is never touched. Then it lists what
// is still there, for `orch down` to report with the command that removes it.

import { ClusterScopedRuntime } from '../../agent/cluster-runtime.js';
import { LABEL_CLUSTER, LABEL_NAMESPACE, LABEL_NODE, LABEL_POD, LABEL_POD_UID } from '../../agent/labels.js';
import { PodVolumes } from '../../agent/pod-volumes.js';
import { podNetworkName } from '../../agent/network/pod-bridge.js';
import { DockerRuntime } from '../../agent/runtime/docker-runtime.js';
import type { ContainerInfo } from '../../agent/runtime/types.js';
import { createLogger } from '../../foundation/logger.js';
import type { LocalAgent } from './local-agents.js';

export interface LeftContainer {
  id: string;
  name: string;
  node?: string;
  /** ns/name of its pod. */
  pod?: string;
}

export interface NodeCleanup {
  node: string;
  removed: LeftContainer[];
  /** Pod volume directories removed (secret tmpfs unmounted first). */
  volumes: number;
  /** The node's pod network (orch-pods-<node>) when it was removed. */
  network?: string;
  /** Why something could not be removed (the engine did not answer, a removal failed). */
  errors: string[];
}

const describeContainer = (c: ContainerInfo): LeftContainer => ({
  id: c.id.slice(0, 12),
  name: c.name,
  node: c.labels[LABEL_NODE],
  pod: c.labels[LABEL_POD] ? `${c.labels[LABEL_NAMESPACE] ?? 'default'}/${c.labels[LABEL_POD]}` : undefined,
});

function runtimeFor(socketPath: string, clusterId: string): ClusterScopedRuntime {
  return new ClusterScopedRuntime(new DockerRuntime({ socketPath, logger: createLogger('orch-down', 'error', { fd: 2 }) }), clusterId);
}

/**
 * Removes the containers of each agent's node whose pod is not in `keep` (uids still in
 * the API), then the volume directories of pods with no container left.
 */
export async function removeLeftovers(agents: LocalAgent[], clusterId: string, keep: Set<string>): Promise<NodeCleanup[]> {
  const out: NodeCleanup[] = [];
  for (const a of agents) {
    const result: NodeCleanup = { node: a.node, removed: [], volumes: 0, errors: [] };
    out.push(result);
    const runtime = runtimeFor(a.dockerSocket, clusterId);
    let containers: ContainerInfo[];
    try {
      containers = await runtime.listContainers({ [LABEL_NODE]: a.node });
    } catch (err) {
      result.errors.push(`cannot list its containers on the Docker engine at ${a.dockerSocket}: ${(err as Error).message}`);
      continue;
    }
    const busy = new Set<string>();
    await Promise.all(
      containers.map(async (c) => {
        const uid = c.labels[LABEL_POD_UID];
        if (!uid || keep.has(uid)) {
          busy.add(uid ?? '');
          return;
        }
        try {
          await runtime.remove(c.id, { force: true });
          result.removed.push(describeContainer(c));
        } catch (err) {
          busy.add(uid);
          result.errors.push(`cannot remove container ${c.name}: ${(err as Error).message}`);
        }
      }),
    );
    const volumes = new PodVolumes(a.rootDir, [], { runDir: a.runDir });
    for (const uid of await volumes.knownPodUids()) {
      if (busy.has(uid) || keep.has(uid)) continue;
      try {
        await volumes.cleanup(uid);
        result.volumes++;
      } catch (err) {
        result.errors.push(`cannot remove the volumes of pod ${uid} under ${a.rootDir}: ${(err as Error).message}`);
      }
    }
    // The node's Docker network carries the pod range this cluster gave it: a next cluster
    // may give that range to another node, and Docker refuses overlapping networks.
    const name = podNetworkName(a.node);
    try {
      const n = await runtime.inner.inspectNetwork(name);
      if (n && n.containers === 0) {
        await runtime.inner.removeNetwork(name);
        result.network = name;
      } else if (n) {
        result.errors.push(`Docker network ${name} is kept: ${n.containers} container(s) still use it`);
      }
    } catch (err) {
      result.errors.push(`cannot remove Docker network ${name}: ${(err as Error).message}`);
    }
  }
  return out;
}

/** Containers of this cluster still on the agents' engines, by engine socket. */
export async function remainingContainers(agents: LocalAgent[], clusterId: string): Promise<Map<string, LeftContainer[] | Error>> {
  const out = new Map<string, LeftContainer[] | Error>();
  for (const socket of new Set(agents.map((a) => a.dockerSocket))) {
    const runtime = runtimeFor(socket, clusterId);
    try {
      const found = new Map<string, ContainerInfo>();
      for (const c of await runtime.inner.listContainers({ [LABEL_CLUSTER]: clusterId })) found.set(c.id, c);
      // Containers made before the cluster label existed count as the node's, as for its agent.
      for (const a of agents.filter((x) => x.dockerSocket === socket)) for (const c of await runtime.listContainers({ [LABEL_NODE]: a.node })) found.set(c.id, c);
      out.set(socket, [...found.values()].map(describeContainer));
    } catch (err) {
      out.set(socket, err as Error);
    }
  }
  return out;
}
