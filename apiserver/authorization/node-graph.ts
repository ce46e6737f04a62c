// The node authorizer's graph (Kubernetes' plugin/pkg/auth/authorizer/node graph, cut down
// to what orch serves): node → pods bound to it → the Secrets, ConfigMaps, ServiceAccounts
// and PersistentVolumeClaims they name (pod-references.ts). Fed by a list + watch of pods
// through the storage's shared watch (storage-follower.ts); a watch that ends
// (compaction, 410) relists, and the storage's watch itself resumes across etcd
// restarts, so the graph converges after an outage.
//
// Memory: per bound pod its node and reference keys, per node a count per reference
// (several pods sharing a Secret count it once each). Each pod event is O(references of
// that pod), a lookup is two Map reads.
//
// Races (decision): a pod bound a moment ago must be readable by its node at once; the
// agent fetches its Secrets right after its own watch shows the binding, possibly through
// another apiserver. When the graph has no path, catchUp() reads that namespace's pods of
// that node from etcd (current revision) and, if one of them does reference the object,
// waits (bounded, 2 s by default) until the graph's watch has delivered that pod's revision,
// then answers from the graph. So the graph stays the one source of "allowed", and a real
// "no" costs one namespace-scoped etcd read and no wait.

import type { Logger } from 'pino';
import type { KubeObject } from '../../api/types.js';
import { StorageFollower } from '../storage-follower.js';
import type { Storage } from '../storage/types.js';
import { podReferences, type RefKind } from './pod-references.js';

/** What the node authorizer asks of the graph. */
export interface NodeGraphView {
  /** The first list has been loaded. */
  synced(): boolean;
  /** A pod bound to `node` references `kind` `namespace/name`. */
  hasPath(node: string, kind: RefKind, namespace: string, name: string): boolean;
  /**
   * hasPath() once the graph has seen every pod write that concerns this question up to
   * now (bounded by timeoutMs): the answer to use before refusing.
   */
  catchUp(node: string, kind: RefKind, namespace: string, name: string, timeoutMs: number): Promise<boolean>;
}

interface PodEntry {
  node: string;
  refs: string[];
}

interface Waiter {
  done: () => boolean;
  resolve: () => void;
}

const refKey = (kind: RefKind, namespace: string, name: string) => `${kind}\0${namespace}\0${name}`;

export class NodeGraph implements NodeGraphView {
  private pods = new Map<string, PodEntry>();
  private byNode = new Map<string, Map<string, number>>();
  /** Every pod event up to this etcd revision has been applied. */
  private revision = 0;
  private readonly waiters = new Set<Waiter>();
  private readonly follower: StorageFollower;

  constructor(
    private readonly storage: Storage,
    /** Key prefix of all pods (registry/keys.ts collectionPrefix of pods). */
    private readonly podsPrefix: string,
    logger: Logger,
  ) {
    this.follower = new StorageFollower({
      storage,
      prefix: podsPrefix,
      logger,
      name: 'node graph',
      // The old graph keeps answering until the relist replaces it (a pod deleted meanwhile
      // keeps its edges a moment longer; a new one is found by catchUp's etcd read).
      keepSyncedWhileRelisting: true,
      onList: (items, revision) => {
        this.pods = new Map();
        this.byNode = new Map();
        this.revision = 0;
        for (const p of items) this.apply(keyOf(p), p, 0);
        this.revision = revision;
      },
      onEvent: (ev) => this.apply(keyOf(ev.object), ev.type === 'DELETED' ? undefined : ev.object, ev.revision),
      onSynced: () => this.wake(),
    });
  }

  private get isSynced(): boolean {
    return this.follower.synced;
  }

  start(): void {
    this.follower.start();
  }

  stop(): void {
    this.follower.stop();
    for (const w of this.waiters) w.resolve();
    this.waiters.clear();
  }

  synced(): boolean {
    return this.isSynced;
  }

  /** For /readyz: the API is not served to nodes correctly before the first list. */
  notReadyReason(): string | undefined {
    return this.isSynced ? undefined : 'node authorizer graph not synced yet';
  }

  hasPath(node: string, kind: RefKind, namespace: string, name: string): boolean {
    return (this.byNode.get(node)?.get(refKey(kind, namespace, name)) ?? 0) > 0;
  }

  /** Sizes, for tests and metrics. */
  stats(): { pods: number; nodes: number; revision: number } {
    return { pods: this.pods.size, nodes: this.byNode.size, revision: this.revision };
  }

  async catchUp(node: string, kind: RefKind, namespace: string, name: string, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    if (!this.isSynced && !(await this.waitUntil(() => this.isSynced, timeoutMs))) return false;
    if (this.hasPath(node, kind, namespace, name)) return true;
    // Ground truth at etcd's current revision, limited to that namespace and node.
    const list = await this.storage.list(`${this.podsPrefix}${namespace}/`, {
      predicate: (p) => (p.spec as { nodeName?: string } | undefined)?.nodeName === node && podReferences(p).some((r) => r.kind === kind && r.name === name),
    });
    if (list.items.length === 0) return false;
    const needed = Math.max(...list.items.map((p) => Number(p.metadata.resourceVersion)));
    await this.waitUntil(() => this.revision >= needed || this.hasPath(node, kind, namespace, name), Math.max(0, deadline - Date.now()));
    return this.hasPath(node, kind, namespace, name);
  }

  /** Applies one pod state (undefined: gone). Public for unit tests of the index. */
  apply(key: string, pod: KubeObject | undefined, revision: number): void {
    const old = this.pods.get(key);
    if (old) {
      this.pods.delete(key);
      this.index(old, -1);
    }
    const node = (pod?.spec as { nodeName?: string } | undefined)?.nodeName;
    if (pod && typeof node === 'string' && node !== '') {
      const ns = pod.metadata.namespace ?? 'default';
      const entry: PodEntry = { node, refs: podReferences(pod).map((r) => refKey(r.kind, ns, r.name)) };
      this.pods.set(key, entry);
      this.index(entry, 1);
    }
    if (revision > this.revision) this.revision = revision;
    this.wake();
  }

  private index(e: PodEntry, delta: 1 | -1): void {
    let refs = this.byNode.get(e.node);
    if (!refs) {
      if (delta < 0) return;
      this.byNode.set(e.node, (refs = new Map()));
    }
    for (const k of e.refs) {
      const n = (refs.get(k) ?? 0) + delta;
      if (n > 0) refs.set(k, n);
      else refs.delete(k);
    }
    if (refs.size === 0) this.byNode.delete(e.node);
  }

  private waitUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    if (timeoutMs <= 0 || !this.follower.running) return Promise.resolve(false);
    return new Promise((resolve) => {
      const w: Waiter = {
        done,
        resolve: () => {
          clearTimeout(t);
          this.waiters.delete(w);
          resolve(done());
        },
      };
      const t = setTimeout(w.resolve, timeoutMs);
      t.unref();
      this.waiters.add(w);
    });
  }

  private wake(): void {
    for (const w of this.waiters) if (w.done()) w.resolve();
  }
}

function keyOf(p: KubeObject): string {
  return `${p.metadata.namespace ?? ''}/${p.metadata.name ?? ''}`;
}
