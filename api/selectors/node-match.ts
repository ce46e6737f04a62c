// Does a pod fit a node by its nodeSelector, required node affinity and tolerations?
// Kubernetes' semantics (component-helpers nodeaffinity and core/v1 ToleratesTaint),
// shared by the scheduler's filter plugins and the DaemonSet controller, which must
// decide the same way whether a node should run a daemon pod.
//
// Node affinity: terms are ORed, expressions within a term ANDed, an empty term list or
// an empty term matches nothing; matchFields knows metadata.name.

import type { Affinity, Node, NodeSelectorRequirement, NodeSelectorTerm, Taint, Toleration } from '../types.js';

function parseIntStrict(s: string | undefined): number | undefined {
  if (s === undefined || !/^-?\d+$/.test(s)) return undefined;
  return Number(s);
}

export function requirementMatches(req: NodeSelectorRequirement, values: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(values, req.key);
  const v = values[req.key];
  switch (req.operator) {
    case 'In':
      return has && (req.values ?? []).includes(v!);
    case 'NotIn':
      return !has || !(req.values ?? []).includes(v!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      const nodeVal = parseIntStrict(v);
      const want = parseIntStrict(req.values?.[0]);
      if (!has || nodeVal === undefined || want === undefined || (req.values?.length ?? 0) !== 1) return false;
      return req.operator === 'Gt' ? nodeVal > want : nodeVal < want;
    }
    default:
      return false;
  }
}

export function termMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  for (const r of exprs) if (!requirementMatches(r, labels)) return false;
  if (fields.length > 0) {
    const fieldValues = { 'metadata.name': node.metadata.name ?? '' };
    for (const r of fields) {
      if (r.key !== 'metadata.name') return false;
      if (!requirementMatches(r, fieldValues)) return false;
    }
  }
  return true;
}

export function nodeMatchesPod(pod: { spec: { nodeSelector?: Record<string, string>; affinity?: Affinity } }, node: Node): boolean {
  const selector = pod.spec.nodeSelector;
  if (selector) {
    const labels = node.metadata.labels ?? {};
    for (const k of Object.keys(selector)) if (labels[k] !== selector[k]) return false;
  }
  const required = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required) {
    const terms = required.nodeSelectorTerms ?? [];
    if (!terms.some((t) => termMatches(t, node))) return false;
  }
  return true;
}

export function tolerates(t: Toleration, taint: Pick<Taint, 'key' | 'value' | 'effect'>): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  // An empty key with Exists tolerates every taint.
  if (t.key && t.key !== taint.key) return false;
  if (!t.key && t.operator !== 'Exists') return false;
  if (t.operator === 'Exists') return true;
  return (t.value ?? '') === (taint.value ?? '');
}

export function toleratesAny(tolerations: readonly Toleration[], taint: Pick<Taint, 'key' | 'value' | 'effect'>): boolean {
  for (const t of tolerations) if (tolerates(t, taint)) return true;
  return false;
}
