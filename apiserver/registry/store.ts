// The generic registry: create / get / list / update / patch / delete for every kind over
// the Storage contract. What a write does to an object is api/strategies/ (the per-kind
// rules and the pure steps, shared with the fake client); this class reads and writes
// etcd around them, each write in one compare-and-swap. Routes translate HTTP into calls.

import crypto from 'node:crypto';
import { ApiError, errors, isAlreadyExists, isConflict } from '../../api/errors.js';
import { apiVersionOf, RESOURCES, type ResourceInfo } from '../../api/resources.js';
import type { KubeList, KubeObject } from '../../api/types.js';
import type { PatchType } from '../../api/patch/apply.js';
import { checkBody, checkPatch, finalState, modifiedConflict, patchedBody, planUpdate, prepareCreate, sameContent } from '../../api/strategies/object-prep.js';
import { checkDeletable, planDelete, type DeleteOptionsParsed } from '../../api/strategies/deletion.js';
import { nowIso, type Clock } from '../../foundation/clock.js';
import type { Storage, WriteClaims } from '../storage/types.js';
import { canListJson } from '../storage/json-listing.js';
import { parseResourceVersion, type ListOptionsParsed } from '../list-options.js';
import { collectionPrefix, objectKeyFor } from './keys.js';
import type { FieldManager } from '../write-options.js';
import { applyConfig, asksToClear, recordUpdate, type Writer } from '../../api/managed-fields/tracker.js';
import type { ListTypes } from '../../api/managed-fields/list-types.js';
import type { AdmissionPlugin, RequestAdmission } from '../admission/types.js';
import { CRD_GROUP } from '../../api/crd-types.js';
import { WebhookRefusal, type WebhookAttributes, type WebhookHooks } from '../webhooks/types.js';
import { fromStorageVersion, needsReadConversion, toStorageVersion, writtenInRequestVersion } from '../crd/version-conversion.js';

const ALL_ATOMIC: ListTypes = () => ({ type: 'atomic' });

export type { PatchType };

export const PATCH_CONTENT_TYPES: Record<string, PatchType> = {
  'application/merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
  'application/strategic-merge-patch+json': 'strategic',
};

export interface WriteOpts {
  subresource?: string;
  dryRun?: boolean;
  /** Who writes (managedFields); without one the write is not recorded there. */
  fieldManager?: FieldManager;
  /** Extra check on the stored object inside the CAS (e.g. a node may only touch its pods). */
  guard?: (current: KubeObject) => void;
  /**
   * Last check of the object about to be stored against the stored one (undefined on
   * create), after patches and validation, inside the CAS: NodeRestriction on what a node
   * writes into its Node, RBAC escalation prevention. Throws to refuse.
   */
  admit?: (current: KubeObject | undefined, next: KubeObject) => void;
  /** The request's user, warnings and audit annotations, for admission (admission/types.ts). */
  request?: RequestAdmission;
}

export interface DeleteResult {
  /** The object as it is now (pending deletion) or as it was last (removed). */
  object: KubeObject;
  removed: boolean;
}

// Kubernetes' generateName alphabet: no vowels (no accidental words), no look-alikes.
const COMMA = Buffer.from(',');
const LIST_END = Buffer.from(']}');
const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

export class Store {
  /** Optional in-memory namespace lookups (namespace-cache.ts); misses read etcd. */
  namespaceLookup?: (name: string) => KubeObject | undefined;
  /** Told about every namespace this server writes, so its own cache is never behind its own writes. */
  namespaceWritten?: (obj: KubeObject, removed: boolean) => void;
  /** How a kind's lists merge, for managedFields and server-side apply (from the schema model; unset: all atomic). */
  listTypesFor: (r: ResourceInfo) => ListTypes = () => ALL_ATOMIC;
  /** Keys a kind's objects hold, written with them (services/: ClusterIPs and node ports); one per write. */
  claimsFor?: (r: ResourceInfo) => WriteClaims | undefined;
  /** Told about every CRD this server writes (crd/crd-registry.ts), so it serves what it just wrote. */
  crdWritten?: (obj: KubeObject, removed: boolean) => void;
  /** Decides a CRD's accepted names against the other CRDs of its group (crd/crd-naming.ts); runs on creates and main-endpoint updates of CRDs. */
  crdNaming?: (obj: KubeObject, current: KubeObject | undefined) => void;
  /** Admission (admission/): runs on every object about to be stored by create, update, patch or apply. */
  admit?: AdmissionPlugin;
  /** Admission webhooks (webhooks/): called for writes made through the API (those with `request`). */
  webhooks?: WebhookHooks;
  /** Told about every webhook configuration this server writes (webhooks/webhook-cache.ts). */
  webhookConfigWritten?: (r: ResourceInfo, obj: KubeObject, removed: boolean) => void;

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly random: () => number = Math.random,
  ) {}

  private key(r: ResourceInfo, ns: string | undefined, name: string): string {
    return objectKeyFor(r, r.namespaced ? ns : undefined, name);
  }

  private notFound(r: ResourceInfo, name: string): () => Error {
    return () => errors.notFound(r, name);
  }

  /** 404 when the namespace is missing, 403 while it is being deleted (as Kubernetes). */
  async checkNamespaceWritable(ns: string): Promise<KubeObject> {
    const obj = await this.namespaceObject(ns);
    if (!obj) throw errors.notFoundMessage(`namespaces "${ns}" not found`);
    if (obj.metadata.deletionTimestamp)
      throw errors.forbidden(`unable to create new content in namespace ${ns} because it is being terminated`);
    return obj;
  }

  private async namespaceObject(ns: string): Promise<KubeObject | undefined> {
    const nsRes = RESOURCES.find((r) => r.plural === 'namespaces')!;
    return this.namespaceLookup?.(ns) ?? (await this.storage.get(this.key(nsRes, undefined, ns)));
  }

  private generatedName(prefix: string): string {
    let s = '';
    for (let i = 0; i < 5; i++) s += NAME_CHARS[Math.floor(this.random() * NAME_CHARS.length)] ?? 'x';
    return prefix + s;
  }

  /** `next` with managedFields recording this write of `current` (for writes outside write(): /scale). */
  tracked(r: ResourceInfo, current: KubeObject, next: KubeObject, opts: WriteOpts): KubeObject {
    if (next === current) return current;
    return recordUpdate(current, next, this.writer(r, opts), !!opts.fieldManager?.explicit);
  }

  private writer(r: ResourceInfo, opts: WriteOpts): Writer {
    return {
      manager: opts.fieldManager?.name ?? 'unknown',
      apiVersion: apiVersionOf(r),
      time: nowIso(this.clock).replace(/\.\d+Z$/, 'Z'),
      subresource: opts.subresource,
      lists: this.listTypesFor(r),
    };
  }

  async create(r: ResourceInfo, ns: string | undefined, body: unknown, opts: WriteOpts & { applied?: boolean } = {}): Promise<KubeObject> {
    if (r.namespaced && !ns) throw errors.methodNotAllowed(`${r.plural} are namespaced: create them under /namespaces/{namespace}/${r.plural}`);
    let obj = checkBody(r, body, { namespace: ns });
    const md = obj.metadata;
    const generate = !md.name && typeof md.generateName === 'string' && md.generateName !== '';
    if (generate) md.name = this.generatedName(md.generateName!);
    prepareCreate(r, obj, { now: nowIso(this.clock), uid: crypto.randomUUID() });
    if (r.plural === 'customresourcedefinitions' && r.group === CRD_GROUP) this.crdNaming?.(obj, undefined);
    opts.admit?.(undefined, obj);
    // An applied object arrives with its managedFields computed (apply()); others get theirs here.
    if (!opts.applied) recordUpdate(undefined, obj, this.writer(r, opts), !!opts.fieldManager?.explicit);
    const namespace = r.namespaced ? await this.checkNamespaceWritable(ns!) : undefined;
    const hooks = this.webhooksFor(opts.request);
    const hookAttrs = (object: KubeObject): WebhookAttributes => ({
      resource: r, subresource: opts.subresource, operation: 'CREATE', name: md.name ?? '', namespace: r.namespaced ? ns : undefined, object,
      namespaceObject: namespace, dryRun: !!opts.dryRun, options: writeOptions('CreateOptions', opts), request: opts.request!,
    });
    if (hooks) {
      // Mutating webhooks after the built-in mutation, each patch revalidated as a new body.
      const revalidate = (patched: KubeObject) => prepareCreate(r, checkBody(r, patched, { namespace: ns, name: md.name }), { now: md.creationTimestamp!, uid: md.uid! });
      obj = (await hooks.mutate(hookAttrs(obj), revalidate))!;
    }
    this.admit?.({ resource: r, operation: 'create', subresource: opts.subresource, object: obj, namespace, request: opts.request });
    if (hooks) await hooks.validate(hookAttrs(obj));
    if (opts.dryRun) return obj;
    // A generated name can collide; retry with a fresh suffix like Kubernetes' clients do.
    for (let attempt = 0; ; attempt++) {
      try {
        const created = await this.storage.create(this.key(r, ns, obj.metadata.name!), toStorageVersion(r, obj), this.claimsFor?.(r));
        if (r.plural === 'namespaces') this.namespaceWritten?.(created, false);
        if (r.group === WEBHOOK_GROUP) this.webhookConfigWritten?.(r, created, false);
        if (r.plural === 'customresourcedefinitions' && r.group === CRD_GROUP) this.crdWritten?.(created, false);
        return writtenInRequestVersion(r, created);
      } catch (err) {
        if (generate && isAlreadyExists(err) && attempt < 8) {
          md.name = obj.metadata.name = this.generatedName(md.generateName!);
          continue;
        }
        if (isAlreadyExists(err)) throw errors.alreadyExists(r, md.name!);
        throw err;
      }
    }
  }

  async get(r: ResourceInfo, ns: string | undefined, name: string): Promise<KubeObject> {
    const obj = await this.storage.get(this.key(r, ns, name));
    if (!obj) throw errors.notFound(r, name);
    return fromStorageVersion(r, obj);
  }

  /** `warn` hears of objects left out (a stored value that cannot be decrypted). */
  async list(r: ResourceInfo, ns: string | undefined, opts: ListOptionsParsed, warn?: (message: string) => void): Promise<KubeList> {
    const res = await this.storage.list(collectionPrefix(r, ns), {
      limit: opts.limit,
      continueToken: opts.continueToken,
      revision: opts.exactRevision,
      predicate: opts.predicate,
    });
    for (const m of res.undecryptable ?? []) warn?.(m);
    const metadata: KubeList['metadata'] = { resourceVersion: String(res.revision) };
    if (res.continueToken) metadata.continue = res.continueToken;
    if (res.remainingItemCount !== undefined && res.continueToken) metadata.remainingItemCount = res.remainingItemCount;
    const items = needsReadConversion(r) ? res.items.map((o) => fromStorageVersion(r, o)) : res.items;
    return { kind: r.listKind, apiVersion: apiVersionOf(r), metadata, items };
  }

  /**
   * The list as JSON bytes, the same as JSON.stringify(await list(...)), without parsing
   * and re-serialising every item (and without a string the size of the list). Undefined when it cannot (a selector needs the parsed
   * objects, or the storage has no text listing): use list() then.
   */
  async listJson(r: ResourceInfo, ns: string | undefined, opts: ListOptionsParsed, warn?: (message: string) => void): Promise<Buffer | undefined> {
    if (opts.predicate || !canListJson(this.storage) || needsReadConversion(r)) return undefined;
    const res = await this.storage.listJson(collectionPrefix(r, ns), {
      limit: opts.limit,
      continueToken: opts.continueToken,
      revision: opts.exactRevision,
    });
    for (const m of res.undecryptable ?? []) warn?.(m);
    const metadata: KubeList['metadata'] = { resourceVersion: String(res.revision) };
    if (res.continueToken) metadata.continue = res.continueToken;
    if (res.remainingItemCount !== undefined && res.continueToken) metadata.remainingItemCount = res.remainingItemCount;
    const head = JSON.stringify({ kind: r.listKind, apiVersion: apiVersionOf(r), metadata });
    const pieces: Buffer[] = [Buffer.from(`${head.slice(0, -1)},"items":[`)];
    for (let i = 0; i < res.items.length; i++) {
      if (i > 0) pieces.push(COMMA);
      for (const p of res.items[i]!) pieces.push(p);
    }
    pieces.push(LIST_END);
    return Buffer.concat(pieces);
  }

  /**
   * Read-modify-write of one object. `mutate` gets a private copy of the stored object
   * and returns the object to store (`current` = no change, undefined = remove).
   */
  async modify(
    r: ResourceInfo,
    ns: string | undefined,
    name: string,
    mutate: (current: KubeObject) => KubeObject | undefined | Promise<KubeObject | undefined>,
    opts: { expectedRevision?: number; dryRun?: boolean; guard?: (c: KubeObject) => void } = {},
  ): Promise<{ object: KubeObject; removed: boolean }> {
    const key = this.key(r, ns, name);
    if (opts.dryRun) {
      const current = await this.get(r, ns, name);
      opts.guard?.(current);
      // (get() answered in the request's version already.)
      if (opts.expectedRevision !== undefined && String(opts.expectedRevision) !== current.metadata.resourceVersion) throw modifiedConflict(r, name);
      const next = await mutate(current);
      return { object: next ?? current, removed: next === undefined };
    }
    let last: KubeObject | undefined;
    let result: Awaited<ReturnType<Storage['guaranteedUpdate']>>;
    try {
      result = await this.storage.guaranteedUpdate(
        key,
        async (current) => {
          if (!current) throw errors.notFound(r, name);
          opts.guard?.(current);
          // Custom resources: the request's version in, the storage version out (conversion None).
          const seen = writtenInRequestVersion(r, current);
          last = seen;
          const next = await mutate(seen);
          if (next === seen) return current;
          return next && toStorageVersion(r, next);
        },
        { expectedRevision: opts.expectedRevision, notFound: this.notFound(r, name), claims: this.claimsFor?.(r) },
      );
    } catch (err) {
      // Storage does not know resource names; say which object conflicted.
      // (An apply conflict names its fields in causes and is passed on as it is.)
      const details = isConflict(err) ? (err as ApiError).status.details : undefined;
      if (isConflict(err) && !details?.kind && !details?.causes && !(err instanceof WebhookRefusal)) throw modifiedConflict(r, name);
      throw err;
    }
    const out = { object: result.object ? writtenInRequestVersion(r, result.object) : last!, removed: result.deleted };
    if (r.plural === 'namespaces') this.namespaceWritten?.(out.object, out.removed);
    if (r.plural === 'customresourcedefinitions' && r.group === CRD_GROUP && !opts.dryRun) this.crdWritten?.(out.object, out.removed);
    if (r.group === WEBHOOK_GROUP && !opts.dryRun) this.webhookConfigWritten?.(r, out.object, out.removed);
    return out;
  }

  async update(r: ResourceInfo, ns: string | undefined, name: string, body: unknown, opts: WriteOpts = {}): Promise<KubeObject> {
    const obj = checkBody(r, body, { namespace: ns, name });
    const rv = obj.metadata.resourceVersion;
    // No resourceVersion: an unconditional update (last write wins, retried on races),
    // which Kubernetes allows for most kinds too.
    const expectedRevision = rv ? parseResourceVersion(rv, 'metadata.resourceVersion') : undefined;
    return this.write(r, ns, name, () => obj, opts, { expectedRevision, dryRun: opts.dryRun, guard: opts.guard });
  }

  async patch(r: ResourceInfo, ns: string | undefined, name: string, type: PatchType, patch: unknown, opts: WriteOpts = {}): Promise<KubeObject> {
    checkPatch(type, patch);
    return this.write(r, ns, name, (current) => patchedBody(r, current, type, patch, { namespace: ns, name }), opts, { dryRun: opts.dryRun, guard: opts.guard });
  }

  /**
   * Server-side apply (PATCH application/apply-patch+yaml): `config` merged into the object
   * by field ownership (api/managed-fields/), created when it does not exist yet.
   */
  async apply(
    r: ResourceInfo,
    ns: string | undefined,
    name: string,
    config: KubeObject,
    force: boolean,
    opts: WriteOpts & {
      fieldManager: FieldManager;
      /** Mutating admission of a create (a pod's ServiceAccount admission), run on the object an apply creates. */
      admitCreate?: (obj: KubeObject) => Promise<void>;
    },
  ): Promise<{ object: KubeObject; created: boolean }> {
    const w = this.writer(r, { ...opts, subresource: undefined });
    for (let attempt = 0; ; attempt++) {
      try {
        const object = await this.write(r, ns, name, (current) => applyConfig(current, config, w, force), { ...opts, applied: true }, { dryRun: opts.dryRun, guard: opts.guard });
        return { object, created: false };
      } catch (err) {
        if (!isNotFoundOf(err, r, name)) throw err;
      }
      try {
        const fresh = applyConfig(undefined, config, w, force);
        await opts.admitCreate?.(fresh);
        return { object: await this.create(r, ns, fresh, { ...opts, applied: true }), created: true };
      } catch (err) {
        // Created by someone else in between: apply to theirs.
        if (!isAlreadyExists(err) || attempt >= 2) throw err;
      }
    }
  }

  /**
   * Update or patch: `body` (given the stored object) planned by the kind's rules. When it
   * removes the last finalizer of an object being deleted, the object goes, and the answer
   * is its final state at the deletion's resourceVersion (as Kubernetes answers).
   */
  private async write(
    r: ResourceInfo,
    ns: string | undefined,
    name: string,
    body: (current: KubeObject) => KubeObject,
    w: WriteOpts & { applied?: boolean },
    opts: { expectedRevision?: number; dryRun?: boolean; guard?: (c: KubeObject) => void },
  ): Promise<KubeObject> {
    const subresource = w.subresource;
    let final: KubeObject | undefined;
    const hooks = this.webhooksFor(w.request);
    const namespace = (this.admit || hooks) && r.namespaced && ns ? await this.namespaceObject(ns) : undefined;
    const res = await this.modify(
      r,
      ns,
      name,
      async (current) => {
        const next = body(current);
        // managedFields are the server's: carried over (a client that read them sends them
        // back, one that did not leaves them out), cleared only by [{}] as in Kubernetes.
        const clear = !w.applied && asksToClear(next);
        if (!w.applied) carryManagedFields(current, next, clear);
        let plan = planUpdate(r, current, next, { subresource });
        const hookAttrs = (object: KubeObject): WebhookAttributes => ({
          resource: r, subresource, operation: 'UPDATE', name, namespace: r.namespaced ? ns : undefined, object, oldObject: current,
          namespaceObject: namespace, dryRun: !!w.dryRun, options: writeOptions('UpdateOptions', w), request: w.request!,
        });
        if (hooks && plan.action !== 'remove') {
          // Every update goes to the webhooks, a no-op too (one may add to it); a patched object is planned again.
          const proposed = plan.action === 'store' ? plan.object : current;
          const mutated = await hooks.mutate(hookAttrs(proposed), (patched) => {
            const again = planUpdate(r, current, patched, { subresource });
            return again.action === 'store' ? again.object : again.action === 'none' ? current : patched;
          });
          if (mutated !== proposed) plan = planUpdate(r, current, mutated!, { subresource });
        }
        if (plan.action === 'none') {
          if (hooks) await hooks.validate(hookAttrs(current));
          return current;
        }
        if (plan.action === 'store') {
          if (!subresource && this.crdNaming && r.plural === 'customresourcedefinitions' && r.group === CRD_GROUP) {
            this.crdNaming(plan.object, current);
            if (sameContent(plan.object, current)) return current;
          }
          this.admit?.({ resource: r, operation: 'update', subresource, object: plan.object, old: current, namespace, request: w.request });
          w.admit?.(current, plan.object);
          if (hooks) await hooks.validate(hookAttrs(plan.object));
          if (w.applied || clear) return plan.object;
          return recordUpdate(current, plan.object, this.writer(r, w), !!w.fieldManager?.explicit);
        }
        final = plan.final;
        return undefined;
      },
      opts,
    );
    return res.removed && final ? finalState(final, res.object.metadata.resourceVersion) : res.object;
  }

  /** The webhooks to call for a request: none for the server's own writes, or when no webhook is configured. */
  private webhooksFor(request: RequestAdmission | undefined): WebhookHooks | undefined {
    return request && this.webhooks?.active() ? this.webhooks : undefined;
  }

  async delete(r: ResourceInfo, ns: string | undefined, name: string, opts: DeleteOptionsParsed, guard?: (c: KubeObject) => void, request?: RequestAdmission): Promise<DeleteResult> {
    checkDeletable(r, name);
    const hooks = this.webhooksFor(request);
    if (hooks) {
      // DELETE goes to webhooks with the stored object as oldObject (a patch is refused: there is no object to change).
      const current = await this.get(r, ns, name);
      const a: WebhookAttributes = {
        resource: r, operation: 'DELETE', name, namespace: r.namespaced ? ns : undefined, oldObject: current,
        namespaceObject: r.namespaced && ns ? await this.namespaceObject(ns) : undefined, dryRun: !!opts.dryRun,
        options: { kind: 'DeleteOptions', apiVersion: 'meta.k8s.io/v1', ...deleteOptionsOf(opts) }, request: request!,
      };
      await hooks.mutate(a, (o) => o);
      await hooks.validate(a);
    }
    const now = this.clock.now();
    return this.modify(
      r,
      ns,
      name,
      (current) => {
        const plan = planDelete(r, current, opts, now);
        if (plan.action === 'remove') return undefined;
        if (plan.action === 'none') return current;
        return plan.object;
      },
      { dryRun: opts.dryRun, guard },
    );
  }
}

const WEBHOOK_GROUP = 'admissionregistration.k8s.io';

/** The review's `options`: CreateOptions or UpdateOptions as the request gave them. */
function writeOptions(kind: 'CreateOptions' | 'UpdateOptions', w: WriteOpts): Record<string, unknown> {
  const o: Record<string, unknown> = { kind, apiVersion: 'meta.k8s.io/v1' };
  if (w.dryRun) o.dryRun = ['All'];
  if (w.fieldManager?.name) o.fieldManager = w.fieldManager.name;
  return o;
}

function deleteOptionsOf(opts: DeleteOptionsParsed): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (opts.dryRun) o.dryRun = ['All'];
  if (opts.gracePeriodSeconds !== undefined) o.gracePeriodSeconds = opts.gracePeriodSeconds;
  if (opts.propagationPolicy !== undefined) o.propagationPolicy = opts.propagationPolicy;
  return o;
}

function carryManagedFields(current: KubeObject, next: KubeObject, clear: boolean): void {
  const md = next.metadata as { managedFields?: unknown };
  const cur = (current.metadata as { managedFields?: unknown }).managedFields;
  if (clear || cur === undefined) delete md.managedFields;
  else md.managedFields = cur;
}

function isNotFoundOf(err: unknown, r: ResourceInfo, name: string): boolean {
  const d = err instanceof ApiError ? err.status : undefined;
  return d?.code === 404 && d.details?.name === name && d.details?.kind === r.plural;
}

export { ApiError };
