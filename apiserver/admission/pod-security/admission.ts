// Pod Security admission, as Kubernetes' built-in PodSecurity plugin: a namespace's labels
//   pod-security.kubernetes.io/enforce: privileged | baseline | restricted   → 403
//   pod-security.kubernetes.io/warn:    ...                                  → Warning header
//   pod-security.kubernetes.io/audit:   ...                                  → audit annotation
// (each with an optional `-version` label: "latest" or "v1.N"; orch checks every version
// as latest) decide what a pod may do. A namespace without an enforce label gets the
// apiserver's --pod-security-default (baseline); namespaces in --pod-security-exempt-
// namespaces (default kube-system) and users in --pod-security-exempt-users are not checked.
// Pods are checked on create and on updates that change their spec; the pod templates of
// Deployments and ReplicaSets get warnings and audit annotations only (never refused), as
// in Kubernetes, so a controller's pods are what enforce stops.
// Invalid label values: the namespace write itself is refused (422 naming the label); an
// invalid value already stored counts as restricted (fail closed, as upstream).

import { errors } from '../../../api/errors.js';
import type { KubeObject, PodSpec } from '../../../api/types.js';
import { deepEqual } from '../../../api/meta.js';
import type { AdmissionPlugin, RequestAdmission } from '../types.js';
import { checkPodSpec, describeViolations, LEVELS, type Level } from './checks.js';

export const LABEL_PREFIX = 'pod-security.kubernetes.io/';
export const MODES = ['enforce', 'warn', 'audit'] as const;
export type Mode = (typeof MODES)[number];
/** The audit annotation other parts (the audit log) read: AUDIT_VIOLATIONS_ANNOTATION → "would violate PodSecurity ...". */
export const AUDIT_VIOLATIONS_ANNOTATION = 'pod-security.kubernetes.io/audit-violations';
export const ENFORCE_POLICY_ANNOTATION = 'pod-security.kubernetes.io/enforce-policy';

export interface PodSecurityConfig {
  /** Enforce level of a namespace without the enforce label (warn and audit default to it too). */
  defaultLevel: Level;
  exemptNamespaces: readonly string[];
  exemptUsers: readonly string[];
  /** hostPath prefixes baseline allows (never the container engine's socket). */
  allowedHostPaths: readonly string[];
}

export const DEFAULT_POD_SECURITY: PodSecurityConfig = { defaultLevel: 'baseline', exemptNamespaces: ['kube-system'], exemptUsers: [], allowedHostPaths: [] };

const VERSION = /^(latest|v1\.(0|[1-9]\d*))$/;

function isLevel(v: unknown): v is Level {
  return typeof v === 'string' && (LEVELS as readonly string[]).includes(v);
}

/** 422 causes for pod-security labels of a namespace that are not levels / versions. */
export function checkNamespaceLabels(labels: Record<string, unknown> | undefined): { field: string; reason: string; message: string }[] {
  const out: { field: string; reason: string; message: string }[] = [];
  for (const m of MODES) {
    const level = labels?.[`${LABEL_PREFIX}${m}`];
    if (level !== undefined && !isLevel(level))
      out.push({ field: `metadata.labels[${LABEL_PREFIX}${m}]`, reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(level)}: supported values: "privileged", "baseline", "restricted"` });
    const version = labels?.[`${LABEL_PREFIX}${m}-version`];
    if (version !== undefined && (typeof version !== 'string' || !VERSION.test(version)))
      out.push({ field: `metadata.labels[${LABEL_PREFIX}${m}-version]`, reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(version)}: must be "latest" or "v1.<minor>"` });
  }
  return out;
}

/** A namespace's level for one mode: its label, else the default; a bad stored value counts as restricted. */
export function levelOf(ns: KubeObject | undefined, mode: Mode, cfg: PodSecurityConfig): Level {
  const labels = ns?.metadata.labels as Record<string, unknown> | undefined;
  const own = labels?.[`${LABEL_PREFIX}${mode}`];
  if (own !== undefined) return isLevel(own) ? own : 'restricted';
  if (mode === 'enforce') return cfg.defaultLevel;
  // warn and audit follow the namespace's enforce level when not set, so nothing is noisier than what is enforced.
  return levelOf(ns, 'enforce', cfg);
}

function policyName(ns: KubeObject | undefined, mode: Mode, level: Level): string {
  const v = ns?.metadata.labels?.[`${LABEL_PREFIX}${mode}-version`];
  return `${level}:${typeof v === 'string' && VERSION.test(v) ? v : 'latest'}`;
}

function templateSpecOf(obj: KubeObject): PodSpec | undefined {
  const spec = obj.spec as { template?: { spec?: PodSpec } } | undefined;
  return spec?.template?.spec;
}

function record(req: RequestAdmission | undefined, mode: 'warn' | 'audit', text: string): void {
  if (!req) return;
  if (mode === 'warn') req.warnings.add(text);
  else req.auditAnnotations.set(AUDIT_VIOLATIONS_ANNOTATION, text);
}

export function podSecurityAdmission(cfg: PodSecurityConfig = DEFAULT_POD_SECURITY): AdmissionPlugin {
  return (a) => {
    const r = a.resource;
    if (r.group === '' && r.plural === 'namespaces') {
      if (a.subresource) return;
      const causes = checkNamespaceLabels(a.object.metadata.labels as Record<string, unknown> | undefined);
      if (causes.length) throw errors.invalid('Namespace', a.object.metadata.name ?? '', causes);
      return;
    }
    const isPod = r.group === '' && r.plural === 'pods';
    const isWorkload = r.group === 'apps' && (r.plural === 'deployments' || r.plural === 'replicasets');
    if ((!isPod && !isWorkload) || a.subresource) return;
    const ns = a.object.metadata.namespace;
    if (ns && cfg.exemptNamespaces.includes(ns)) return;
    if (a.request?.user && cfg.exemptUsers.includes(a.request.user.name)) return;
    const spec = isPod ? (a.object.spec as PodSpec | undefined) : templateSpecOf(a.object);
    // Updates are checked when the pod spec (or template) changes, not for labels or status.
    if (a.old && deepEqual(spec, isPod ? a.old.spec : templateSpecOf(a.old))) return;
    const opts = { allowedHostPaths: cfg.allowedHostPaths };
    const enforce = levelOf(a.namespace, 'enforce', cfg);
    const enforced = checkPodSpec(spec, enforce, opts);
    if (enforced.length) {
      const text = `violates PodSecurity ${JSON.stringify(policyName(a.namespace, 'enforce', enforce))}: ${describeViolations(enforced)}`;
      if (isPod) {
        a.request?.auditAnnotations.set(ENFORCE_POLICY_ANNOTATION, policyName(a.namespace, 'enforce', enforce));
        throw errors.forbidden(`pods ${JSON.stringify(a.object.metadata.name ?? '')} is forbidden: ${text}`);
      }
      // A workload's template: what its pods will be refused for, as a warning.
      record(a.request, 'warn', `would ${text.replace(/^violates/, 'violate')}`);
    }
    for (const mode of ['warn', 'audit'] as const) {
      const level = levelOf(a.namespace, mode, cfg);
      const vs = checkPodSpec(spec, level, opts);
      if (vs.length) record(a.request, mode, `would violate PodSecurity ${JSON.stringify(policyName(a.namespace, mode, level))}: ${describeViolations(vs)}`);
    }
  };
}
