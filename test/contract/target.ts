// What the contract suite runs against: a Client, and the namespace its objects live in.
// Shared fixtures and the watch helper for the suite's files.

import type { ConfigMap, Deployment, KubeObject, Pod } from '../../api/types.js';
import type { Client, Watch } from '../../client/types.js';

export interface ContractTarget {
  client: Client;
  /** A namespace that exists (created by the runner), where every object of the suite goes. */
  namespace: string;
}

export type TargetOf = () => ContractTarget;

let seq = 0;
/** A name no other case of this run uses (one server serves the whole suite). */
export const uniqueName = (prefix: string) => `${prefix}-${++seq}`;

export const pod = (ns: string, name: string, extra: { labels?: Record<string, string>; nodeName?: string } = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, labels: extra.labels },
  spec: { containers: [{ name: 'c', image: 'orch.local/web:v1' }], ...(extra.nodeName ? { nodeName: extra.nodeName } : {}) },
});

export const configMap = (ns: string, name: string, extra: { labels?: Record<string, string>; finalizers?: string[] } = {}): ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns, labels: extra.labels, finalizers: extra.finalizers },
  data: { k: 'v' },
});

export const deployment = (ns: string, name: string, replicas = 2): Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: ns },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'orch.local/web:v1' }] } },
  },
});

/** The error a promise rejects with (the test fails if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail, it succeeded');
}

/** The next `n` events of a watch as "TYPE name", failing after timeoutMs with what came. */
export async function takeEvents<T extends KubeObject>(w: Watch<T>, n: number, timeoutMs = 10_000): Promise<{ type: string; object: T }[]> {
  const out: { type: string; object: T }[] = [];
  const it = w[Symbol.asyncIterator]();
  const deadline = Date.now() + timeoutMs;
  while (out.length < n) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()))));
    const next = await Promise.race([it.next(), timeout]);
    clearTimeout(timer);
    if (next === 'timeout' || next.done) {
      w.stop();
      throw new Error(`watch: wanted ${n} events, got ${out.length} (${out.map((e) => `${e.type} ${e.object.metadata.name}`).join(', ')})`);
    }
    if (next.value.type !== 'BOOKMARK') out.push(next.value);
  }
  return out;
}

/** RFC 3339 with whole seconds, as Kubernetes writes metav1.Time. */
export const WHOLE_SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
