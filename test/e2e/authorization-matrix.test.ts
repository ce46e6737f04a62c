// The authorization matrix: every resource and subresource the apiserver lists in
// discovery (/api/v1, /apis, each group version — so a kind added later is covered
// without editing this file), every verb discovery lists for it, asked by anonymous
// (401), a node (system:node:n1, no pods bound), an unbound service account, users bound
// with RoleBindings to view / edit / admin in namespace "matrix", and a cluster-admin —
// in the bound namespace, in another one, and cluster-wide. Each answer must be what
// Kubernetes v1.32 answers: 403 where it refuses, something other than 401/403 (2xx, or
// 404/409/422 for a request on a missing object) where it lets the request through.
//
// The expected answers are the table below, written from Kubernetes' bootstrap policy
// (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go and its testdata/
// cluster-roles.yaml: system:aggregate-to-view / -edit / -admin, system:basic-user,
// NodeRules) plus what the Node authorizer and the NodeRestriction admission plugin
// decide for a node that runs no pods; never computed by orch's own authorizer. A kind the table does not know fails the test ("add a row").
// Every write is sent with dryRun=All, so the run changes nothing, whoever is allowed.

import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../../client/rest-client.js';
import { ControllerManager } from '../../controller/manager.js';
import { silentLogger } from '../../foundation/logger.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { eventually } from '../helpers/eventually.js';

const R = ['get', 'list', 'watch'];
const W = ['create', 'update', 'patch', 'delete', 'deletecollection'];
const RW = [...R, ...W];

/**
 * What each identity may do with one resource (key `group/resource[/subresource]`, core
 * group as `core`). view, edit and admin are additive (edit has view's, admin edit's),
 * granted inside the namespace of the RoleBinding only. `everyone`: system:basic-user
 * (every authenticated user). `node`: the final answer for node n1 with no pods bound,
 * on the objects this test names (missing ones, another node's).
 */
interface Row {
  view?: string[];
  edit?: string[];
  admin?: string[];
  everyone?: string[];
  node?: string[];
  /** `namespaces`: RBAC treats the namespace object's name as its namespace. */
  selfNamespace?: boolean;
}

const TABLE: Record<string, Row> = {
  // core
  'core/namespaces': { view: R, selfNamespace: true, node: [] },
  'core/namespaces/status': { view: R, selfNamespace: true, node: [] },
  'core/nodes': { node: ['get', 'list', 'watch'] }, // create/update of another node: NodeRestriction
  'core/nodes/status': { node: [] }, // update/patch another node's status: NodeRestriction
  // node: list/watch only with fieldSelector spec.nodeName=<itself> (1.32's Node authorizer,
  // AuthorizeNodeWithSelectors); create: NodeRestriction (mirror pods only).
  'core/pods': { view: R, edit: W, node: ['get', 'delete'] },
  'core/pods/status': { view: R, node: ['update', 'patch'] },
  'core/pods/binding': { node: [] },
  'core/pods/log': { view: R, node: [] },
  'core/pods/eviction': { edit: ['create'], node: ['create'] },
  'core/pods/exec': { edit: RW, node: [] },
  'core/pods/attach': { edit: RW, node: [] },
  'core/pods/portforward': { edit: RW, node: [] },
  'core/services': { view: R, edit: W, node: R },
  'core/services/status': { view: R, node: [] },
  'core/endpoints': { view: R, node: ['get'] },
  'core/configmaps': { view: R, edit: W, node: [] }, // node: only those its pods use
  'core/secrets': { edit: RW, node: [] },
  'core/events': { view: R, edit: W, node: ['create', 'update', 'patch'] },
  'core/serviceaccounts': { view: R, edit: W, node: [] },
  'core/serviceaccounts/token': { edit: ['create'], node: [] },
  'core/persistentvolumeclaims': { view: R, edit: W, node: [] },
  'core/persistentvolumeclaims/status': { view: R, node: [] },
  'core/persistentvolumes': { node: [] },
  'core/persistentvolumes/status': { node: [] },
  'core/limitranges': { view: R, node: [] },
  'core/resourcequotas': { view: R, node: [] },
  'core/resourcequotas/status': { view: R, node: [] },
  'core/replicationcontrollers': { view: R, edit: W, node: [] },
  'core/replicationcontrollers/scale': { view: R, edit: W, node: [] },
  'core/replicationcontrollers/status': { view: R, node: [] },
  // apps
  'apps/deployments': { view: R, edit: W, node: [] },
  'apps/deployments/status': { view: R, node: [] },
  'apps/deployments/scale': { view: R, edit: W, node: [] },
  'apps/replicasets': { view: R, edit: W, node: [] },
  'apps/replicasets/status': { view: R, node: [] },
  'apps/replicasets/scale': { view: R, edit: W, node: [] },
  'apps/statefulsets': { view: R, edit: W, node: [] },
  'apps/statefulsets/status': { view: R, node: [] },
  'apps/statefulsets/scale': { view: R, edit: W, node: [] },
  'apps/daemonsets': { view: R, edit: W, node: [] },
  'apps/daemonsets/status': { view: R, node: [] },
  'apps/controllerrevisions': { view: R, node: [] },
  'batch/jobs': { view: R, edit: W, node: [] },
  'batch/jobs/status': { view: R, node: [] },
  'batch/cronjobs': { view: R, edit: W, node: [] },
  'batch/cronjobs/status': { view: R, node: [] },
  'autoscaling/horizontalpodautoscalers': { view: R, edit: W, node: [] },
  'autoscaling/horizontalpodautoscalers/status': { view: R, node: [] },
  'policy/poddisruptionbudgets': { view: R, edit: W, node: [] },
  'policy/poddisruptionbudgets/status': { view: R, node: [] },
  'discovery.k8s.io/endpointslices': { view: R, node: [] },
  // Leases: edit may use them (leader election in apps); a node only its own, in
  // kube-node-lease (Node authorizer), so none here.
  'coordination.k8s.io/leases': { edit: RW, node: [] },
  'storage.k8s.io/storageclasses': { node: [] },
  'apiextensions.k8s.io/customresourcedefinitions': { node: [] },
  // Webhook configurations: cluster administrators only, as in Kubernetes' bootstrap policy.
  'admissionregistration.k8s.io/validatingwebhookconfigurations': { node: [] },
  'admissionregistration.k8s.io/mutatingwebhookconfigurations': { node: [] },
  'apiextensions.k8s.io/customresourcedefinitions/status': { node: [] },
  'rbac.authorization.k8s.io/roles': { admin: RW, node: [] },
  'rbac.authorization.k8s.io/rolebindings': { admin: RW, node: [] },
  'rbac.authorization.k8s.io/clusterroles': { node: [] },
  'rbac.authorization.k8s.io/clusterrolebindings': { node: [] },
  'certificates.k8s.io/certificatesigningrequests': { node: ['create', 'get', 'list', 'watch'] },
  'certificates.k8s.io/certificatesigningrequests/approval': { node: [] },
  'certificates.k8s.io/certificatesigningrequests/status': { node: [] },
  // Reviews (create only): self reviews for everyone, the rest as Kubernetes' roles.
  'authorization.k8s.io/selfsubjectaccessreviews': { everyone: ['create'] },
  'authorization.k8s.io/selfsubjectrulesreviews': { everyone: ['create'] },
  'authorization.k8s.io/subjectaccessreviews': { node: ['create'] },
  'authorization.k8s.io/localsubjectaccessreviews': { admin: ['create'], node: ['create'] },
  'authentication.k8s.io/selfsubjectreviews': { everyone: ['create'] },
  'authentication.k8s.io/tokenreviews': { node: ['create'] },
  // Resource metrics (read only): system:aggregated-metrics-reader, aggregated into view
  // (as metrics-server installs it); node figures are cluster-scoped, so no RoleBinding grants them.
  'metrics.k8s.io/pods': { view: ['get', 'list'], node: [] },
  'metrics.k8s.io/nodes': { node: [] },
};

/**
 * orch's documented departures from Kubernetes, each with where it is written down. Keep
 * this short: an answer that differs from Kubernetes' and is not listed here is a bug.
 */
const NODE_DOC = 'docs/security/node-authorization.md: the Node authorizer grants exactly what orch\'s agent and proxy call';
const DEVIATIONS: Array<{ who: 'node'; key: string; allow?: string[]; deny?: string[]; why: string }> = [
  { who: 'node', key: 'core/endpoints', allow: ['list', 'watch'], why: `the proxy and DNS use the node credential (kube-proxy: system:node-proxier); ${NODE_DOC}` },
  { who: 'node', key: 'discovery.k8s.io/endpointslices', allow: R, why: 'the same: the proxy reads EndpointSlices with the node credential' },
  { who: 'node', key: 'core/nodes/status', allow: ['get'], why: `${NODE_DOC} (nodes: get/list/watch, status included)` },
  // Kubernetes' NodeRules allow these; orch's agent never calls them, so its Node authorizer does not.
  { who: 'node', key: 'authentication.k8s.io/tokenreviews', deny: ['create'], why: NODE_DOC },
  { who: 'node', key: 'authorization.k8s.io/subjectaccessreviews', deny: ['create'], why: NODE_DOC },
  { who: 'node', key: 'authorization.k8s.io/localsubjectaccessreviews', deny: ['create'], why: NODE_DOC },
  { who: 'node', key: 'core/pods/eviction', deny: ['create'], why: NODE_DOC },
  // Kubernetes' graph allows only the volumes of its pods' claims; orch's graph has no claim → volume edge yet.
  { who: 'node', key: 'core/persistentvolumes', allow: ['get'], why: 'docs/storage.md (Where orch differs): nodes may read any PersistentVolume by name' },
];

type Identity = 'anonymous' | 'node' | 'serviceaccount' | 'view' | 'edit' | 'admin' | 'cluster-admin';
type Scope = 'matrix' | 'other' | 'cluster';
type Outcome = 'allow' | 'deny' | 'unauthenticated';

const NS = 'matrix';
const OTHER = 'matrix-other';
/** The token-file users of the identities (the node is the helper's node n1). */
const USERS = {
  serviceaccount: { name: 'system:serviceaccount:default:default', groups: ['system:serviceaccounts', 'system:serviceaccounts:default'] },
  view: { name: 'matrix-viewer' },
  edit: { name: 'matrix-editor' },
  admin: { name: 'matrix-admin' },
  'cluster-admin': { name: 'matrix-root' },
} as const;

let s: TestApiServer;
let manager: ControllerManager;

beforeAll(async () => {
  s = await startTestApiServer({
    nodeNames: ['n1'],
    users: Object.values(USERS).map((u) => ({ name: u.name, groups: 'groups' in u ? [...u.groups] : [] })),
  });
  // admin / edit / view are aggregated ClusterRoles: the controller manager's aggregation
  // controller fills their rules, as in Kubernetes.
  manager = new ControllerManager({ client: new ApiClient({ server: s.url, token: s.token }), logger: silentLogger(), controllers: ['clusterrole-aggregation'] });
  await manager.start();
  for (const name of [NS, OTHER]) await must('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  const ref = (name: string) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name });
  const user = (name: string) => [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name }];
  for (const [role, who] of [['view', 'matrix-viewer'], ['edit', 'matrix-editor'], ['admin', 'matrix-admin']])
    await must('POST', `${rbac}/namespaces/${NS}/rolebindings`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: `matrix-${role}` }, roleRef: ref(role), subjects: user(who) });
  await must('POST', `${rbac}/clusterrolebindings`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'matrix-root' }, roleRef: ref('cluster-admin'), subjects: user('matrix-root') });
  // Bindings reach the authorizer through its watch: wait until the last one holds.
  await eventually('the bindings are in force', async () => (await send('cluster-admin', 'GET', '/api/v1/nodes')).status === 200, 15_000);
  await eventually('admin, edit and view aggregated and bound', async () => (await send('admin', 'GET', `${rbac}/namespaces/${NS}/roles`)).status === 200 && (await send('view', 'GET', `/api/v1/namespaces/${NS}/pods`)).status === 200, 15_000);
}, 60_000);
afterAll(async () => {
  await manager?.stop();
  await s?.stop();
});

async function must(method: string, path: string, body: unknown): Promise<void> {
  const r = await send('root-token', method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
}

/** One request as an identity ('root-token': the test server's own admin token). */
async function send(who: Identity | 'root-token', method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = {};
  const token = who === 'root-token' ? s.token : who === 'anonymous' ? undefined : who === 'node' ? s.nodeTokens.n1 : s.userTokens[USERS[who].name];
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = contentType;
  const ac = new AbortController();
  const res = await fetch(`${s.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: ac.signal });
  // A watch that was let through streams until its timeout: its status line is the answer.
  if (path.includes('watch=true') && res.status === 200) {
    ac.abort();
    return { status: 200, text: '' };
  }
  return { status: res.status, text: await res.text() };
}

interface Entry {
  key: string;
  base: string;
  resource: string;
  subresource?: string;
  namespaced: boolean;
  verbs: string[];
}

/** Every resource and subresource discovery lists, with its verbs. */
async function discover(): Promise<Entry[]> {
  const gvs: Array<{ group: string; gv: string; base: string }> = [{ group: '', gv: 'v1', base: '/api/v1' }];
  const apis = JSON.parse((await send('root-token', 'GET', '/apis')).text) as { groups: Array<{ name: string; versions: Array<{ groupVersion: string }> }> };
  for (const g of apis.groups) for (const v of g.versions) gvs.push({ group: g.name, gv: v.groupVersion, base: `/apis/${v.groupVersion}` });
  const out: Entry[] = [];
  for (const { group, base } of gvs) {
    const list = JSON.parse((await send('root-token', 'GET', base)).text) as { resources: Array<{ name: string; namespaced: boolean; verbs: string[] }> };
    for (const r of list.resources) {
      const [resource, subresource] = r.name.split('/') as [string, string | undefined];
      out.push({ key: `${group || 'core'}/${r.name}`, base, resource, subresource, namespaced: r.namespaced, verbs: r.verbs });
    }
  }
  return out;
}

/**
 * The request for one verb on one entry in one scope; undefined where the scope makes no
 * sense: a namespaced kind is asked in both namespaces and listed / watched cluster-wide,
 * a cluster-scoped kind asked once ("cluster"), and a Namespace (whose name is its own
 * namespace to RBAC) by name in both namespaces and as a collection cluster-wide.
 */
function requestFor(e: Entry, verb: string, scope: Scope): { method: string; path: string; body?: unknown; contentType?: string } | undefined {
  const onCollection = !e.subresource && ['list', 'watch', 'deletecollection', 'create'].includes(verb);
  const selfNs = e.resource === 'namespaces';
  if (selfNs) {
    if ((scope === 'cluster') !== onCollection) return undefined;
  } else if (e.namespaced) {
    if (scope === 'cluster' && !(verb === 'list' || verb === 'watch')) return undefined;
  } else if (scope !== 'cluster') return undefined;
  const ns = scope === 'matrix' ? NS : OTHER;
  const prefix = e.namespaced && scope !== 'cluster' ? `${e.base}/namespaces/${ns}` : e.base;
  const createOnly = e.verbs.length === 1 && e.verbs[0] === 'create' && !e.subresource; // reviews
  // Objects named here do not exist (404 when allowed), except a namespace under test itself.
  const name = selfNs ? ns : 'matrix-missing';
  const objectPath = `${prefix}/${e.resource}/${encodeURIComponent(name)}${e.subresource ? `/${e.subresource}` : ''}`;
  const collection = `${prefix}/${e.resource}`;
  const dry = 'dryRun=All';
  switch (verb) {
    case 'get':
      return { method: 'GET', path: objectPath };
    case 'list':
      return { method: 'GET', path: collection };
    case 'watch':
      return { method: 'GET', path: `${collection}?watch=true&timeoutSeconds=1` };
    case 'create':
      if (e.subresource) return { method: 'POST', path: `${objectPath}?${dry}`, body: {} };
      return { method: 'POST', path: createOnly ? collection : `${collection}?${dry}`, body: createBody(e, ns) };
    case 'update':
      return { method: 'PUT', path: `${objectPath}?${dry}`, body: {} };
    case 'patch':
      return { method: 'PATCH', path: `${objectPath}?${dry}`, body: {}, contentType: 'application/merge-patch+json' };
    case 'delete':
      return { method: 'DELETE', path: `${objectPath}?${dry}` };
    case 'deletecollection':
      return { method: 'DELETE', path: `${collection}?${dry}&labelSelector=matrix%3Dnone` };
    default:
      return undefined;
  }
}

/**
 * An empty body (a 422 when allowed), except for RBAC kinds, whose escalation checks
 * look at the rules before validation: a role with no rules and a binding to `view`,
 * which an admin of the namespace holds.
 */
function createBody(e: Entry, ns: string): unknown {
  const meta = { name: 'matrix-probe', namespace: e.namespaced ? ns : undefined };
  if (e.resource === 'roles' || e.resource === 'clusterroles') return { metadata: meta, rules: [] };
  if (e.resource === 'rolebindings' || e.resource === 'clusterrolebindings')
    return { metadata: meta, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [] };
  return {};
}

function expected(row: Row, who: Identity, verb: string, scope: Scope, e: Entry): Outcome {
  if (who === 'anonymous') return 'unauthenticated';
  if (who === 'cluster-admin') return 'allow';
  if (row.everyone?.includes(verb)) return 'allow';
  if (who === 'node') {
    const dev = DEVIATIONS.filter((d) => d.key === e.key);
    if (dev.some((d) => d.deny?.includes(verb))) return 'deny';
    return row.node?.includes(verb) || dev.some((d) => d.allow?.includes(verb)) ? 'allow' : 'deny';
  }
  if (who === 'serviceaccount') return 'deny';
  // view / edit / admin: bound in NS only; cluster-scoped kinds are out of their reach,
  // except the namespace object NS itself.
  const inBoundNs = scope === 'matrix' && (e.namespaced || row.selfNamespace === true);
  if (!inBoundNs) return 'deny';
  const verbs = [...(row.view ?? []), ...(who !== 'view' ? row.edit ?? [] : []), ...(who === 'admin' ? row.admin ?? [] : [])];
  return verbs.includes(verb) ? 'allow' : 'deny';
}

function outcomeOf(status: number): Outcome | 'server-error' {
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'deny';
  if (status >= 500) return 'server-error';
  return 'allow';
}

/** Runs `fn` over `items`, `n` at a time. */
async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (i < items.length) await fn(items[i++]!);
  }));
}

test('every resource and verb from discovery answers 401 / 403 / allowed as Kubernetes', async () => {
  const entries = await discover();
  expect(entries.length).toBeGreaterThan(20);
  const missing = entries.filter((e) => !Object.hasOwn(TABLE, e.key)).map((e) => e.key);
  expect(missing, `add a row to TABLE for ${missing.join(', ')} (what view/edit/admin/node may do, from Kubernetes' bootstrap policy)`).toEqual([]);

  const identities: Identity[] = ['anonymous', 'node', 'serviceaccount', 'view', 'edit', 'admin', 'cluster-admin'];
  const cases: Array<{ e: Entry; verb: string; scope: Scope; who: Identity }> = [];
  for (const e of entries)
    for (const verb of e.verbs)
      for (const scope of ['matrix', 'other', 'cluster'] as Scope[])
        if (requestFor(e, verb, scope)) for (const who of identities) cases.push({ e, verb, scope, who });

  const wrong: string[] = [];
  await pool(cases, 12, async ({ e, verb, scope, who }) => {
    const req = requestFor(e, verb, scope)!;
    const res = await send(who, req.method, req.path, req.body, req.contentType);
    const got = outcomeOf(res.status);
    const want = expected(TABLE[e.key]!, who, verb, scope, e);
    if (got !== want) wrong.push(`${who.padEnd(14)} ${verb.padEnd(16)} ${req.method.padEnd(6)} ${req.path}: want ${want}, got ${res.status} ${res.text.slice(0, 160)}`);
  });
  const counted = new Set(cases.map((c) => `${c.e.key} ${c.verb}`)).size;
  expect(counted).toBeGreaterThan(50);
  expect(wrong.sort(), `${wrong.length} of ${cases.length} answers differ from Kubernetes':\n${wrong.sort().join('\n')}`).toEqual([]);
}, 300_000);
