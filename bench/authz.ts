// `npm run bench -- authz`: the cost of one authorization decision with 1,000 Roles and
// 1,000 bindings (spread over 50 namespaces, 500 users and 50 groups, plus the default
// policy), allowed and denied, through the apiserver's chain [Node, RBAC] — against the
// same run's chain [Node, AlwaysAllow] (orch before RBAC) as the baseline. In-process:
// the decision is a synchronous call, the same one the onRequest hook makes; each sample
// is one call timed with process.hrtime (its own ~0.1 µs is included in every figure).

import { RBAC_API_VERSION } from '../api/rbac-types.js';
import type { KubeObject } from '../api/types.js';
import { allowAuthenticated, authorizerChain, type AuthorizerChain } from '../apiserver/authorization/chain.js';
import { nodeAuthorizer } from '../apiserver/authorization/node-rules.js';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from '../apiserver/authorization/rbac/bootstrap-policy.js';
import { aggregatedRules } from '../controller/clusterrole-aggregation/controller.js';
import { PolicyIndex } from '../apiserver/authorization/rbac/policy-index.js';
import { RbacAuthorizer } from '../apiserver/authorization/rbac/rbac-authorizer.js';
import { parseRequestInfo, type ResourceRequest } from '../apiserver/request-info.js';
import type { UserInfo } from '../foundation/token-auth.js';
import { summarize } from './lib/stats.js';
import { renderTable, verdict, type ResultRow } from './lib/table.js';
import type { Bench } from './lib/types.js';

const NAMESPACES = 50;
const USERS = 500;
const GROUPS = 50;
const ROLES = 1000;
const BINDINGS = 1000;
const SAMPLES = 200_000;

const RESOURCES: Array<[string, string]> = [
  ['', 'pods'], ['', 'configmaps'], ['', 'secrets'], ['', 'services'], ['', 'endpoints'], ['', 'events'],
  ['apps', 'deployments'], ['apps', 'replicasets'], ['discovery.k8s.io', 'endpointslices'], ['coordination.k8s.io', 'leases'], ['policy', 'poddisruptionbudgets'],
];
const VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

/** A small deterministic PRNG, so every run builds the same policy. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 2246822507) + 0x9e3779b9) >>> 0) / 2 ** 32);
}

interface World {
  index: PolicyIndex;
  users: UserInfo[];
  allowed: Array<[UserInfo, ResourceRequest]>;
  denied: Array<[UserInfo, ResourceRequest]>;
}

function path(group: string, ns: string, plural: string, name?: string): string {
  const base = group ? `/apis/${group}/v1` : '/api/v1';
  return `${base}/namespaces/${ns}/${plural}${name ? `/${name}` : ''}`;
}
const METHOD: Record<string, string> = { get: 'GET', list: 'GET', watch: 'GET', create: 'POST', update: 'PUT', patch: 'PATCH', delete: 'DELETE' };
function request(verb: string, group: string, ns: string, plural: string): ResourceRequest {
  const named = verb !== 'list' && verb !== 'watch' && verb !== 'create';
  return parseRequestInfo(METHOD[verb]!, path(group, ns, plural, named ? 'obj-1' : undefined), verb === 'watch' ? { watch: 'true' } : {}) as ResourceRequest;
}

function buildWorld(): World {
  const rand = rng(18);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const index = new PolicyIndex();
  const roles = bootstrapClusterRoles();
  for (const r of roles) if (r.aggregationRule) r.rules = aggregatedRules(r, roles);
  for (const r of roles) index.put('ClusterRole', r as KubeObject);
  for (const b of bootstrapClusterRoleBindings()) index.put('ClusterRoleBinding', b as KubeObject);

  const groups = Array.from({ length: GROUPS }, (_, i) => `team-${i}`);
  const users: UserInfo[] = Array.from({ length: USERS }, (_, i) => ({ name: `user-${i}`, groups: [pick(groups), pick(groups), 'system:authenticated'] }));
  // What each role grants, to derive requests it allows.
  const grants = new Map<string, Array<{ verbs: string[]; group: string; plural: string }>>();
  const roleNames: Array<{ ns?: string; name: string }> = [];
  for (let i = 0; i < ROLES; i++) {
    const clusterWide = i % 10 === 0; // 100 ClusterRoles, 900 Roles
    const ns = clusterWide ? undefined : `ns-${i % NAMESPACES}`;
    const rules = Array.from({ length: 2 + Math.floor(rand() * 4) }, () => {
      const [group, plural] = pick(RESOURCES);
      const verbs = VERBS.filter(() => rand() < 0.4);
      return { verbs: verbs.length ? verbs : ['get'], apiGroups: [group], resources: [plural] };
    });
    const name = `role-${i}`;
    index.put(clusterWide ? 'ClusterRole' : 'Role', { apiVersion: RBAC_API_VERSION, kind: clusterWide ? 'ClusterRole' : 'Role', metadata: { name, namespace: ns }, rules } as KubeObject);
    grants.set(`${ns ?? ''}/${name}`, rules.map((r) => ({ verbs: r.verbs, group: r.apiGroups[0]!, plural: r.resources[0]! })));
    roleNames.push({ ns, name });
  }
  const allowed: World['allowed'] = [];
  // Every binding as (subject, namespace or cluster-wide, role key): the naive reference
  // that picks requests nobody allows (and checks the index answers the same).
  const flat: Array<{ subject: string; ns?: string; role: string }> = [];
  for (let i = 0; i < BINDINGS; i++) {
    const role = pick(roleNames);
    const toGroup = rand() < 0.2;
    const subjectUser = pick(users);
    const subject = toGroup ? { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: pick(groups) } : { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: subjectUser.name };
    // Cluster-wide bindings are rare (5 %): most access is per namespace, as in real clusters.
    const clusterBinding = role.ns === undefined && rand() < 0.05;
    const ns = role.ns ?? `ns-${Math.floor(rand() * NAMESPACES)}`;
    const kind = clusterBinding ? 'ClusterRoleBinding' : 'RoleBinding';
    index.put(kind, {
      apiVersion: RBAC_API_VERSION,
      kind,
      metadata: { name: `binding-${i}`, namespace: clusterBinding ? undefined : ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: role.ns ? 'Role' : 'ClusterRole', name: role.name },
      subjects: [subject],
    } as KubeObject);
    flat.push({ subject: toGroup ? `g:${subject.name}` : `u:${subject.name}`, ns: clusterBinding ? undefined : ns, role: `${role.ns ?? ''}/${role.name}` });
    if (toGroup || clusterBinding) continue;
    for (const g of grants.get(`${role.ns ?? ''}/${role.name}`)!) for (const v of g.verbs) allowed.push([subjectUser, request(v, g.group, ns, g.plural)]);
  }
  const naiveAllows = (u: UserInfo, verb: string, group: string, ns: string, plural: string) =>
    flat.some(
      (b) =>
        (b.subject === `u:${u.name}` || u.groups.some((g) => b.subject === `g:${g}`)) &&
        (b.ns === undefined || b.ns === ns) &&
        grants.get(b.role)!.some((g) => g.group === group && g.plural === plural && g.verbs.includes(verb)),
    );
  const denied: World['denied'] = [];
  while (denied.length < 2000) {
    const u = pick(users);
    const [group, plural] = pick(RESOURCES);
    const verb = pick(VERBS);
    const ns = `ns-${Math.floor(rand() * NAMESPACES)}`;
    if (naiveAllows(u, verb, group, ns, plural)) continue;
    denied.push([u, request(verb, group, ns, plural)]);
  }
  return { index, users, allowed, denied };
}

function measure(chain: AuthorizerChain, cases: Array<[UserInfo, ResourceRequest]>, expect: boolean): { p50: number; p99: number; mismatches: number } {
  const samples = new Float64Array(SAMPLES);
  let mismatches = 0;
  for (let i = 0; i < SAMPLES; i++) {
    const [u, r] = cases[i % cases.length]!;
    const t0 = process.hrtime.bigint();
    const d = chain.authorize(u, r);
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
    if ((d.allowed === true) !== expect) mismatches++;
  }
  const s = summarize(samples);
  return { p50: s.p50, p99: s.p99, mismatches };
}

export const bench: Bench = {
  description: 'authorization decision p50/p99 with 1,000 roles and 1,000 bindings, allowed and denied, vs AlwaysAllow',
  async run(ctx) {
    const t0 = Date.now();
    const w = buildWorld();
    const rbac = new RbacAuthorizer(w.index);
    const withRbac = authorizerChain([nodeAuthorizer, rbac]);
    const baseline = authorizerChain([nodeAuthorizer, allowAuthenticated]);
    const c = w.index.counts();
    ctx.say(`policy: ${c.roles} Roles, ${c.clusterRoles} ClusterRoles (defaults included), ${c.bindings} bindings; ${w.users.length} users; built in ${Date.now() - t0} ms`);
    // Warm up the JIT on both paths before measuring.
    measure(withRbac, w.allowed, true);
    measure(withRbac, w.denied, false);
    measure(baseline, w.allowed, true);
    const allowed = measure(withRbac, w.allowed, true);
    const denied = measure(withRbac, w.denied, false);
    const base = measure(baseline, [...w.allowed, ...w.denied], true);
    if (allowed.mismatches || denied.mismatches) throw new Error(`wrong decisions: ${allowed.mismatches} allowed requests refused, ${denied.mismatches} denied requests allowed`);
    const rows: ResultRow[] = [
      { metric: 'allowed: decision p50', unit: 'µs', orch: allowed.p50, baseline: base.p50, target: 20, direction: 'lower' },
      { metric: 'allowed: decision p99', unit: 'µs', orch: allowed.p99, baseline: base.p99, direction: 'lower' },
      { metric: 'denied: decision p50', unit: 'µs', orch: denied.p50, baseline: base.p50, target: 20, direction: 'lower' },
      { metric: 'denied: decision p99', unit: 'µs', orch: denied.p99, baseline: base.p99, direction: 'lower', note: `${SAMPLES} decisions each; baseline: [Node, AlwaysAllow] on the same requests` },
    ];
    ctx.say(renderTable('authorization with 1,000 roles and 1,000 bindings ([Node, RBAC] vs [Node, AlwaysAllow])', rows));
    return ctx.args.includes('--strict') && rows.some((r) => verdict(r) === 'FAIL') ? 1 : 0;
  },
};
