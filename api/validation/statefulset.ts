// apps/v1 StatefulSet validation, with Kubernetes' rules (ValidateStatefulSet /
// ValidateStatefulSetUpdate): the selector is required, non-empty and selects the
// template's labels; the template restarts Always; podManagementPolicy OrderedReady or
// Parallel; updateStrategy RollingUpdate (partition >= 0, maxUnavailable > 0) or OnDelete;
// retention policies Retain or Delete; every volumeClaimTemplate is a valid claim.
// On update only replicas, ordinals, template, updateStrategy, revisionHistoryLimit,
// persistentVolumeClaimRetentionPolicy and minReadySeconds may change. Kubernetes reports
// any other change as one `spec: Forbidden`; orch uses its words but names the field that
// changed (spec.volumeClaimTemplates, spec.selector, ...), so a user sees which one.

import type { StatusCause } from '../errors.js';
import { deepEqual } from '../meta.js';
import { validateSelectorAndTemplate } from './daemonset.js';
import { intOrPercent } from './deployment.js';
import { arrayField, fe, int32Field, int64Field, isObj, objField, strField, type Obj } from './field-errors.js';
import { isDns1123Label, isDns1123Subdomain } from './names.js';
import { validatePersistentVolumeClaim } from './storage.js';

const RU = 'spec.updateStrategy.rollingUpdate';

function validateUpdateStrategy(v: unknown, out: StatusCause[]): void {
  if (v === undefined || v === null) return;
  const s = objField(v, 'spec.updateStrategy', out);
  if (!s) return;
  const type = s.type ?? 'RollingUpdate';
  if (type !== 'RollingUpdate' && type !== 'OnDelete') {
    out.push(fe.notSupported('spec.updateStrategy.type', type, ['OnDelete', 'RollingUpdate']));
    return;
  }
  if (type === 'OnDelete') {
    if (s.rollingUpdate !== undefined && s.rollingUpdate !== null) out.push(fe.invalid(RU, s.rollingUpdate, 'only allowed for updateStrategy \'RollingUpdate\''));
    return;
  }
  if (s.rollingUpdate === undefined || s.rollingUpdate === null) return;
  const ru = objField(s.rollingUpdate, RU, out);
  if (!ru) return;
  int32Field(ru.partition, `${RU}.partition`, out, { min: 0 });
  if (ru.maxUnavailable !== undefined && ru.maxUnavailable !== null) {
    const m = intOrPercent(ru.maxUnavailable, `${RU}.maxUnavailable`, out);
    if (m && m.n < 1) out.push(fe.invalid(`${RU}.maxUnavailable`, ru.maxUnavailable, 'must be greater than 0'));
    if (m?.percent && m.n > 100) out.push(fe.invalid(`${RU}.maxUnavailable`, ru.maxUnavailable, 'must not be greater than 100%'));
  }
}

function validateRetention(v: unknown, out: StatusCause[]): void {
  if (v === undefined || v === null) return;
  const p = objField(v, 'spec.persistentVolumeClaimRetentionPolicy', out);
  if (!p) return;
  for (const k of ['whenDeleted', 'whenScaled']) {
    const x = p[k];
    if (x !== undefined && x !== 'Retain' && x !== 'Delete') out.push(fe.notSupported(`spec.persistentVolumeClaimRetentionPolicy.${k}`, x, ['Retain', 'Delete']));
  }
}

/** Each template is a claim (its own path prefix), with a unique name that is a DNS subdomain. */
function validateClaimTemplates(v: unknown, out: StatusCause[]): void {
  const list = arrayField(v, 'spec.volumeClaimTemplates', out);
  if (!list) return;
  const seen = new Set<string>();
  list.forEach((t, i) => {
    const at = `spec.volumeClaimTemplates[${i}]`;
    const c = objField(t, at, out);
    if (!c) return;
    const md = objField(c.metadata, `${at}.metadata`, out);
    const name = md ? strField(md.name, `${at}.metadata.name`, out) : undefined;
    if (!name) out.push(fe.required(`${at}.metadata.name`, 'name or generateName is required'));
    else {
      for (const m of isDns1123Subdomain(name)) out.push(fe.invalid(`${at}.metadata.name`, name, m));
      if (seen.has(name)) out.push(fe.duplicate(`${at}.metadata.name`, name));
      seen.add(name);
    }
    for (const cause of validatePersistentVolumeClaim(c)) out.push({ ...cause, field: cause.field ? `${at}.${cause.field}` : at });
  });
}

/**
 * The spec whose template has a volume for each claim template (the controller adds them
 * to every pod), so containers may mount them: the union upstream's TODO asks for.
 */
function withClaimVolumes(spec: Obj): Obj {
  const tpl = spec.template;
  if (!isObj(tpl) || !isObj(tpl.spec) || !Array.isArray(spec.volumeClaimTemplates)) return spec;
  const volumes = Array.isArray(tpl.spec.volumes) ? tpl.spec.volumes : tpl.spec.volumes === undefined || tpl.spec.volumes === null ? [] : undefined;
  if (!volumes) return spec;
  const have = new Set(volumes.map((v) => (isObj(v) ? v.name : undefined)));
  const extra = spec.volumeClaimTemplates
    .map((t) => (isObj(t) && isObj(t.metadata) && typeof t.metadata.name === 'string' ? t.metadata.name : undefined))
    .filter((n): n is string => !!n && !have.has(n))
    .map((name) => ({ name, persistentVolumeClaim: { claimName: name } }));
  if (extra.length === 0) return spec;
  return { ...spec, template: { ...tpl, spec: { ...tpl.spec, volumes: [...volumes, ...extra] } } };
}

export function validateStatefulSet(obj: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  if (obj.spec === undefined || obj.spec === null) return [fe.required('spec')];
  const spec = objField(obj.spec, 'spec', out);
  if (!spec) return out;
  int32Field(spec.replicas, 'spec.replicas', out, { min: 0 });
  validateSelectorAndTemplate(withClaimVolumes(spec), out, 'statefulset', 'StatefulSet');
  const policy = spec.podManagementPolicy;
  if (policy !== undefined && policy !== 'OrderedReady' && policy !== 'Parallel') out.push(fe.notSupported('spec.podManagementPolicy', policy, ['OrderedReady', 'Parallel']));
  const svc = strField(spec.serviceName, 'spec.serviceName', out);
  // The pods' subdomain: a DNS label, or the pods could not be created.
  if (svc) for (const m of isDns1123Label(svc)) out.push(fe.invalid('spec.serviceName', svc, m));
  validateUpdateStrategy(spec.updateStrategy, out);
  validateRetention(spec.persistentVolumeClaimRetentionPolicy, out);
  validateClaimTemplates(spec.volumeClaimTemplates, out);
  int32Field(spec.minReadySeconds, 'spec.minReadySeconds', out, { min: 0 });
  int32Field(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit', out, { min: 0 });
  const ord = objField(spec.ordinals, 'spec.ordinals', out);
  if (ord) int32Field(ord.start, 'spec.ordinals.start', out, { min: 0 });
  const st = objField(obj.status, 'status', out);
  if (st) {
    for (const k of ['replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas', 'collisionCount']) int32Field(st[k], `status.${k}`, out, { min: 0 });
    int64Field(st.observedGeneration, 'status.observedGeneration', out, { min: 0 });
    const n = typeof st.replicas === 'number' ? st.replicas : 0;
    for (const k of ['readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas'])
      if (typeof st[k] === 'number' && (st[k] as number) > n) out.push(fe.invalid(`status.${k}`, st[k], 'cannot be greater than status.replicas'));
  }
  return out;
}

const UPDATABLE = "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";
const FIXED = ['selector', 'serviceName', 'podManagementPolicy', 'volumeClaimTemplates'] as const;

export function validateStatefulSetUpdate(obj: Obj, old: Obj): StatusCause[] {
  const a = isObj(obj.spec) ? obj.spec : {};
  const b = isObj(old.spec) ? old.spec : {};
  const out: StatusCause[] = [];
  for (const k of FIXED) {
    // An unset serviceName equals '' (Go's zero value).
    const x = k === 'serviceName' ? (a[k] ?? '') : a[k];
    const y = k === 'serviceName' ? (b[k] ?? '') : b[k];
    if (!deepEqual(x, y)) out.push(fe.forbidden(`spec.${k}`, UPDATABLE));
  }
  return out;
}
