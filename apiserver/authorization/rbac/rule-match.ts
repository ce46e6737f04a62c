// Whether one RBAC rule allows one request, and whether one set of rules covers another
// (escalation checks): Kubernetes' rbac/v1 helpers (VerbMatches, APIGroupMatches,
// ResourceMatches, ResourceNameMatches, NonResourceURLMatches) and its validation.Covers,
// rewritten here because the exact semantics are the point:
//   - '*' in verbs, apiGroups or resources matches anything (resources: subresources too);
//   - a subresource matches 'pods/log' exactly or the form '*/log'; like Kubernetes,
//     'pods/*' is NOT a wildcard (it only matches a resource literally named so);
//   - resourceNames, when present, match only requests that name one of them (so never a
//     create, list or watch without a name);
//   - nonResourceURLs match exactly, or by prefix when the rule's URL ends in '*'.
// Rules are compiled once into sets (compileRule) so a decision is a few set lookups.

import type { PolicyRule } from '../../../api/rbac-types.js';

export interface CompiledRule {
  readonly source: PolicyRule;
  readonly verbs: ReadonlySet<string>;
  readonly groups: ReadonlySet<string>;
  readonly resources: ReadonlySet<string>;
  /** undefined: any name. */
  readonly names?: ReadonlySet<string>;
  /** Exact URLs, and prefixes of URLs ending in '*'. */
  readonly urls: ReadonlySet<string>;
  readonly urlPrefixes: readonly string[];
}

const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export function compileRule(r: PolicyRule): CompiledRule {
  const names = list(r.resourceNames);
  const urls = list(r.nonResourceURLs);
  return {
    source: r,
    verbs: new Set(list(r.verbs)),
    groups: new Set(list(r.apiGroups)),
    resources: new Set(list(r.resources)),
    names: names.length > 0 ? new Set(names) : undefined,
    urls: new Set(urls),
    urlPrefixes: urls.filter((u) => u.endsWith('*')).map((u) => u.slice(0, -1)),
  };
}

/** What a resource request asks, in RBAC's words. */
export interface ResourceAttributes {
  verb: string;
  group: string;
  /** The plural, e.g. 'pods'. */
  resource: string;
  subresource?: string;
  name?: string;
}

export function ruleAllows(rule: CompiledRule, a: ResourceAttributes): boolean {
  if (!rule.verbs.has('*') && !rule.verbs.has(a.verb)) return false;
  if (!rule.groups.has('*') && !rule.groups.has(a.group)) return false;
  if (!resourceMatches(rule.resources, a.resource, a.subresource)) return false;
  return rule.names === undefined || (a.name !== undefined && a.name !== '' && rule.names.has(a.name));
}

function resourceMatches(resources: ReadonlySet<string>, resource: string, sub: string | undefined): boolean {
  if (resources.has('*')) return true;
  if (!sub) return resources.has(resource);
  return resources.has(`${resource}/${sub}`) || resources.has(`*/${sub}`);
}

export function ruleAllowsNonResource(rule: CompiledRule, verb: string, path: string): boolean {
  if (!rule.verbs.has('*') && !rule.verbs.has(verb)) return false;
  if (rule.urls.has('*') || rule.urls.has(path)) return true;
  return rule.urlPrefixes.some((p) => path.startsWith(p));
}

// ---- Covers (escalation prevention) ----

const hasAll = (set: readonly string[], want: readonly string[]) => want.every((w) => set.includes(w));

function resourceCoversAll(owner: readonly string[], wanted: readonly string[]): boolean {
  if (owner.includes('*') || hasAll(owner, wanted)) return true;
  return wanted.every((path) => {
    if (owner.includes(path)) return true;
    const i = path.indexOf('/');
    return i >= 0 && owner.includes(`*/${path.slice(i + 1)}`);
  });
}

function urlCovers(owner: string, sub: string): boolean {
  if (owner === sub) return true;
  if (!owner.endsWith('*')) return false;
  return sub.startsWith(owner.replace(/\*+$/, ''));
}

function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const ov = list(owner.verbs);
  const og = list(owner.apiGroups);
  const on = list(owner.resourceNames);
  const sn = list(sub.resourceNames);
  const verbs = ov.includes('*') || hasAll(ov, list(sub.verbs));
  const groups = og.includes('*') || hasAll(og, list(sub.apiGroups));
  const resources = resourceCoversAll(list(owner.resources), list(sub.resources));
  const urls = list(sub.nonResourceURLs).every((u) => list(owner.nonResourceURLs).some((o) => urlCovers(o, u)));
  const names = sn.length === 0 ? on.length === 0 : on.length === 0 || hasAll(on, sn);
  return verbs && groups && resources && urls && names;
}

/** One rule split into rules of one verb, group, resource and name (or one verb and URL): Kubernetes' BreakdownRule. */
export function breakdownRule(r: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  const names = list(r.resourceNames);
  for (const group of list(r.apiGroups))
    for (const resource of list(r.resources)) {
      for (const verb of list(r.verbs)) {
        if (names.length === 0) out.push({ verbs: [verb], apiGroups: [group], resources: [resource] });
        for (const name of names) out.push({ verbs: [verb], apiGroups: [group], resources: [resource], resourceNames: [name] });
      }
    }
  for (const url of list(r.nonResourceURLs)) for (const verb of list(r.verbs)) out.push({ verbs: [verb], nonResourceURLs: [url] });
  return out;
}

/** The parts of `wanted` no rule of `owner` covers (empty: covered). */
export function uncoveredRules(owner: readonly PolicyRule[], wanted: readonly PolicyRule[]): PolicyRule[] {
  const missing: PolicyRule[] = [];
  for (const w of wanted) for (const atom of breakdownRule(w)) if (!owner.some((o) => ruleCovers(o, atom))) missing.push(atom);
  return missing;
}

/** A rule as Kubernetes prints it in escalation errors: {APIGroups:[""], Resources:["pods"], Verbs:["get"]}. */
export function ruleString(r: PolicyRule): string {
  const q = (xs: string[]) => `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;
  const parts: string[] = [];
  if (list(r.apiGroups).length) parts.push(`APIGroups:${q(list(r.apiGroups))}`);
  if (list(r.resources).length) parts.push(`Resources:${q(list(r.resources))}`);
  if (list(r.resourceNames).length) parts.push(`ResourceNames:${q(list(r.resourceNames))}`);
  if (list(r.nonResourceURLs).length) parts.push(`NonResourceURLs:${q(list(r.nonResourceURLs))}`);
  parts.push(`Verbs:${q(list(r.verbs))}`);
  return `{${parts.join(', ')}}`;
}
