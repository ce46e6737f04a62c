// Shared by the scheduler e2e tests: Node objects without agents (Ready, with
// allocatable, written through /status as an agent would) and small waits.

import type { Node, Pod } from '../../api/types.js';
import type { Client } from '../../client/types.js';
import { makeNode, type NodeSpecLite } from '../../scheduler/testing/builders.js';
import { eventually } from '../helpers/eventually.js';

/** Creates a Node and sets its status (create ignores status, as in Kubernetes). */
export async function createReadyNode(client: Client, spec: NodeSpecLite): Promise<Node> {
  const node = makeNode(spec);
  const { status, ...rest } = node;
  await client.nodes.create(rest as Node);
  return client.nodes.patchStatus(spec.name, undefined, { status }, 'merge');
}

/** The shared eventually() with this suite's 30 s default. */
export function until<T>(what: string, f: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000): Promise<T> {
  return eventually(what, f, timeoutMs);
}

export async function podsIn(client: Client, namespace: string): Promise<Pod[]> {
  return (await client.pods.list({ namespace })).items;
}

export async function createNamespace(client: Client, name: string): Promise<void> {
  await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}
