// Admission webhooks on the write path, in Kubernetes' order: mutating webhooks one after
// another (each sees the previous one's patch; those with reinvocationPolicy IfNeeded are
// called once more when a later webhook changed the object), the patched object
// revalidated by the kind's rules (the store passes `revalidate`), then — after the
// built-in validating admission — every matching validating webhook in parallel.
//
// What a webhook's answer means (as kube-apiserver's webhook dispatchers):
//   allowed=false      → the request is refused with the webhook's status code (400 when
//                        it gives none or less than 400) and the message
//                        `admission webhook "NAME" denied the request: MESSAGE`
//   a failed call      → failurePolicy Fail: 500 `Internal error occurred: failed calling
//   (unreachable, timeout,   webhook "NAME": ...`; Ignore: the webhook is skipped (logged,
//    malformed answer)       and an audit annotation failed-open.*.webhook.admission.k8s.io)
//   patch (JSONPatch)  → applied to the object (api/patch/json-patch.ts, the same RFC 6902
//                        code PATCH requests use); a patch that does not apply is a 500
//   warnings           → Warning headers of the reply (kubectl prints them)
//   auditAnnotations   → the request's audit event, as "NAME/KEY"
// dryRun requests only reach webhooks whose sideEffects are None or NoneOnDryRun (400
// otherwise). Webhooks are never called for webhook configurations themselves.

import crypto from 'node:crypto';
import type { Logger } from 'pino';
import type { AdmissionRequest, AdmissionResponse, AdmissionReview } from '../../api/admission-types.js';
import { ApiError, errors, makeStatus, type StatusReason } from '../../api/errors.js';
import { applyJsonPatch } from '../../api/patch/json-patch.js';
import type { ResourceInfo } from '../../api/resources.js';
import type { KubeObject } from '../../api/types.js';
import { isExempt, namespaceMatches, objectMatches, rulesMatch, targetOf } from './matching.js';
import { WebhookRefusal, type WebhookAttributes, type WebhookHooks } from './types.js';
import type { CompiledWebhook, WebhookCache } from './webhook-cache.js';
import { WebhookCallError, type WebhookClient } from './webhook-client.js';

const REASONS: Record<number, StatusReason> = { 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 409: 'Conflict', 422: 'Invalid', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable' };

export interface WebhookObserver {
  /** One call: webhook name, 'validating' | 'admit', operation, whether it refused, seconds. */
  call(name: string, type: 'validating' | 'admit', operation: string, rejected: boolean, seconds: number): void;
}

export interface DispatcherOptions {
  logger: Logger;
  /** Other served versions of the same resource (a CRD's versions), for matchPolicy Equivalent. */
  equivalents?: (r: ResourceInfo) => ResourceInfo[];
  observer?: WebhookObserver;
}

/** A rule match: the resource (maybe another version of the request's) the webhook sees. */
type Match = ResourceInfo;

export class WebhookDispatcher implements WebhookHooks {
  constructor(
    private readonly cache: WebhookCache,
    private readonly client: WebhookClient,
    private readonly opts: DispatcherOptions,
  ) {}

  active(): boolean {
    return this.cache.validatingWebhooks().length > 0 || this.cache.mutatingWebhooks().length > 0;
  }

  private match(w: CompiledWebhook, a: WebhookAttributes): Match | undefined {
    if (isExempt(a.resource)) return undefined;
    let matched: Match | undefined;
    if (rulesMatch(w.hook.rules, a.operation, targetOf(a.resource, a.subresource))) matched = a.resource;
    else if ((w.hook.matchPolicy ?? 'Equivalent') === 'Equivalent')
      matched = this.opts.equivalents?.(a.resource).find((eq) => rulesMatch(w.hook.rules, a.operation, targetOf(eq, a.subresource)));
    if (!matched) return undefined;
    if (!namespaceMatches(w.namespaceSelector, a)) return undefined;
    if (!objectMatches(w.objectSelector, a)) return undefined;
    return matched;
  }

  async mutate(a: WebhookAttributes, revalidate: (patched: KubeObject) => KubeObject): Promise<KubeObject | undefined> {
    const hooks = this.cache.mutatingWebhooks();
    let obj = a.object;
    if (hooks.length === 0) return obj;
    const called: number[] = [];
    const changedAt: number[] = [];
    for (let i = 0; i < hooks.length; i++) {
      const w = hooks[i]!;
      const m = this.match(w, { ...a, object: obj });
      if (!m) continue;
      called.push(i);
      const next = await this.callMutating(w, m, { ...a, object: obj });
      if (next !== obj) {
        obj = revalidate(next!);
        changedAt.push(i);
      }
    }
    // Reinvocation: an IfNeeded webhook that ran before a later webhook's change runs once more.
    const again = called.filter((i) => hooks[i]!.hook.reinvocationPolicy === 'IfNeeded' && changedAt.some((j) => j > i));
    for (const i of again) {
      const w = hooks[i]!;
      const m = this.match(w, { ...a, object: obj });
      if (!m) continue;
      const next = await this.callMutating(w, m, { ...a, object: obj });
      if (next !== obj) obj = revalidate(next!);
    }
    return obj;
  }

  async validate(a: WebhookAttributes): Promise<void> {
    const hooks = this.cache.validatingWebhooks();
    if (hooks.length === 0) return;
    const calls: Array<Promise<void>> = [];
    for (const w of hooks) {
      const m = this.match(w, a);
      if (m) calls.push(this.callValidating(w, m, a));
    }
    const results = await Promise.allSettled(calls);
    // The first refusal in webhook order (Kubernetes returns the first to finish; order is stabler).
    for (const r of results) if (r.status === 'rejected') throw r.reason;
  }

  private async callValidating(w: CompiledWebhook, m: Match, a: WebhookAttributes): Promise<void> {
    await this.invoke(w, m, a);
  }

  /** The object after this webhook: `a.object` itself when it did not patch. */
  private async callMutating(w: CompiledWebhook, m: Match, a: WebhookAttributes): Promise<KubeObject | undefined> {
    const res = await this.invoke(w, m, a);
    if (!res?.patch) return a.object;
    const name = w.hook.name;
    if (!a.object) throw errors.internal(`admission webhook "${name}" attempted to modify the object, which is not supported for this operation`);
    let patched: unknown;
    try {
      const ops = JSON.parse(Buffer.from(res.patch, 'base64').toString('utf8'));
      if (Array.isArray(ops) && ops.length === 0) return a.object;
      patched = applyJsonPatch(toWebhookVersion(a.object, m, a.resource), ops);
    } catch (err) {
      throw errors.internal(`admission webhook "${name}" returned a patch that cannot be applied: ${err instanceof ApiError ? err.message : (err as Error).message}`);
    }
    const p = patched as KubeObject;
    if (typeof p !== 'object' || p === null || Array.isArray(p) || typeof p.metadata !== 'object' || p.metadata === null)
      throw errors.internal(`admission webhook "${name}" returned a patch that does not leave an object with metadata`);
    if (p.kind !== a.object.kind) throw errors.internal(`admission webhook "${name}" may not change the kind of the object`);
    // Back to the request's version (conversion None: only apiVersion differs).
    p.apiVersion = a.object.apiVersion;
    return p;
  }

  /** One call with its failurePolicy applied: the response when allowed, undefined when it failed open. */
  private async invoke(w: CompiledWebhook, m: Match, a: WebhookAttributes): Promise<AdmissionResponse | undefined> {
    const name = w.hook.name;
    if (a.dryRun && w.hook.sideEffects !== 'None' && w.hook.sideEffects !== 'NoneOnDryRun')
      throw errors.badRequest(`admission webhook "${name}" does not support dry run`);
    const uid = crypto.randomUUID();
    const review: AdmissionReview = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: admissionRequest(uid, m, a) };
    const type = w.mutating ? 'admit' : 'validating';
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    let res: AdmissionResponse;
    try {
      res = verifyResponse(await this.client.call(w, review), uid, w.mutating);
    } catch (err) {
      if (!(err instanceof WebhookCallError)) throw err;
      this.opts.observer?.call(name, type, a.operation, w.hook.failurePolicy === 'Ignore' ? false : true, seconds());
      if (w.hook.failurePolicy === 'Ignore') {
        this.opts.logger.warn({ webhook: name, err }, 'webhook call failed; failurePolicy Ignore lets the request through');
        a.request.auditAnnotations.set(`failed-open.${w.mutating ? 'mutation' : 'validating'}.webhook.admission.k8s.io/${name}`, name);
        return undefined;
      }
      const message = `failed calling webhook "${name}": ${err.message}`;
      throw errors.internal(`Internal error occurred: ${message}`);
    }
    this.opts.observer?.call(name, type, a.operation, !res.allowed, seconds());
    for (const warning of res.warnings ?? []) if (typeof warning === 'string' && warning !== '') a.request.warnings.add(warning);
    for (const [k, v] of Object.entries(res.auditAnnotations ?? {})) if (typeof v === 'string') a.request.auditAnnotations.set(`${name}/${k}`, v);
    if (!res.allowed) throw deniedError(name, res.status);
    return res;
  }
}

/** The object as the matched version shows it (custom resources: conversion None, only apiVersion differs). */
function toWebhookVersion<T extends KubeObject | undefined>(obj: T, m: Match, requested: ResourceInfo): T {
  if (!obj || m.version === requested.version) return obj;
  return { ...obj, apiVersion: m.group ? `${m.group}/${m.version}` : m.version } as T;
}

function admissionRequest(uid: string, m: Match, a: WebhookAttributes): AdmissionRequest {
  const r = a.resource;
  const user = a.request.user;
  const req: AdmissionRequest = {
    uid,
    kind: { group: m.group, version: m.version, kind: m.kind },
    resource: { group: m.group, version: m.version, resource: m.plural },
    requestKind: { group: r.group, version: r.version, kind: r.kind },
    requestResource: { group: r.group, version: r.version, resource: r.plural },
    name: a.name,
    operation: a.operation,
    userInfo: { username: user?.name ?? '', uid: user?.uid, groups: user?.groups ?? [], ...(user?.extra ? { extra: user.extra } : {}) },
    object: toWebhookVersion(a.object, m, r) ?? null,
    oldObject: toWebhookVersion(a.oldObject, m, r) ?? null,
    dryRun: a.dryRun,
    options: a.options ?? null,
  };
  if (a.subresource) {
    req.subResource = a.subresource;
    req.requestSubResource = a.subresource;
  }
  if (a.namespace) req.namespace = a.namespace;
  return req;
}

/** Kubernetes' VerifyAdmissionResponse: a malformed answer is a failed call (failurePolicy applies). */
function verifyResponse(review: AdmissionReview, uid: string, mutating: boolean): AdmissionResponse {
  const bad = (why: string) => new WebhookCallError(`received invalid webhook response: ${why}`);
  if (typeof review !== 'object' || review === null) throw bad('the body is not an AdmissionReview');
  if (review.apiVersion !== 'admission.k8s.io/v1' || review.kind !== 'AdmissionReview')
    throw bad(`expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got ${String(review.apiVersion)}, Kind=${String(review.kind)}`);
  const res = review.response;
  if (typeof res !== 'object' || res === null) throw bad('webhook response was absent');
  if (res.uid !== uid) throw bad(`expected response.uid="${uid}", got "${String(res.uid)}"`);
  if (typeof res.allowed !== 'boolean') throw bad('response.allowed must be true or false');
  if (res.patch !== undefined && res.patch !== null && res.patch !== '') {
    if (!mutating) throw bad('validating webhooks may not return patches');
    if (typeof res.patch !== 'string') throw bad('response.patch must be base64 text');
    if (res.patchType === undefined) throw bad('webhook returned response.patch but not response.patchType');
    if (res.patchType !== 'JSONPatch') throw bad(`webhook returned invalid response.patchType of "${String(res.patchType)}"`);
  } else {
    delete res.patch;
  }
  if (res.warnings !== undefined && !Array.isArray(res.warnings)) throw bad('response.warnings must be a list of strings');
  return res;
}

/** Kubernetes' ToStatusErr. */
export function deniedError(name: string, status: Partial<AdmissionResponse['status']> | undefined): ApiError {
  const deniedBy = `admission webhook "${name}" denied the request`;
  const s = status ?? {};
  let code = typeof s.code === 'number' ? s.code : 0;
  if (code < 400 || code > 599) code = 400;
  const message = typeof s.message === 'string' && s.message ? `${deniedBy}: ${s.message}` : typeof s.reason === 'string' && s.reason ? `${deniedBy}: ${s.reason}` : `${deniedBy} without explanation`;
  const reason = (typeof s.reason === 'string' && s.reason ? s.reason : (REASONS[code] ?? 'Unknown')) as StatusReason;
  const details = typeof s.details === 'object' && s.details !== null ? s.details : undefined;
  return new WebhookRefusal(makeStatus(code, reason, message, details));
}
