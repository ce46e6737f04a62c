// NodeAffinity: spec.nodeSelector and required node affinity as a filter, preferred
// node affinity as a score (sum of the weights of the preferences the node meets).
// Semantics follow Kubernetes: terms are ORed, expressions within a term ANDed, an
// empty term list or an empty term matches nothing; matchFields knows metadata.name.

import type { Node, NodeSelectorRequirement, NodeSelectorTerm } from '../../api/types.js';
import { fail, PASS, type FilterPlugin, type ScorePlugin } from '../types.js';

export const ERR_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";

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

export function nodeMatchesPod(pod: { spec: { nodeSelector?: Record<string, string>; affinity?: import('../../api/types.js').Affinity } }, node: Node): boolean {
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

export const nodeAffinityFilter: FilterPlugin = {
  name: 'NodeAffinity',
  filter(pod, node) {
    return nodeMatchesPod(pod.pod, node.node) ? PASS : fail(ERR_NODE_AFFINITY);
  },
};

export const nodeAffinityScore: ScorePlugin = {
  name: 'NodeAffinity',
  normalize: 'max',
  score(pod, node) {
    const prefs = pod.pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
    if (!prefs) return 0;
    let sum = 0;
    for (const p of prefs) if (p.weight > 0 && termMatches(p.preference, node.node)) sum += p.weight;
    return sum;
  },
};
