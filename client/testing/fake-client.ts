// FakeClient: an in-memory Client for fast unit tests of controllers, the scheduler and
// the agent. It behaves like the apiserver where controllers depend on it (409
// AlreadyExists / Conflict, 404, monotonically increasing resourceVersions, generateName,
// selectors, status/spec separation, watch from a resourceVersion, 410 after compact())
// and records every call in `actions`. It is no substitute for integration tests against
// the real apiserver. Deletes are immediate (no finalizers, no grace periods).
//
// Recorded verbs are the ResourceClient method names: get, list, watch, create, update,
// updateStatus, patch, patchStatus, delete, getScale, updateScale, bind.

import { Readable } from 'node:stream';
import { errors, type Status } from '../../api/errors.js';
import { deepClone, deepEqual } from '../../api/meta.js';
import { applyJsonPatch } from '../../api/patch/json-patch.js';
import { applyMergePatch } from '../../api/patch/merge-patch.js';
import { applyStrategicMergePatch } from '../../api/patch/strategic-merge.js';
import { parseFieldSelector } from '../../api/selectors/fields.js';
import { labelSelectorToString, matchesLabels, parseLabelSelector } from '../../api/selectors/labels.js';
import { apiVersionOf, objectKey, resolveResourceName, RESOURCES, type ResourceInfo } from '../../api/resources.js';
import type { Binding, KubeList, KubeObject, Scale } from '../../api/types.js';
import { realClock, type Clock } from '../../foundation/clock.js';
import { FakeWatch } from './fake-watch.js';
import type { Client, DeleteOptions, ListOptions, PatchType, PodLogOptions, ResourceClient, WatchOptions, WriteOptions } from '../types.js';

export interface FakeAction {
  verb: string;
  resource: string;
  namespace?: string;
  name?: string;
  object?: unknown;
}

/** Return undefined to pass, a value to answer with it, or throw to fail the call. */
export type FakeReactor = (action: FakeAction) => unknown;

interface HistoryEntry {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
  prev?: KubeObject;
}

interface WatchSub {
  watch: FakeWatch<KubeObject>;
  matches: (obj: KubeObject) => boolean;
}

const NOT_STORED = Symbol('not stored');

export class FakeClient implements Client {
  readonly actions: FakeAction[] = [];
  private readonly reactors: Array<{ verb: string; resource: string; fn: FakeReactor }> = [];
  private readonly stores = new Map<string, Map<string, KubeObject>>();
  private readonly history = new Map<string, HistoryEntry[]>();
  private readonly subs = new Map<string, Set<WatchSub>>();
  private readonly logs = new Map<string, string>();
  private readonly clients = new Map<string, ResourceClient<KubeObject>>();
  private readonly clock: Clock;
  private rv = 1;
  private compactedRV = 0;
  private uidSeq = 0;

  constructor(opts: { clock?: Clock } = {}) {
    this.clock = opts.clock ?? realClock;
  }

  // ------------------------------------------------------------------ test hooks

  /** Add objects without recording actions (namespace defaults to 'default' for namespaced kinds). */
  seed(objects: KubeObject[]): void {
    for (const o of objects) {
      const info = this.infoFor(o);
      this.store(info, this.prepareNew(info, deepClone(o)), 'ADDED');
    }
  }

  /** The next call matching verb/resource ('*' matches any) throws err, once. */
  failNext(verb: string, resource: string, err: Error): void {
    let used = false;
    this.prependReactor(verb, resource, () => {
      if (used) return undefined;
      used = true;
      throw err;
    });
  }

  /** Reactors run first, newest first; see FakeReactor. */
  prependReactor(verb: string, resource: string, fn: FakeReactor): void {
    this.reactors.unshift({ verb, resource, fn });
  }

  clearActions(): void {
    this.actions.length = 0;
  }

  /** Actions filtered by verb (and resource). */
  actionsFor(verb: string, resource?: string): FakeAction[] {
    return this.actions.filter((a) => a.verb === verb && (!resource || a.resource === resource));
  }

  /** Forget history up to now: watches from an older resourceVersion get 410. */
  compact(): void {
    this.compactedRV = this.rv;
    for (const h of this.history.values()) h.length = 0;
  }

  /** Make every open watch throw (a dropped connection); informers reconnect. */
  breakWatches(err: Error = errors.unavailable('fake: watch connection lost')): void {
    for (const set of this.subs.values()) for (const s of [...set]) s.watch.fail(err);
  }

  /** End every open watch cleanly (like the server's watch timeout). */
  endWatches(): void {
    for (const set of this.subs.values()) for (const s of [...set]) s.watch.end();
  }

  setPodLogs(namespace: string, name: string, text: string): void {
    this.logs.set(`${namespace}/${name}`, text);
  }

  /** Current stored object (a copy), bypassing actions. */
  peek<T extends KubeObject = KubeObject>(resource: string, name: string, namespace?: string): T | undefined {
    const info = this.info(resource);
    const o = this.storeOf(info).get(this.key(info, name, namespace));
    return o ? (deepClone(o) as T) : undefined;
  }

  currentResourceVersion(): string {
    return String(this.rv);
  }

  // ------------------------------------------------------------------ Client

  resource<T extends KubeObject = KubeObject>(name: string): ResourceClient<T> {
    const info = this.info(name);
    let rc = this.clients.get(info.plural);
    if (!rc) {
      rc = this.makeResourceClient(info);
      this.clients.set(info.plural, rc);
    }
    return rc as unknown as ResourceClient<T>;
  }

  get namespaces() { return this.resource<import('../../api/types.js').Namespace>('namespaces'); }
  get nodes() { return this.resource<import('../../api/types.js').Node>('nodes'); }
  get pods() { return this.resource<import('../../api/types.js').Pod>('pods'); }
  get services() { return this.resource<import('../../api/types.js').Service>('services'); }
  get endpoints() { return this.resource<import('../../api/types.js').Endpoints>('endpoints'); }
  get configmaps() { return this.resource<import('../../api/types.js').ConfigMap>('configmaps'); }
  get secrets() { return this.resource<import('../../api/types.js').Secret>('secrets'); }
  get events() { return this.resource<import('../../api/types.js').Event>('events'); }
  get deployments() { return this.resource<import('../../api/types.js').Deployment>('deployments'); }
  get replicasets() { return this.resource<import('../../api/types.js').ReplicaSet>('replicasets'); }
  get leases() { return this.resource<import('../../api/types.js').Lease>('leases'); }

  async podLogs(namespace: string, name: string, opts: PodLogOptions = {}): Promise<NodeJS.ReadableStream> {
    this.record({ verb: 'podLogs', resource: 'pods', namespace, name, object: opts });
    const text = this.logs.get(`${namespace}/${name}`);
    if (text === undefined) throw errors.notFound({ plural: 'pods' }, name);
    return Readable.from([Buffer.from(text)]);
  }

  // ------------------------------------------------------------------ internals

  private info(name: string): ResourceInfo {
    const info = resolveResourceName(name);
    if (!info) throw new Error(`unknown resource type "${name}" (known: ${RESOURCES.map((r) => r.plural).join(', ')})`);
    return info;
  }

  private infoFor(o: KubeObject): ResourceInfo {
    const info = o.kind ? resolveResourceName(o.kind) : undefined;
    if (!info) throw new Error(`FakeClient.seed: cannot tell the resource of an object with kind "${o.kind}"`);
    return info;
  }

  private storeOf(info: ResourceInfo): Map<string, KubeObject> {
    let s = this.stores.get(info.plural);
    if (!s) this.stores.set(info.plural, (s = new Map()));
    return s;
  }

  private key(info: ResourceInfo, name: string, namespace?: string): string {
    return info.namespaced ? `${namespace || 'default'}/${name}` : name;
  }

  /** Record the action and run reactors; returns NOT_STORED when no reactor answered. */
  private record(action: FakeAction): unknown {
    this.actions.push(deepClone(action));
    for (const r of this.reactors) {
      if ((r.verb === '*' || r.verb === action.verb) && (r.resource === '*' || r.resource === action.resource)) {
        const res = r.fn(action);
        if (res !== undefined) return res;
      }
    }
    return NOT_STORED;
  }

  private prepareNew(info: ResourceInfo, o: KubeObject): KubeObject {
    o.apiVersion = apiVersionOf(info);
    o.kind = info.kind;
    o.metadata = o.metadata ?? {};
    if (info.namespaced) o.metadata.namespace = o.metadata.namespace || 'default';
    else delete o.metadata.namespace;
    if (!o.metadata.name && o.metadata.generateName) {
      o.metadata.name = `${o.metadata.generateName}${(++this.uidSeq).toString(36).padStart(5, '0')}`;
    }
    if (!o.metadata.name) throw errors.invalid(info.kind, '', [{ reason: 'FieldValueRequired', message: 'name or generateName is required', field: 'metadata.name' }]);
    o.metadata.uid = o.metadata.uid ?? `fake-uid-${++this.uidSeq}`;
    o.metadata.creationTimestamp = o.metadata.creationTimestamp ?? new Date(this.clock.now()).toISOString();
    o.metadata.generation = o.metadata.generation ?? 1;
    return o;
  }

  /** Write (or delete, with obj undefined) and notify watchers. Returns the stored copy. */
  private store(info: ResourceInfo, obj: KubeObject, type: HistoryEntry['type'], prev?: KubeObject): KubeObject {
    const rv = ++this.rv;
    obj.metadata.resourceVersion = String(rv);
    const key = objectKey(obj);
    if (type === 'DELETED') this.storeOf(info).delete(key);
    else this.storeOf(info).set(key, obj);
    let h = this.history.get(info.plural);
    if (!h) this.history.set(info.plural, (h = []));
    const entry: HistoryEntry = { rv, type, object: deepClone(obj), prev: prev && deepClone(prev) };
    h.push(entry);
    for (const sub of this.subs.get(info.plural) ?? []) this.deliver(sub, entry);
    return deepClone(obj);
  }

  private deliver(sub: WatchSub, e: HistoryEntry): void {
    const now = sub.matches(e.object);
    const before = e.prev ? sub.matches(e.prev) : false;
    if (e.type === 'DELETED') {
      if (before || now) sub.watch.push({ type: 'DELETED', object: e.object });
    } else if (e.type === 'ADDED') {
      if (now) sub.watch.push({ type: 'ADDED', object: e.object });
    } else if (now) {
      sub.watch.push({ type: before ? 'MODIFIED' : 'ADDED', object: e.object });
    } else if (before) {
      sub.watch.push({ type: 'DELETED', object: e.object });
    }
  }

  private matcher(info: ResourceInfo, opts: ListOptions): (o: KubeObject) => boolean {
    const labels = opts.labelSelector ? parseLabelSelector(opts.labelSelector) : [];
    const fields = opts.fieldSelector ? parseFieldSelector(opts.fieldSelector, info) : () => true;
    return (o) =>
      (!info.namespaced || !opts.namespace || o.metadata.namespace === opts.namespace) &&
      matchesLabels(labels, o.metadata.labels) &&
      fields(o);
  }

  private existing(info: ResourceInfo, name: string, namespace?: string): KubeObject {
    const o = this.storeOf(info).get(this.key(info, name, namespace));
    if (!o) throw errors.notFound(info, name);
    return o;
  }

  /** Shared by update/patch: RV precondition, spec/status separation, generation, no-op detection. */
  private replace(info: ResourceInfo, current: KubeObject, next: KubeObject, part: 'main' | 'status'): KubeObject {
    const sentRV = next.metadata?.resourceVersion;
    if (sentRV && sentRV !== current.metadata.resourceVersion) {
      throw errors.conflict(info, current.metadata.name ?? '', 'the object has been modified; please apply your changes to the latest version and try again');
    }
    const hasStatus = info.subresources.includes('status');
    let result: KubeObject;
    if (part === 'status') {
      result = { ...deepClone(current), status: deepClone(next.status) };
    } else {
      result = deepClone(next);
      if (hasStatus) {
        if (current.status === undefined) delete result.status;
        else result.status = deepClone(current.status);
      }
      // Server-owned metadata survives whatever the client sent.
      const m = current.metadata;
      result.metadata = { ...result.metadata, name: m.name, namespace: m.namespace, uid: m.uid, creationTimestamp: m.creationTimestamp, generation: m.generation };
    }
    result.apiVersion = current.apiVersion;
    result.kind = current.kind;
    result.metadata.resourceVersion = current.metadata.resourceVersion;
    if (deepEqual(result, current)) return deepClone(current);
    if (part === 'main' && !deepEqual(result.spec, current.spec)) result.metadata.generation = (current.metadata.generation ?? 1) + 1;
    return this.store(info, result, 'MODIFIED', current);
  }

  private applyPatch(current: KubeObject, patch: unknown, type: PatchType): KubeObject {
    if (type === 'json') return applyJsonPatch(current, patch) as KubeObject;
    if (type === 'strategic') return applyStrategicMergePatch(current, patch) as KubeObject;
    return applyMergePatch(current, patch) as KubeObject;
  }

  private makeResourceClient(info: ResourceInfo): ResourceClient<KubeObject> {
    const self = this;
    const res = info.plural;
    const answer = <R>(action: FakeAction, run: () => R): Promise<R> => {
      try {
        const reacted = self.record(action);
        if (reacted !== NOT_STORED) return Promise.resolve(deepClone(reacted) as R);
        return Promise.resolve(run());
      } catch (err) {
        return Promise.reject(err);
      }
    };
    return {
      get: (name, namespace) => answer({ verb: 'get', resource: res, namespace, name }, () => deepClone(self.existing(info, name, namespace))),
      list: (opts: ListOptions = {}) =>
        answer({ verb: 'list', resource: res, namespace: opts.namespace, object: opts }, () => {
          const match = self.matcher(info, opts);
          const all = [...self.storeOf(info).values()].filter(match).sort((a, b) => objectKey(a).localeCompare(objectKey(b)));
          const start = opts.continue ? Number(opts.continue) : 0;
          const end = opts.limit ? start + opts.limit : all.length;
          const list: KubeList<KubeObject> = {
            apiVersion: apiVersionOf(info),
            kind: info.listKind,
            metadata: { resourceVersion: String(self.rv), ...(end < all.length ? { continue: String(end), remainingItemCount: all.length - end } : {}) },
            items: all.slice(start, end).map((o) => deepClone(o)),
          };
          return list;
        }),
      create: (obj: KubeObject, opts?: WriteOptions) =>
        answer({ verb: 'create', resource: res, namespace: obj.metadata?.namespace, name: obj.metadata?.name, object: obj }, () => {
          const o = self.prepareNew(info, deepClone(obj));
          delete o.metadata.resourceVersion;
          if (self.storeOf(info).has(objectKey(o))) throw errors.alreadyExists(info, o.metadata.name ?? '');
          if (opts?.dryRun) return o;
          return self.store(info, o, 'ADDED');
        }),
      update: (obj: KubeObject) =>
        answer({ verb: 'update', resource: res, namespace: obj.metadata?.namespace, name: obj.metadata?.name, object: obj }, () =>
          self.replace(info, self.existing(info, obj.metadata?.name ?? '', obj.metadata?.namespace), obj, 'main'),
        ),
      updateStatus: (obj: KubeObject) =>
        answer({ verb: 'updateStatus', resource: res, namespace: obj.metadata?.namespace, name: obj.metadata?.name, object: obj }, () =>
          self.replace(info, self.existing(info, obj.metadata?.name ?? '', obj.metadata?.namespace), obj, 'status'),
        ),
      patch: (name, namespace, patch, type: PatchType = 'merge') =>
        answer({ verb: 'patch', resource: res, namespace, name, object: patch }, () => {
          const current = self.existing(info, name, namespace);
          return self.replace(info, current, self.applyPatch(current, patch, type), 'main');
        }),
      patchStatus: (name, namespace, patch, type: PatchType = 'merge') =>
        answer({ verb: 'patchStatus', resource: res, namespace, name, object: patch }, () => {
          const current = self.existing(info, name, namespace);
          return self.replace(info, current, self.applyPatch(current, patch, type), 'status');
        }),
      delete: (name, namespace, opts?: DeleteOptions) =>
        answer({ verb: 'delete', resource: res, namespace, name, object: opts }, (): KubeObject | Status => {
          const current = self.existing(info, name, namespace);
          const pre = opts?.preconditions;
          if ((pre?.uid && pre.uid !== current.metadata.uid) || (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion)) {
            throw errors.conflict(info, name, 'the precondition did not match');
          }
          if (!opts?.dryRun) self.store(info, deepClone(current), 'DELETED', current);
          return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200, details: { name, kind: res } };
        }),
      watch: (opts: WatchOptions = {}) => {
        self.record({ verb: 'watch', resource: res, namespace: opts.namespace, object: opts });
        const set = self.subs.get(res) ?? new Set<WatchSub>();
        self.subs.set(res, set);
        const watch = new FakeWatch<KubeObject>(() => set.delete(sub));
        const sub: WatchSub = { watch, matches: self.matcher(info, opts) };
        const from = opts.resourceVersion && opts.resourceVersion !== '0' ? Number(opts.resourceVersion) : undefined;
        if (from !== undefined && from < self.compactedRV) {
          watch.push({ type: 'ERROR', object: errors.expired(`too old resource version: ${from} (${self.compactedRV})`).status as unknown as KubeObject });
          watch.end();
          return watch;
        }
        if (from === undefined) {
          for (const o of self.storeOf(info).values()) if (sub.matches(o)) watch.push({ type: 'ADDED', object: deepClone(o) });
        } else {
          for (const e of self.history.get(res) ?? []) if (e.rv > from) self.deliver(sub, e);
        }
        set.add(sub);
        return watch;
      },
      getScale: (name, namespace) =>
        answer({ verb: 'getScale', resource: res, namespace, name }, () => self.toScale(info, self.existing(info, name, namespace))),
      updateScale: (name, namespace, scale: Scale) =>
        answer({ verb: 'updateScale', resource: res, namespace, name, object: scale }, () => {
          const current = self.existing(info, name, namespace);
          const next = deepClone(current) as KubeObject & { spec: { replicas?: number } };
          next.spec = { ...(next.spec ?? {}), replicas: scale.spec?.replicas };
          next.metadata.resourceVersion = scale.metadata?.resourceVersion;
          return self.toScale(info, self.replace(info, current, next, 'main'));
        }),
      bind: (binding: Binding) =>
        answer({ verb: 'bind', resource: res, namespace: binding.metadata?.namespace, name: binding.metadata?.name, object: binding }, () => {
          const name = binding.metadata?.name ?? '';
          const current = self.existing(info, name, binding.metadata?.namespace);
          const spec = (current.spec ?? {}) as { nodeName?: string };
          if (spec.nodeName) throw errors.conflict(info, name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
          const next = deepClone(current);
          next.spec = { ...spec, nodeName: binding.target?.name };
          self.replace(info, current, next, 'main');
        }),
    };
  }

  private toScale(info: ResourceInfo, o: KubeObject): Scale {
    const spec = (o.spec ?? {}) as { replicas?: number; selector?: Parameters<typeof labelSelectorToString>[0] };
    const status = (o.status ?? {}) as { replicas?: number };
    return {
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: { name: o.metadata.name, namespace: o.metadata.namespace, uid: o.metadata.uid, resourceVersion: o.metadata.resourceVersion },
      spec: { replicas: spec.replicas ?? 1 },
      status: { replicas: status.replicas ?? 0, selector: spec.selector ? labelSelectorToString(spec.selector) : undefined },
    };
  }
}
