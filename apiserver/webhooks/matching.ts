// Which webhooks a request goes to: Kubernetes' rule matcher (operations, apiGroups,
// apiVersions, resources with subresources, scope), namespaceSelector (the namespace's
// labels; a Namespace itself is matched on its own labels) and objectSelector (the new or
// the old object's labels). Pure functions over compiled webhooks (webhook-cache.ts).

import type { RuleWithOperations } from '../../api/admission-types.js';
import type { ResourceInfo } from '../../api/resources.js';
import { matchesLabels, type LabelRequirement } from '../../api/selectors/labels.js';
import type { KubeObject } from '../../api/types.js';
import type { WebhookAttributes } from './types.js';

/** The kinds webhooks are never called for (Kubernetes exempts them), so a broken webhook cannot lock itself in. */
export function isExempt(r: Pick<ResourceInfo, 'group'>): boolean {
  return r.group === 'admissionregistration.k8s.io';
}

/** "pods" → ["pods", ""]; "pods/status" → ["pods", "status"]; "*" → ["*", ""]. */
function splitResource(s: string): [string, string] {
  const i = s.indexOf('/');
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}

const has = (list: readonly string[] | undefined, v: string): boolean => !!list && (list.includes('*') || list.includes(v));

export interface RuleTarget {
  group: string;
  version: string;
  plural: string;
  subresource: string;
  namespaced: boolean;
}

export function ruleMatches(rule: RuleWithOperations, op: string, t: RuleTarget): boolean {
  if (!has(rule.operations, op)) return false;
  if (!has(rule.apiGroups, t.group) || !has(rule.apiVersions, t.version)) return false;
  const resourceOk = (rule.resources ?? []).some((entry) => {
    const [res, sub] = splitResource(entry);
    return (res === '*' || res === t.plural) && (sub === '*' || sub === t.subresource);
  });
  if (!resourceOk) return false;
  const scope = rule.scope ?? '*';
  if (scope === 'Cluster') return !t.namespaced;
  if (scope === 'Namespaced') return t.namespaced;
  return true;
}

export function rulesMatch(rules: readonly RuleWithOperations[] | undefined, op: string, t: RuleTarget): boolean {
  return (rules ?? []).some((r) => ruleMatches(r, op, t));
}

export function targetOf(r: ResourceInfo, subresource: string | undefined, version = r.version): RuleTarget {
  return { group: r.group, version, plural: r.plural, subresource: subresource ?? '', namespaced: r.namespaced };
}

/** undefined: an empty selector (matches everything). */
export type CompiledSelector = LabelRequirement[] | undefined;

const labelsOf = (o: KubeObject | undefined): Record<string, string> | undefined => o?.metadata?.labels as Record<string, string> | undefined;

/**
 * namespaceSelector: cluster-scoped objects other than Namespaces always match; a
 * Namespace is matched on its own labels (the new object on create/update, the stored one
 * otherwise); a namespaced object on its namespace's.
 */
export function namespaceMatches(sel: CompiledSelector, a: Pick<WebhookAttributes, 'resource' | 'subresource' | 'operation' | 'object' | 'oldObject' | 'namespaceObject'>): boolean {
  if (!sel || sel.length === 0) return true;
  const r = a.resource;
  if (r.group === '' && r.plural === 'namespaces') {
    const own = !a.subresource && (a.operation === 'CREATE' || a.operation === 'UPDATE') ? a.object : (a.oldObject ?? a.object);
    return matchesLabels(sel, labelsOf(own));
  }
  if (!r.namespaced) return true;
  return matchesLabels(sel, labelsOf(a.namespaceObject));
}

/** objectSelector: the new object's labels or the old object's. */
export function objectMatches(sel: CompiledSelector, a: Pick<WebhookAttributes, 'object' | 'oldObject'>): boolean {
  if (!sel || sel.length === 0) return true;
  return (a.object !== undefined && matchesLabels(sel, labelsOf(a.object))) || (a.oldObject !== undefined && matchesLabels(sel, labelsOf(a.oldObject)));
}
