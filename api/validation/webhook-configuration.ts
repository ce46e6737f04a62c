// admissionregistration.k8s.io/v1 Validating/MutatingWebhookConfiguration: defaults and
// validation, as Kubernetes' ValidateValidatingWebhookConfiguration and the v1 defaults
// (failurePolicy Fail, matchPolicy Equivalent, empty selectors, timeoutSeconds 10, rule
// scope "*", reinvocationPolicy Never, service port 443). Where orch is stricter:
// admissionReviewVersions must include "v1" (the only version orch sends) and
// matchConditions (CEL expressions) are refused, since orch cannot evaluate them and a
// webhook whose conditions were silently ignored would be called for requests it excluded.

import type { StatusCause } from '../errors.js';
import { validateLabelSelector } from './deployment.js';
import { arrayField, fe, int32Field, isObj, objField, strField, type Obj } from './field-errors.js';
import { isDns1123Subdomain } from './names.js';

export const FAILURE_POLICIES = ['Fail', 'Ignore'] as const;
export const MATCH_POLICIES = ['Exact', 'Equivalent'] as const;
export const SIDE_EFFECTS = ['None', 'NoneOnDryRun'] as const;
export const REINVOCATION_POLICIES = ['Never', 'IfNeeded'] as const;
export const OPERATIONS = ['*', 'CREATE', 'UPDATE', 'DELETE', 'CONNECT'] as const;
export const SCOPES = ['Cluster', 'Namespaced', '*'] as const;

/** The v1 defaults of every webhook of a configuration (mutating: reinvocationPolicy too). */
export function defaultWebhookConfiguration(obj: Obj, mutating: boolean): void {
  if (!Array.isArray(obj.webhooks)) return;
  for (const w of obj.webhooks) {
    if (!isObj(w)) continue;
    w.failurePolicy ??= 'Fail';
    w.matchPolicy ??= 'Equivalent';
    w.namespaceSelector ??= {};
    w.objectSelector ??= {};
    w.timeoutSeconds ??= 10;
    if (mutating) w.reinvocationPolicy ??= 'Never';
    if (Array.isArray(w.rules)) for (const r of w.rules) if (isObj(r)) r.scope ??= '*';
    const svc = isObj(w.clientConfig) && isObj(w.clientConfig.service) ? w.clientConfig.service : undefined;
    if (svc) svc.port ??= 443;
  }
}

function oneOf(v: unknown, field: string, allowed: readonly string[], out: StatusCause[], required = false): void {
  if (v === undefined || v === null) {
    if (required) out.push(fe.required(field, `must specify one of ${allowed.map((a) => `"${a}"`).join(', ')}`));
    return;
  }
  if (!allowed.includes(v as string)) out.push(fe.notSupported(field, v, allowed));
}

function validateUrl(raw: string, field: string, out: StatusCause[]): void {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    out.push(fe.invalid(field, raw, 'must be a valid URL'));
    return;
  }
  if (u.protocol !== 'https:') out.push(fe.invalid(field, raw, "'https' is the only allowed URL scheme"));
  if (!u.hostname) out.push(fe.invalid(field, raw, 'host must be specified'));
  if (u.username || u.password) out.push(fe.invalid(field, raw, 'user information is not permitted in the URL'));
  if (u.hash || raw.includes('#')) out.push(fe.invalid(field, raw, 'fragments are not permitted in the URL'));
  if (u.search || raw.includes('?')) out.push(fe.invalid(field, raw, 'query parameters are not permitted in the URL'));
}

function validateClientConfig(v: unknown, field: string, out: StatusCause[]): void {
  if (v === undefined || v === null) {
    out.push(fe.required(field, 'exactly one of url or service is required'));
    return;
  }
  const cc = objField(v, field, out);
  if (!cc) return;
  const hasUrl = cc.url !== undefined && cc.url !== null;
  const hasSvc = cc.service !== undefined && cc.service !== null;
  if (hasUrl === hasSvc) out.push(fe.required(field, 'exactly one of url or service is required'));
  if (hasUrl) {
    const url = strField(cc.url, `${field}.url`, out);
    if (url !== undefined) validateUrl(url, `${field}.url`, out);
  }
  if (hasSvc) {
    const svc = objField(cc.service, `${field}.service`, out);
    if (svc) {
      for (const f of ['namespace', 'name']) {
        const s = strField(svc[f], `${field}.service.${f}`, out);
        if (!s) out.push(fe.required(`${field}.service.${f}`, `service ${f} is required`));
        else if (!isDns1123Subdomain(s)) out.push(fe.invalid(`${field}.service.${f}`, s, 'must be a lowercase RFC 1123 subdomain'));
      }
      const path = strField(svc.path, `${field}.service.path`, out);
      if (path !== undefined && !path.startsWith('/')) out.push(fe.invalid(`${field}.service.path`, path, "must start with a '/'"));
      int32Field(svc.port, `${field}.service.port`, out, { min: 1, max: 65535 });
    }
  }
  const ca = strField(cc.caBundle, `${field}.caBundle`, out);
  if (ca !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(ca)) out.push(fe.invalid(`${field}.caBundle`, '<bytes>', 'must be base64-encoded PEM certificates'));
}

/** A list that is either ["*"] or names without "*"; every entry non-empty. */
function nameList(v: unknown, field: string, out: StatusCause[], what: string): string[] | undefined {
  const list = arrayField(v, field, out);
  if (!list) return undefined;
  if (list.length === 0) out.push(fe.required(field, `at least one ${what} is required`));
  const names: string[] = [];
  list.forEach((x, i) => {
    if (typeof x !== 'string') out.push(fe.invalid(`${field}[${i}]`, x, 'must be a string'));
    else names.push(x);
  });
  if (names.includes('*') && names.length > 1) out.push(fe.invalid(field, names, "if '*' is present, must not specify other values"));
  return names;
}

function validateRule(v: unknown, field: string, out: StatusCause[]): void {
  const r = objField(v, field, out);
  if (!r) return;
  const ops = nameList(r.operations, `${field}.operations`, out, 'operation');
  if (r.operations === undefined) out.push(fe.required(`${field}.operations`));
  ops?.forEach((op, i) => oneOf(op, `${field}.operations[${i}]`, OPERATIONS, out));
  for (const [f, what] of [['apiGroups', 'group'], ['apiVersions', 'version']] as const) {
    if (r[f] === undefined) out.push(fe.required(`${field}.${f}`));
    else nameList(r[f], `${field}.${f}`, out, what);
  }
  if (r.resources === undefined) out.push(fe.required(`${field}.resources`));
  const resources = nameList(r.resources, `${field}.resources`, out, 'resource');
  // "*" alone, "*/*", "pods", "pods/status", "pods/*", "*/status"; no more than one '/'.
  resources?.forEach((res, i) => {
    const parts = res.split('/');
    if (res === '' || parts.length > 2 || parts.some((p) => p === '')) out.push(fe.invalid(`${field}.resources[${i}]`, res, "must be a resource, optionally followed by '/' and a subresource"));
  });
  if (resources && resources.includes('*/*') && resources.length > 1) out.push(fe.invalid(`${field}.resources`, resources, "if '*/*' is present, must not specify other resources"));
  oneOf(r.scope, `${field}.scope`, SCOPES, out);
}

function validateWebhook(w: Obj, field: string, mutating: boolean, out: StatusCause[]): void {
  const name = strField(w.name, `${field}.name`, out);
  if (!name) out.push(fe.required(`${field}.name`));
  else if (!isDns1123Subdomain(name) || name.split('.').length < 3)
    out.push(fe.invalid(`${field}.name`, name, 'should be a domain with at least three segments separated by dots'));
  validateClientConfig(w.clientConfig, `${field}.clientConfig`, out);
  arrayField(w.rules, `${field}.rules`, out)?.forEach((r, i) => validateRule(r, `${field}.rules[${i}]`, out));
  oneOf(w.failurePolicy, `${field}.failurePolicy`, FAILURE_POLICIES, out);
  oneOf(w.matchPolicy, `${field}.matchPolicy`, MATCH_POLICIES, out);
  oneOf(w.sideEffects, `${field}.sideEffects`, SIDE_EFFECTS, out, true);
  if (mutating) oneOf(w.reinvocationPolicy, `${field}.reinvocationPolicy`, REINVOCATION_POLICIES, out);
  else if (w.reinvocationPolicy !== undefined) out.push(fe.forbidden(`${field}.reinvocationPolicy`, 'only mutating webhooks are reinvoked'));
  const t = int32Field(w.timeoutSeconds, `${field}.timeoutSeconds`, out);
  if (t !== undefined && (t < 1 || t > 30)) out.push(fe.invalid(`${field}.timeoutSeconds`, t, 'the timeout value must be between 1 and 30 seconds'));
  const versions = arrayField(w.admissionReviewVersions, `${field}.admissionReviewVersions`, out);
  if (!versions || versions.length === 0) out.push(fe.required(`${field}.admissionReviewVersions`, 'must specify one of v1'));
  else {
    const seen = new Set<unknown>();
    versions.forEach((v, i) => {
      if (seen.has(v)) out.push(fe.duplicate(`${field}.admissionReviewVersions[${i}]`, v));
      seen.add(v);
    });
    if (!versions.includes('v1')) out.push(fe.invalid(`${field}.admissionReviewVersions`, versions, 'must include at least one of v1 (the only AdmissionReview version orch sends)'));
  }
  for (const s of ['namespaceSelector', 'objectSelector'])
    if (w[s] !== undefined && w[s] !== null) validateLabelSelector(w[s], `${field}.${s}`, out);
  if (w.matchConditions !== undefined && w.matchConditions !== null)
    out.push(fe.forbidden(`${field}.matchConditions`, 'orch does not support matchConditions (CEL expressions); narrow the webhook with rules, namespaceSelector and objectSelector instead'));
}

export function validateWebhookConfiguration(obj: Obj, mutating: boolean): StatusCause[] {
  const out: StatusCause[] = [];
  const names = new Set<string>();
  arrayField(obj.webhooks, 'webhooks', out)?.forEach((raw, i) => {
    const field = `webhooks[${i}]`;
    const w = objField(raw, field, out);
    if (!w) return;
    validateWebhook(w, field, mutating, out);
    if (typeof w.name === 'string') {
      if (names.has(w.name)) out.push(fe.duplicate(`${field}.name`, w.name));
      names.add(w.name);
    }
  });
  return out;
}
