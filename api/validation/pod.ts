// Pod spec validation, used for Pods and for the pod templates of Deployments and
// ReplicaSets (with a different field prefix). Walks untrusted JSON defensively: a wrong
// type is a field error, never an exception.

import type { StatusCause } from '../errors.js';
import { isValidQuantity } from '../quantity.js';
import { deepClone, deepEqual } from '../meta.js';
import { arrayField, boolField, fe, int32Field, int64Field, isObj, objField, strField, type Obj } from './field-errors.js';
import { enumField, validateContainer, validateSecurityContext } from './container.js';
import { validateContainerLifecycle } from './lifecycle.js';
import { validateLabels } from './meta.js';
import { isDns1123Label, isDns1123Subdomain, isQualifiedName } from './names.js';
import { validatePodDns } from './pod-dns.js';

export const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'] as const;
export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;
export const POD_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'] as const;
/** File permission bits of volume files (defaultMode, items[].mode). */
const FILE_MODE = { min: 0, max: 0o777 };

const VOLUME_SOURCES = [
  'emptyDir',
  'hostPath',
  'configMap',
  'secret',
  'persistentVolumeClaim',
  'projected',
  'downwardAPI',
  'nfs',
  'ephemeral',
  'csi',
] as const;

function validateVolumes(v: unknown, field: string, out: StatusCause[]): Set<string> {
  const names = new Set<string>();
  const list = arrayField(v, field, out);
  list?.forEach((raw, i) => {
    const f = `${field}[${i}]`;
    const vol = objField(raw, f, out);
    if (!vol) return;
    const name = strField(vol.name, `${f}.name`, out);
    if (!name) out.push(fe.required(`${f}.name`));
    else {
      for (const e of isDns1123Label(name)) out.push(fe.invalid(`${f}.name`, name, e));
      if (names.has(name)) out.push(fe.duplicate(`${f}.name`, name));
      names.add(name);
    }
    const sources = VOLUME_SOURCES.filter((k) => vol[k] !== undefined && vol[k] !== null);
    if (sources.length === 0) out.push(fe.required(f, 'must specify a volume type'));
    else if (sources.length > 1) out.push(fe.forbidden(`${f}.${sources[1]}`, 'may not specify more than 1 volume type'));
    const claim = objField(vol.persistentVolumeClaim, `${f}.persistentVolumeClaim`, out);
    if (claim) {
      const claimName = strField(claim.claimName, `${f}.persistentVolumeClaim.claimName`, out);
      if (!claimName) out.push(fe.required(`${f}.persistentVolumeClaim.claimName`));
      else for (const e of isDns1123Subdomain(claimName)) out.push(fe.invalid(`${f}.persistentVolumeClaim.claimName`, claimName, e));
      boolField(claim.readOnly, `${f}.persistentVolumeClaim.readOnly`, out);
    }
    const nfs = objField(vol.nfs, `${f}.nfs`, out);
    if (nfs) {
      if (!strField(nfs.server, `${f}.nfs.server`, out)) out.push(fe.required(`${f}.nfs.server`));
      const p = strField(nfs.path, `${f}.nfs.path`, out);
      if (!p) out.push(fe.required(`${f}.nfs.path`));
      else if (!p.startsWith('/')) out.push(fe.invalid(`${f}.nfs.path`, p, 'must be an absolute path'));
      boolField(nfs.readOnly, `${f}.nfs.readOnly`, out);
    }
    const hp = objField(vol.hostPath, `${f}.hostPath`, out);
    if (hp && !strField(hp.path, `${f}.hostPath.path`, out)) out.push(fe.required(`${f}.hostPath.path`));
    const ed = objField(vol.emptyDir, `${f}.emptyDir`, out);
    if (ed && ed.sizeLimit !== undefined && !isValidQuantity(ed.sizeLimit)) out.push(fe.invalid(`${f}.emptyDir.sizeLimit`, ed.sizeLimit, 'must be a valid quantity'));
    const checkItems = (items: unknown, base: string) =>
      arrayField(items, base, out)?.forEach((it, j) => {
        const itf = `${base}[${j}]`;
        const o = objField(it, itf, out);
        if (!o) return;
        if (!strField(o.key, `${itf}.key`, out)) out.push(fe.required(`${itf}.key`));
        const p = strField(o.path, `${itf}.path`, out);
        if (!p) out.push(fe.required(`${itf}.path`));
        else if (p.startsWith('/') || p.split('/').includes('..')) out.push(fe.invalid(`${itf}.path`, p, "must be a relative path without '..'"));
        int32Field(o.mode, `${itf}.mode`, out, FILE_MODE);
      });
    const cm = objField(vol.configMap, `${f}.configMap`, out);
    if (cm) {
      const n = strField(cm.name, `${f}.configMap.name`, out);
      if (!n) out.push(fe.required(`${f}.configMap.name`));
      else for (const e of isDns1123Subdomain(n)) out.push(fe.invalid(`${f}.configMap.name`, n, e));
      checkItems(cm.items, `${f}.configMap.items`);
      int32Field(cm.defaultMode, `${f}.configMap.defaultMode`, out, FILE_MODE);
    }
    const sec = objField(vol.secret, `${f}.secret`, out);
    if (sec) {
      const n = strField(sec.secretName, `${f}.secret.secretName`, out);
      if (!n) out.push(fe.required(`${f}.secret.secretName`));
      else for (const e of isDns1123Subdomain(n)) out.push(fe.invalid(`${f}.secret.secretName`, n, e));
      checkItems(sec.items, `${f}.secret.items`);
      int32Field(sec.defaultMode, `${f}.secret.defaultMode`, out, FILE_MODE);
    }
  });
  return names;
}

function validateTolerations(v: unknown, field: string, out: StatusCause[]): void {
  arrayField(v, field, out)?.forEach((raw, i) => {
    const f = `${field}[${i}]`;
    const t = objField(raw, f, out);
    if (!t) return;
    const key = strField(t.key, `${f}.key`, out);
    if (key) for (const e of isQualifiedName(key)) out.push(fe.invalid(`${f}.key`, key, e));
    enumField(t.operator, `${f}.operator`, ['Exists', 'Equal'], out);
    if (!key && t.operator !== 'Exists') out.push(fe.invalid(`${f}.operator`, t.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    const value = strField(t.value, `${f}.value`, out);
    if (t.operator === 'Exists' && value) out.push(fe.invalid(`${f}.operator`, t.operator, 'value must be empty when `operator` is \'Exists\''));
    if (t.effect !== '' && t.effect !== undefined) enumField(t.effect, `${f}.effect`, TAINT_EFFECTS, out);
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null) {
      int64Field(t.tolerationSeconds, `${f}.tolerationSeconds`, out);
      if (t.effect !== 'NoExecute') out.push(fe.invalid(`${f}.effect`, t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
  });
}

export function validateNodeSelectorRequirements(v: unknown, field: string, out: StatusCause[]): void {
  arrayField(v, field, out)?.forEach((raw, i) => {
    const f = `${field}[${i}]`;
    const r = objField(raw, f, out);
    if (!r) return;
    const key = strField(r.key, `${f}.key`, out);
    if (!key) out.push(fe.required(`${f}.key`));
    const op = r.operator;
    if (op === undefined) {
      out.push(fe.required(`${f}.operator`));
      return;
    }
    enumField(op, `${f}.operator`, ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'], out);
    const values = arrayField(r.values, `${f}.values`, out) ?? [];
    if ((op === 'In' || op === 'NotIn') && values.length === 0) out.push(fe.required(`${f}.values`, 'must be specified when `operator` is \'In\' or \'NotIn\''));
    if ((op === 'Exists' || op === 'DoesNotExist') && values.length > 0) out.push(fe.forbidden(`${f}.values`, 'may not be specified when `operator` is \'Exists\' or \'DoesNotExist\''));
    if (op === 'Gt' || op === 'Lt') {
      if (values.length !== 1) out.push(fe.required(`${f}.values`, "must be specified single value when `operator` is 'Lt' or 'Gt'"));
      else if (typeof values[0] !== 'string' || !/^-?\d+$/.test(values[0])) out.push(fe.invalid(`${f}.values[0]`, values[0], 'must be an integer'));
    }
  });
}

function validateAffinity(v: unknown, field: string, out: StatusCause[]): void {
  const a = objField(v, field, out);
  const na = a && objField(a.nodeAffinity, `${field}.nodeAffinity`, out);
  if (!na) return;
  const rf = `${field}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution`;
  const req = objField(na.requiredDuringSchedulingIgnoredDuringExecution, rf, out);
  if (req) {
    const terms = arrayField(req.nodeSelectorTerms, `${rf}.nodeSelectorTerms`, out);
    if (!terms || terms.length === 0) out.push(fe.required(`${rf}.nodeSelectorTerms`, 'must have at least one node selector term'));
    terms?.forEach((t, i) => {
      const term = objField(t, `${rf}.nodeSelectorTerms[${i}]`, out);
      if (!term) return;
      validateNodeSelectorRequirements(term.matchExpressions, `${rf}.nodeSelectorTerms[${i}].matchExpressions`, out);
      validateNodeSelectorRequirements(term.matchFields, `${rf}.nodeSelectorTerms[${i}].matchFields`, out);
    });
  }
  const pf = `${field}.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution`;
  arrayField(na.preferredDuringSchedulingIgnoredDuringExecution, pf, out)?.forEach((p, i) => {
    const pref = objField(p, `${pf}[${i}]`, out);
    if (!pref) return;
    if (pref.weight === undefined) out.push(fe.required(`${pf}[${i}].weight`));
    else int32Field(pref.weight, `${pf}[${i}].weight`, out, { min: 1, max: 100 });
    const term = objField(pref.preference, `${pf}[${i}].preference`, out);
    if (term) {
      validateNodeSelectorRequirements(term.matchExpressions, `${pf}[${i}].preference.matchExpressions`, out);
      validateNodeSelectorRequirements(term.matchFields, `${pf}[${i}].preference.matchFields`, out);
    }
  });
}

/** A PodSpec at `field` ("spec" for pods, "spec.template.spec" for templates). */
export function validatePodSpec(v: unknown, field: string): StatusCause[] {
  const out: StatusCause[] = [];
  if (v === undefined || v === null) return [fe.required(field)];
  const spec = objField(v, field, out);
  if (!spec) return out;
  const volumes = validateVolumes(spec.volumes, `${field}.volumes`, out);
  const containerNames = new Set<string>();
  const hostPorts = new Set<string>();
  for (const listName of ['initContainers', 'containers'] as const) {
    const list = arrayField(spec[listName], `${field}.${listName}`, out);
    if (listName === 'containers' && (spec.containers === undefined || spec.containers === null || list?.length === 0)) {
      out.push(fe.required(`${field}.containers`));
    }
    list?.forEach((raw, i) => {
      const f = `${field}.${listName}[${i}]`;
      const c = objField(raw, f, out);
      if (!c) return;
      validateContainer(c, f, volumes, out, listName === 'initContainers');
      validateContainerLifecycle(c, f, listName === 'initContainers', spec.terminationGracePeriodSeconds, out);
      if (typeof c.name === 'string' && c.name) {
        if (containerNames.has(c.name)) out.push(fe.duplicate(`${f}.name`, c.name));
        containerNames.add(c.name);
      }
      // Two containers of one pod cannot bind the same host port and protocol.
      if (Array.isArray(c.ports)) {
        c.ports.forEach((p, j) => {
          if (!isObj(p) || typeof p.hostPort !== 'number' || p.hostPort === 0) return;
          if (spec.hostNetwork === true && p.hostPort !== p.containerPort) {
            out.push(fe.invalid(`${f}.ports[${j}].hostPort`, p.hostPort, 'must match `containerPort` when `hostNetwork` is true'));
          }
          const key = `${p.hostPort}/${typeof p.protocol === 'string' ? p.protocol : 'TCP'}`;
          if (hostPorts.has(key)) out.push(fe.duplicate(`${f}.ports[${j}].hostPort`, key));
          hostPorts.add(key);
        });
      }
    });
  }
  enumField(spec.restartPolicy, `${field}.restartPolicy`, RESTART_POLICIES, out);
  int64Field(spec.terminationGracePeriodSeconds, `${field}.terminationGracePeriodSeconds`, out, { min: 0 });
  // int64 in Go, but Kubernetes caps it at the int32 maximum.
  int64Field(spec.activeDeadlineSeconds, `${field}.activeDeadlineSeconds`, out, { min: 1, max: 2147483647 });
  const nodeName = strField(spec.nodeName, `${field}.nodeName`, out);
  if (nodeName) for (const e of isDns1123Subdomain(nodeName)) out.push(fe.invalid(`${field}.nodeName`, nodeName, e));
  if (spec.nodeSelector !== undefined && spec.nodeSelector !== null) out.push(...validateLabels(spec.nodeSelector, `${field}.nodeSelector`));
  validateAffinity(spec.affinity, `${field}.affinity`, out);
  validateTolerations(spec.tolerations, `${field}.tolerations`, out);
  strField(spec.schedulerName, `${field}.schedulerName`, out);
  boolField(spec.hostNetwork, `${field}.hostNetwork`, out);
  boolField(spec.enableServiceLinks, `${field}.enableServiceLinks`, out);
  const hostname = strField(spec.hostname, `${field}.hostname`, out);
  if (hostname) for (const e of isDns1123Label(hostname)) out.push(fe.invalid(`${field}.hostname`, hostname, e));
  int32Field(spec.priority, `${field}.priority`, out);
  validatePodDns(spec, field, out);
  validateSecurityContext(spec.securityContext, `${field}.securityContext`, out, true);
  return out;
}

/** The numbers of a container status the agent reports (restartCount, exit codes). */
function validateContainerStatuses(v: unknown, field: string, out: StatusCause[]): void {
  arrayField(v, field, out)?.forEach((raw, i) => {
    const cs = objField(raw, `${field}[${i}]`, out);
    if (!cs) return;
    int32Field(cs.restartCount, `${field}[${i}].restartCount`, out, { min: 0 });
    for (const which of ['state', 'lastState'] as const) {
      const state = objField(cs[which], `${field}[${i}].${which}`, out);
      const term = state && objField(state.terminated, `${field}[${i}].${which}.terminated`, out);
      if (!term) continue;
      int32Field(term.exitCode, `${field}[${i}].${which}.terminated.exitCode`, out);
      int32Field(term.signal, `${field}[${i}].${which}.terminated.signal`, out);
    }
  });
}

function validatePodStatus(v: unknown, out: StatusCause[]): void {
  const st = objField(v, 'status', out);
  if (!st) return;
  enumField(st.phase, 'status.phase', POD_PHASES, out);
  validateContainerStatuses(st.containerStatuses, 'status.containerStatuses', out);
  validateContainerStatuses(st.initContainerStatuses, 'status.initContainerStatuses', out);
  arrayField(st.conditions, 'status.conditions', out)?.forEach((c, i) => {
    const cond = objField(c, `status.conditions[${i}]`, out);
    if (!cond) return;
    if (!strField(cond.type, `status.conditions[${i}].type`, out)) out.push(fe.required(`status.conditions[${i}].type`));
    enumField(cond.status, `status.conditions[${i}].status`, ['True', 'False', 'Unknown'], out);
  });
}

export function validatePod(obj: Obj): StatusCause[] {
  const out = validatePodSpec(obj.spec, 'spec');
  validatePodStatus(obj.status, out);
  return out;
}

const POD_UPDATE_MESSAGE =
  'pod updates may not change fields other than `spec.containers[*].image`, `spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, `spec.tolerations` (only additions to existing tolerations) or `spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/**
 * Kubernetes' pod update rule: copy the mutable fields from the new spec onto the old
 * one and require the rest to be identical. spec.nodeName is not one of them: it goes
 * from unset to set through the binding subresource only (`binding`), so a PATCH or PUT
 * cannot skip the scheduler's 409 on double binding, and it never changes once set.
 */
export function validatePodUpdate(obj: Obj, old: Obj, binding = false): StatusCause[] {
  const out: StatusCause[] = [];
  if (!isObj(obj.spec) || !isObj(old.spec)) return out;
  const next = deepClone(obj.spec);
  const prev = deepClone(old.spec);
  const bound = typeof prev.nodeName === 'string' && prev.nodeName !== '';
  if (bound || binding) {
    if (bound && next.nodeName !== prev.nodeName) out.push(fe.immutable('spec.nodeName', next.nodeName ?? ''));
    // Reported above (or allowed, for binding): not again as a spec change.
    delete next.nodeName;
    delete prev.nodeName;
  }
  // Fields allowed to differ are made equal before comparing.
  for (const listName of ['containers', 'initContainers'] as const) {
    const a = next[listName];
    const b = prev[listName];
    if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
      a.forEach((c, i) => {
        if (isObj(c) && isObj(b[i])) (b[i] as Obj).image = c.image;
      });
    }
  }
  prev.activeDeadlineSeconds = next.activeDeadlineSeconds;
  if (prev.activeDeadlineSeconds === undefined) delete prev.activeDeadlineSeconds;
  // Tolerations: existing ones must stay; new ones may be appended.
  const nt = Array.isArray(next.tolerations) ? next.tolerations : [];
  const pt = Array.isArray(prev.tolerations) ? prev.tolerations : [];
  if (pt.every((t) => nt.some((n) => deepEqual(n, t)))) {
    delete next.tolerations;
    delete prev.tolerations;
  }
  if (typeof prev.terminationGracePeriodSeconds === 'number' && prev.terminationGracePeriodSeconds < 0 && next.terminationGracePeriodSeconds === 1) {
    prev.terminationGracePeriodSeconds = 1;
  }
  if (!deepEqual(next, prev)) out.push(fe.forbidden('spec', POD_UPDATE_MESSAGE));
  return out;
}
