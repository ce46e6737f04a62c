// The audit Policy (audit.k8s.io/v1, the format of Kubernetes' --audit-policy-file) and
// its matching: the first rule whose every given field matches the request decides the
// level; no rule matching means None. Written by hand because the matching must be
// Kubernetes' exactly (group "" is core, "pods/log" and "*/status" subresource forms,
// "/healthz*" prefixes, namespaces only for resource requests).
//
// Whatever a rule says, Secrets (and other kinds whose bodies carry credentials) are never
// logged above Metadata: see capLevel.

import fs from 'node:fs';
import YAML from 'yaml';

export type AuditLevel = 'None' | 'Metadata' | 'Request' | 'RequestResponse';
export type AuditStage = 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete' | 'Panic';

export const LEVELS: AuditLevel[] = ['None', 'Metadata', 'Request', 'RequestResponse'];
const STAGES: AuditStage[] = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'];

export interface GroupResources {
  group: string;
  resources: string[];
  resourceNames: string[];
}

export interface PolicyRule {
  level: AuditLevel;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: GroupResources[];
  namespaces?: string[];
  nonResourceURLs?: string[];
  omitStages?: AuditStage[];
  /** Leave metadata.managedFields out of logged bodies (overrides the policy's). */
  omitManagedFields?: boolean;
}

export interface AuditPolicy {
  rules: PolicyRule[];
  omitStages: AuditStage[];
  omitManagedFields: boolean;
}

/** What the policy looks at in a request. */
export interface AuditAttributes {
  user?: { name: string; groups: string[] };
  verb: string;
  /** Resource requests: group ('' core), resource, subresource, namespace, name. */
  resource?: { group: string; resource: string; subresource?: string; namespace?: string; name?: string };
  /** Non-resource requests: the path. */
  path: string;
}

export interface PolicyDecision {
  level: AuditLevel;
  omitStages: Set<AuditStage>;
  omitManagedFields: boolean;
}

function fail(field: string, why: string): never {
  throw new Error(`${field}: ${why}`);
}

function stringList(x: unknown, field: string): string[] | undefined {
  if (x === undefined || x === null) return undefined;
  if (!Array.isArray(x) || x.some((s) => typeof s !== 'string')) fail(field, 'must be a list of strings');
  return x as string[];
}

function bool(x: unknown, field: string): boolean {
  if (typeof x !== 'boolean') fail(field, 'must be true or false');
  return x;
}

function stages(x: unknown, field: string): AuditStage[] {
  const list = stringList(x, field) ?? [];
  list.forEach((s, i) => {
    if (!STAGES.includes(s as AuditStage)) fail(`${field}[${i}]`, `unknown stage ${JSON.stringify(s)}; one of ${STAGES.join(', ')}`);
  });
  return list as AuditStage[];
}

const RULE_FIELDS = new Set(['level', 'users', 'userGroups', 'verbs', 'resources', 'namespaces', 'nonResourceURLs', 'omitStages', 'omitManagedFields']);

export function parseAuditPolicy(text: string): AuditPolicy {
  const doc: unknown = YAML.parse(text);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) fail('(document)', 'must be a Policy object');
  const d = doc as Record<string, unknown>;
  if (d.apiVersion !== 'audit.k8s.io/v1') fail('apiVersion', `must be audit.k8s.io/v1, got ${JSON.stringify(d.apiVersion)}`);
  if (d.kind !== 'Policy') fail('kind', `must be Policy, got ${JSON.stringify(d.kind)}`);
  if (!Array.isArray(d.rules)) fail('rules', 'must be a list');
  const rules = d.rules.map((r: unknown, i: number): PolicyRule => {
    const at = `rules[${i}]`;
    if (typeof r !== 'object' || r === null || Array.isArray(r)) fail(at, 'must be an object');
    const o = r as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!RULE_FIELDS.has(k)) fail(`${at}.${k}`, 'unknown field');
    if (!LEVELS.includes(o.level as AuditLevel)) fail(`${at}.level`, `must be one of ${LEVELS.join(', ')}, got ${JSON.stringify(o.level)}`);
    const rule: PolicyRule = { level: o.level as AuditLevel };
    const users = stringList(o.users, `${at}.users`);
    if (users) rule.users = users;
    const groups = stringList(o.userGroups, `${at}.userGroups`);
    if (groups) rule.userGroups = groups;
    const verbs = stringList(o.verbs, `${at}.verbs`);
    if (verbs) rule.verbs = verbs;
    const namespaces = stringList(o.namespaces, `${at}.namespaces`);
    if (namespaces) rule.namespaces = namespaces;
    const urls = stringList(o.nonResourceURLs, `${at}.nonResourceURLs`);
    if (urls) rule.nonResourceURLs = urls;
    if (o.resources !== undefined) {
      if (!Array.isArray(o.resources)) fail(`${at}.resources`, 'must be a list of {group, resources, resourceNames}');
      rule.resources = o.resources.map((g: unknown, j: number) => {
        const f = `${at}.resources[${j}]`;
        if (typeof g !== 'object' || g === null) fail(f, 'must be an object');
        const gr = g as Record<string, unknown>;
        for (const k of Object.keys(gr)) if (!['group', 'resources', 'resourceNames'].includes(k)) fail(`${f}.${k}`, 'unknown field');
        if (gr.group !== undefined && typeof gr.group !== 'string') fail(`${f}.group`, 'must be a string ("" for the core group)');
        return { group: (gr.group as string | undefined) ?? '', resources: stringList(gr.resources, `${f}.resources`) ?? [], resourceNames: stringList(gr.resourceNames, `${f}.resourceNames`) ?? [] };
      });
    }
    if ((rule.nonResourceURLs && (rule.resources || rule.namespaces))) fail(at, 'nonResourceURLs cannot be combined with resources or namespaces');
    const omit = stages(o.omitStages, `${at}.omitStages`);
    if (omit.length > 0) rule.omitStages = omit;
    if (o.omitManagedFields !== undefined) rule.omitManagedFields = bool(o.omitManagedFields, `${at}.omitManagedFields`);
    return rule;
  });
  for (const k of Object.keys(d)) if (!['apiVersion', 'kind', 'metadata', 'rules', 'omitStages', 'omitManagedFields'].includes(k)) fail(k, 'unknown field');
  return { rules, omitStages: stages(d.omitStages, 'omitStages'), omitManagedFields: d.omitManagedFields === undefined ? false : bool(d.omitManagedFields, 'omitManagedFields') };
}

export function loadAuditPolicy(file: string): AuditPolicy {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`--audit-policy-file ${file}: cannot read: ${(err as Error).message}`);
  }
  try {
    return parseAuditPolicy(text);
  } catch (err) {
    throw new Error(`--audit-policy-file ${file}: ${(err as Error).message}`);
  }
}

function resourceMatches(rule: GroupResources[], r: NonNullable<AuditAttributes['resource']>): boolean {
  const full = r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
  return rule.some((g) => {
    if (g.group !== '*' && g.group !== r.group) return false;
    if (g.resources.length > 0) {
      const hit = g.resources.some((x) => {
        if (x === '*' || x === full) return true;
        if (x === '*/*') return r.subresource !== undefined;
        if (x.startsWith('*/')) return r.subresource === x.slice(2);
        if (x.endsWith('/*')) return r.subresource !== undefined && r.resource === x.slice(0, -2);
        return false;
      });
      if (!hit) return false;
    }
    return g.resourceNames.length === 0 || (r.name !== undefined && g.resourceNames.includes(r.name));
  });
}

function urlMatches(patterns: string[], path: string): boolean {
  return patterns.some((p) => p === '*' || p === path || (p.endsWith('*') && path.startsWith(p.slice(0, -1))));
}

export function ruleMatches(rule: PolicyRule, a: AuditAttributes): boolean {
  if (rule.users && !(a.user && rule.users.includes(a.user.name))) return false;
  if (rule.userGroups && !(a.user && a.user.groups.some((g) => rule.userGroups!.includes(g)))) return false;
  if (rule.verbs && !rule.verbs.includes(a.verb)) return false;
  if (rule.resources || rule.namespaces) {
    if (!a.resource) return false;
    if (rule.namespaces && !rule.namespaces.includes(a.resource.namespace ?? '')) return false;
    if (rule.resources && !resourceMatches(rule.resources, a.resource)) return false;
  }
  if (rule.nonResourceURLs) {
    if (a.resource) return false;
    if (!urlMatches(rule.nonResourceURLs, a.path)) return false;
  }
  return true;
}

/** Kinds whose bodies are credentials: logged at Metadata at most, whatever the policy says. */
export function capLevel(level: AuditLevel, a: AuditAttributes): AuditLevel {
  const r = a.resource;
  if (level === 'None' || level === 'Metadata' || !r) return level;
  const sensitive =
    (r.group === '' && r.resource === 'secrets') ||
    (r.group === '' && r.resource === 'serviceaccounts' && r.subresource === 'token') ||
    (r.group === 'authentication.k8s.io' && r.resource === 'tokenreviews');
  return sensitive ? 'Metadata' : level;
}

export function decide(policy: AuditPolicy, a: AuditAttributes): PolicyDecision {
  const rule = policy.rules.find((r) => ruleMatches(r, a));
  if (!rule) return { level: 'None', omitStages: new Set(policy.omitStages), omitManagedFields: policy.omitManagedFields };
  return {
    level: capLevel(rule.level, a),
    omitStages: new Set([...policy.omitStages, ...(rule.omitStages ?? [])]),
    omitManagedFields: rule.omitManagedFields ?? policy.omitManagedFields,
  };
}

/**
 * The policy `orch up` and the compose demo use: no health probes, no lease renewals or
 * event writes (several per second per node, and nothing an auditor asks about),
 * Metadata for everything else.
 */
export const DEFAULT_POLICY_YAML = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: None
    nonResourceURLs: ["/healthz*", "/readyz*", "/livez*", "/metrics", "/version"]
  - level: None
    verbs: [get, list, watch, update, patch]
    resources:
      - group: coordination.k8s.io
        resources: [leases]
  - level: None
    resources:
      - group: ""
        resources: [events]
      - group: events.k8s.io
        resources: [events]
  - level: Metadata
`;
