// FakeClient: an in-memory Client for fast unit tests of controllers, the scheduler and
// the agent. Every write runs the apiserver's own rules (api/strategies: defaults,
// validation, generation on spec changes only, status reset on create and kept apart
// from spec, Pending phase for new pods, immutable fields, binding, scale, graceful pod
// deletion and finalizers), so it cannot drift from the server; what it keeps itself is
// storage: monotonically increasing resourceVersions, 409 on a stale resourceVersion or
// an existing name, selectors, watch from a resourceVersion, 410 after compact().
// test/contract/ runs one suite against this fake and against the real apiserver.
// Known differences: namespaces need not exist, generateName suffixes are a sequence,
// and seed() stores objects as given (defaults and server metadata filled in, status
// kept, nothing validated) so tests can set up any state.
//
// Recorded verbs are the ResourceClient method names: get, list, watch, create, update,
// updateStatus, patch, patchStatus, delete, getScale, updateScale, bind.

import { Readable } from 'node:stream';
import { errors, type Status } from '../../api/errors.js';
import { applyDefaults } from '../../api/defaults.js';
import { deepClone } from '../../api/meta.js';
import type { PatchType } from '../../api/patch/apply.js';
import { apiVersionOf, resolveResourceName, RESOURCES, type ResourceInfo } from '../../api/resources.js';
import { strategyFor } from '../../api/strategies/kinds.js';
import { checkBody, checkPatch, finalState, modifiedConflict, patchedBody, planUpdate, prepareCreate } from '../../api/strategies/object-prep.js';
import { checkDeletable, checkDeleteOptions, deleteAnswer, planDelete } from '../../api/strategies/deletion.js';
import { boundPod, checkBinding, checkScaleBody, scaledObject, toScale } from '../../api/strategies/subresources.js';
import { isoSeconds } from '../../api/time.js';
import type { Binding, KubeObject, Scale } from '../../api/types.js';
import { realClock, type Clock } from '../../foundation/clock.js';
import { FakeStore } from './fake-store.js';
import type { Client, DeleteOptions, ListOptions, PodLogOptions, ResourceClient, WatchOptions, WriteOptions } from '../types.js';

export interface FakeAction {
  verb: string;
  resource: string;
  namespace?: string;
  name?: string;
  object?: unknown;
}

/** Return undefined to pass, a value to answer with it, or throw to fail the call. */
export type FakeReactor = (action: FakeAction) => unknown;

const NOT_STORED = Symbol('not stored');

export class FakeClient implements Client {
  readonly actions: FakeAction[] = [];
  private readonly reactors: Array<{ verb: string; resource: string; fn: FakeReactor }> = [];
  private readonly objects = new FakeStore();
  private readonly logs = new Map<string, string>();
  private readonly clients = new Map<string, ResourceClient<KubeObject>>();
  private readonly clock: Clock;
  private uidSeq = 0;

  constructor(opts: { clock?: Clock } = {}) {
    this.clock = opts.clock ?? realClock;
  }

  // ------------------------------------------------------------------ test hooks

  /**
   * Add objects as if they had been stored long ago, without recording actions: server
   * metadata and defaults are filled in where missing, status and deletion state are
   * kept, nothing is validated (namespace defaults to 'default' for namespaced kinds).
   */
  seed(objects: KubeObject[]): void {
    for (const o of objects) {
      const info = this.infoFor(o);
      this.objects.write(info, this.seeded(info, deepClone(o)), 'ADDED');
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
    this.objects.compact();
  }

  /** Make every open watch throw (a dropped connection); informers reconnect. */
  breakWatches(err: Error = errors.unavailable('fake: watch connection lost')): void {
    this.objects.breakWatches(err);
  }

  /** End every open watch cleanly (like the server's watch timeout). */
  endWatches(): void {
    this.objects.endWatches();
  }

  setPodLogs(namespace: string, name: string, text: string): void {
    this.logs.set(`${namespace}/${name}`, text);
  }

  /** Current stored object (a copy), bypassing actions. */
  peek<T extends KubeObject = KubeObject>(resource: string, name: string, namespace?: string): T | undefined {
    const o = this.objects.get(this.info(resource), name, namespace);
    return o ? (deepClone(o) as T) : undefined;
  }

  /** Every stored object of a resource (copies), bypassing actions. */
  peekAll<T extends KubeObject = KubeObject>(resource: string): T[] {
    return this.objects.list(this.info(resource), {}).items as T[];
  }

  currentResourceVersion(): string {
    return this.objects.resourceVersion;
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

  private seeded(info: ResourceInfo, o: KubeObject): KubeObject {
    o.apiVersion = apiVersionOf(info);
    o.kind = info.kind;
    const md = (o.metadata ??= {});
    if (info.namespaced) md.namespace = md.namespace || 'default';
    else delete md.namespace;
    if (!md.name && md.generateName) md.name = this.generatedName(md.generateName);
    if (!md.name) throw new Error(`FakeClient.seed: a ${info.kind} without a name`);
    md.uid ??= this.newUid();
    md.creationTimestamp ??= this.nowIso();
    if (strategyFor(info).specFields.length > 0) md.generation ??= 1;
    else delete md.generation;
    applyDefaults(info, o);
    return o;
  }

  private newUid(): string {
    return `fake-uid-${++this.uidSeq}`;
  }

  private generatedName(prefix: string): string {
    return `${prefix}${(++this.uidSeq).toString(36).padStart(5, '0')}`;
  }

  private nowIso(): string {
    return isoSeconds(this.clock.now());
  }

  private existing(info: ResourceInfo, name: string, namespace?: string): KubeObject {
    const o = this.objects.get(info, name, namespace);
    if (!o) throw errors.notFound(info, name);
    return o;
  }

  /** The namespace a single-object call addresses (as the REST client: 'default' when not given). */
  private nsOf(info: ResourceInfo, namespace: string | undefined): string | undefined {
    return info.namespaced ? namespace || 'default' : undefined;
  }

  /** Store what an update plan says, as the apiserver's store does; dryRun stores nothing. */
  private applyUpdate(info: ResourceInfo, current: KubeObject, body: KubeObject, subresource: string | undefined, dryRun = false): KubeObject {
    const plan = planUpdate(info, current, body, { subresource });
    if (plan.action === 'none') return deepClone(current);
    if (plan.action === 'store') return dryRun ? plan.object : this.objects.write(info, plan.object, 'MODIFIED', current);
    if (dryRun) return finalState(plan.final, current.metadata.resourceVersion);
    const removed = this.objects.write(info, deepClone(current), 'DELETED', current);
    return finalState(plan.final, removed.metadata.resourceVersion);
  }

  /** update/updateStatus: the body's resourceVersion, when set, must be the stored one. */
  private update(info: ResourceInfo, obj: KubeObject, subresource: string | undefined, opts?: WriteOptions): KubeObject {
    const name = obj.metadata?.name ?? '';
    const body = checkBody(info, deepClone(obj), { namespace: this.nsOf(info, obj.metadata?.namespace), name });
    const current = this.existing(info, name, body.metadata.namespace);
    const rv = body.metadata.resourceVersion;
    if (rv && rv !== current.metadata.resourceVersion) throw modifiedConflict(info, name);
    return this.applyUpdate(info, current, body, subresource, opts?.dryRun);
  }

  private patch(info: ResourceInfo, name: string, namespace: string | undefined, patch: unknown, type: PatchType, subresource: string | undefined, opts?: WriteOptions): KubeObject {
    checkPatch(type, patch);
    const ns = this.nsOf(info, namespace);
    const current = this.existing(info, name, ns);
    return this.applyUpdate(info, current, patchedBody(info, current, type, patch, { namespace: ns, name }), subresource, opts?.dryRun);
  }

  private create(info: ResourceInfo, obj: KubeObject, opts?: WriteOptions): KubeObject {
    const o = checkBody(info, deepClone(obj), { namespace: this.nsOf(info, obj.metadata?.namespace) });
    const md = o.metadata;
    if (!md.name && typeof md.generateName === 'string' && md.generateName !== '') md.name = this.generatedName(md.generateName);
    prepareCreate(info, o, { now: this.nowIso(), uid: this.newUid() });
    if (this.objects.has(info, o)) throw errors.alreadyExists(info, md.name ?? '');
    return opts?.dryRun ? o : this.objects.write(info, o, 'ADDED');
  }

  private delete(info: ResourceInfo, name: string, namespace: string | undefined, opts: DeleteOptions = {}): KubeObject | Status {
    checkDeletable(info, name);
    const parsed = checkDeleteOptions({ ...opts, dryRun: Boolean(opts.dryRun) });
    const current = this.existing(info, name, this.nsOf(info, namespace));
    const plan = planDelete(info, current, parsed, this.clock.now());
    if (plan.action === 'none') return deleteAnswer(info, deepClone(current), false);
    if (plan.action === 'update') return deleteAnswer(info, parsed.dryRun ? plan.object : this.objects.write(info, plan.object, 'MODIFIED', current), false);
    return deleteAnswer(info, parsed.dryRun ? deepClone(current) : this.objects.write(info, deepClone(current), 'DELETED', current), true);
  }

  private updateScale(info: ResourceInfo, name: string, namespace: string | undefined, scale: Scale): Scale {
    const { replicas, resourceVersion } = checkScaleBody(scale, name);
    const current = this.existing(info, name, this.nsOf(info, namespace));
    if (resourceVersion && resourceVersion !== current.metadata.resourceVersion) throw modifiedConflict(info, name);
    const next = scaledObject(info, current, replicas);
    return toScale(next === current ? current : this.objects.write(info, next, 'MODIFIED', current));
  }

  private bind(info: ResourceInfo, binding: Binding): void {
    const name = binding.metadata?.name ?? '';
    const ns = this.nsOf(info, binding.metadata?.namespace)!;
    const checked = checkBinding({ apiVersion: 'v1', kind: 'Binding', ...binding }, name, ns);
    const current = this.existing(info, name, ns);
    const rv = checked.metadata?.resourceVersion;
    if (rv && rv !== current.metadata.resourceVersion) throw modifiedConflict(info, name);
    this.objects.write(info, boundPod(info, current, checked, this.nowIso()), 'MODIFIED', current);
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
      list: (opts: ListOptions = {}) => answer({ verb: 'list', resource: res, namespace: opts.namespace, object: opts }, () => self.objects.list(info, opts)),
      create: (obj: KubeObject, opts?: WriteOptions) =>
        answer({ verb: 'create', resource: res, namespace: obj.metadata?.namespace, name: obj.metadata?.name, object: obj }, () => self.create(info, obj, opts)),
      update: (obj: KubeObject, opts?: WriteOptions) =>
        answer({ verb: 'update', resource: res, namespace: obj.metadata?.namespace, name: obj.metadata?.name, object: obj }, () => self.update(info, obj, undefined, opts)),
      updateStatus: (obj: KubeObject, opts?: WriteOptions) =>
        answer({ verb: 'updateStatus', resource: res, namespace: obj.metadata?.namespace, name: obj.metadata?.name, object: obj }, () => self.update(info, obj, 'status', opts)),
      updateSubresource: (obj: KubeObject, subresource: 'approval', opts?: WriteOptions) =>
        answer({ verb: 'updateSubresource', resource: res, namespace: obj.metadata?.namespace, name: obj.metadata?.name, object: obj }, () => self.update(info, obj, subresource, opts)),
      patch: (name, namespace, patch, type: PatchType = 'merge', opts?: WriteOptions) =>
        answer({ verb: 'patch', resource: res, namespace, name, object: patch }, () => self.patch(info, name, namespace, patch, type, undefined, opts)),
      patchStatus: (name, namespace, patch, type: PatchType = 'merge') =>
        answer({ verb: 'patchStatus', resource: res, namespace, name, object: patch }, () => self.patch(info, name, namespace, patch, type, 'status')),
      delete: (name, namespace, opts?: DeleteOptions) =>
        answer({ verb: 'delete', resource: res, namespace, name, object: opts }, () => self.delete(info, name, namespace, opts)),
      watch: (opts: WatchOptions = {}) => {
        self.record({ verb: 'watch', resource: res, namespace: opts.namespace, object: opts });
        return self.objects.watch(info, opts);
      },
      getScale: (name, namespace) => answer({ verb: 'getScale', resource: res, namespace, name }, () => toScale(self.existing(info, name, self.nsOf(info, namespace)))),
      updateScale: (name, namespace, scale: Scale) =>
        answer({ verb: 'updateScale', resource: res, namespace, name, object: scale }, () => self.updateScale(info, name, namespace, scale)),
      bind: (binding: Binding) =>
        answer({ verb: 'bind', resource: res, namespace: binding.metadata?.namespace, name: binding.metadata?.name, object: binding }, () => self.bind(info, binding)),
    };
  }
}
