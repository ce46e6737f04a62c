// RBAC against a real etcd and apiserver: users bound to view / edit / admin in one
// namespace get 2xx or 403 as Kubernetes answers them; escalation is refused; aggregated
// roles follow the labelled roles (the aggregation controller runs in-process, as the
// controller manager runs it); a binding takes effect within a second and stops when
// deleted; discovery is open to every authenticated user, /metrics is not.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ApiClient } from '../../client/rest-client.js';
import { ControllerManager } from '../../controller/manager.js';
import { silentLogger } from '../../foundation/logger.js';
import { apiRequest, startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { eventually } from '../helpers/eventually.js';

const G = 'rbac.authorization.k8s.io';
const RBAC = `/apis/${G}/v1`;
const NS = 'team';
const PREFIX = `/rbac-${process.pid}-${Date.now()}`;
let api: TestApiServer;
let manager: ControllerManager;

const as = (user: string) => ({ token: api.userTokens[user]! });
const call = (user: string, method: string, path: string, body?: unknown) => apiRequest(api, method, path, body, as(user));
const status = async (user: string, method: string, path: string, body?: unknown) => (await call(user, method, path, body)).status;
const configMap = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: 'b' } });
const roleBinding = (name: string, kind: string, role: string, user: string) => ({
  apiVersion: `${G}/v1`,
  kind: 'RoleBinding',
  metadata: { name },
  roleRef: { apiGroup: G, kind, name: role },
  subjects: [{ kind: 'User', apiGroup: G, name: user }],
});

beforeAll(async () => {
  api = await startTestApiServer({ prefix: PREFIX, users: ['viewer', 'editor', 'nsadmin', 'nobody', 'late', 'system:kube-controller-manager'].map((name) => ({ name })) });
  // The controller runs as the controller manager's own identity (its default role), not as an admin.
  const cm = new ApiClient({ server: api.url, token: api.userTokens['system:kube-controller-manager']! });
  manager = new ControllerManager({ client: cm, logger: silentLogger(), controllers: ['clusterrole-aggregation'] });
  await manager.start();
  expect((await apiRequest(api, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } })).status).toBe(201);
  for (const [u, role] of [['viewer', 'view'], ['editor', 'edit'], ['nsadmin', 'admin']] as const)
    expect((await apiRequest(api, 'POST', `${RBAC}/namespaces/${NS}/rolebindings`, roleBinding(`${u}-${role}`, 'ClusterRole', role, u))).status).toBe(201);
  // The aggregated roles are filled by the controller.
  await eventually('admin, edit and view aggregated', async () => {
    const roles = (await apiRequest(api, 'GET', `${RBAC}/clusterroles`)).body.items as Array<{ metadata: { name: string }; rules?: unknown[] }>;
    return ['admin', 'edit', 'view'].every((n) => (roles.find((r) => r.metadata.name === n)?.rules?.length ?? 0) > 0);
  }, 15_000);
  expect((await apiRequest(api, 'POST', `/api/v1/namespaces/${NS}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { k: 'v' } })).status).toBe(201);
}, 60_000);

afterAll(async () => {
  await manager?.stop();
  await api?.stop();
});

describe('view / edit / admin in one namespace, as Kubernetes answers', () => {
  test('view reads the namespace but no Secrets, writes nothing, sees nothing elsewhere', async () => {
    expect(await status('viewer', 'GET', `/api/v1/namespaces/${NS}/pods`)).toBe(200);
    expect(await status('viewer', 'GET', `/apis/apps/v1/namespaces/${NS}/deployments`)).toBe(200);
    expect(await status('viewer', 'GET', `/api/v1/namespaces/${NS}`)).toBe(200);
    expect(await status('viewer', 'GET', `/api/v1/namespaces/${NS}/secrets/s`)).toBe(403);
    expect(await status('viewer', 'POST', `/api/v1/namespaces/${NS}/configmaps`, configMap('v'))).toBe(403);
    expect(await status('viewer', 'GET', '/api/v1/namespaces/default/pods')).toBe(403);
    expect(await status('viewer', 'GET', '/api/v1/pods')).toBe(403);
    expect(await status('viewer', 'GET', '/api/v1/nodes')).toBe(403);
    expect(await status('viewer', 'GET', `${RBAC}/namespaces/${NS}/roles`)).toBe(403);
    const r = await call('viewer', 'DELETE', `/api/v1/namespaces/${NS}/configmaps/x`);
    expect(r.body).toMatchObject({
      kind: 'Status',
      reason: 'Forbidden',
      code: 403,
      message: `configmaps "x" is forbidden: User "viewer" cannot delete resource "configmaps" in API group "" in the namespace "${NS}"`,
    });
    expect((await call('viewer', 'GET', '/api/v1/nodes')).body.message).toBe('nodes is forbidden: User "viewer" cannot list resource "nodes" in API group "" at the cluster scope');
  });

  test('edit writes workloads, ConfigMaps and Secrets, but not RBAC, status or the namespace', async () => {
    expect(await status('editor', 'POST', `/api/v1/namespaces/${NS}/configmaps`, configMap('e'))).toBe(201);
    expect(await status('editor', 'GET', `/api/v1/namespaces/${NS}/secrets/s`)).toBe(200);
    expect(await status('editor', 'DELETE', `/api/v1/namespaces/${NS}/configmaps/e`)).toBe(200);
    expect(await status('editor', 'GET', `${RBAC}/namespaces/${NS}/rolebindings`)).toBe(403);
    expect(await status('editor', 'PATCH', `/api/v1/namespaces/${NS}/pods/p/status`, {})).toBe(403);
    expect(await status('editor', 'DELETE', `/api/v1/namespaces/${NS}`)).toBe(403);
    expect(await status('editor', 'POST', '/api/v1/namespaces/default/configmaps', configMap('e'))).toBe(403);
  });

  test('admin manages Roles and RoleBindings in its namespace, within what it holds', async () => {
    expect(await status('nsadmin', 'GET', `${RBAC}/namespaces/${NS}/rolebindings`)).toBe(200);
    const readPods = { apiVersion: `${G}/v1`, kind: 'Role', metadata: { name: 'pod-reader' }, rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }] };
    expect(await status('nsadmin', 'POST', `${RBAC}/namespaces/${NS}/roles`, readPods)).toBe(201);
    expect(await status('nsadmin', 'POST', `${RBAC}/namespaces/${NS}/rolebindings`, roleBinding('late-edit', 'ClusterRole', 'edit', 'late'))).toBe(201);
    expect(await status('late', 'POST', `/api/v1/namespaces/${NS}/configmaps`, configMap('l'))).toBe(201);
    expect(await status('nsadmin', 'DELETE', `${RBAC}/namespaces/${NS}/rolebindings/late-edit`)).toBe(200);
    expect(await status('nsadmin', 'GET', '/api/v1/nodes')).toBe(403);
    expect(await status('nsadmin', 'DELETE', `/api/v1/namespaces/${NS}`)).toBe(403);
  });
});

describe('escalation prevention', () => {
  test('a Role with rules the user does not hold, or a binding to such a role: 403', async () => {
    const nodes = { apiVersion: `${G}/v1`, kind: 'Role', metadata: { name: 'too-much' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }, { verbs: ['*'], apiGroups: ['*'], resources: ['*'] }] };
    const r = await call('nsadmin', 'POST', `${RBAC}/namespaces/${NS}/roles`, nodes);
    expect(r.status).toBe(403);
    expect(r.body.message).toContain('roles.rbac.authorization.k8s.io "too-much" is forbidden: user "nsadmin" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:');
    expect(r.body.message).toContain('{APIGroups:["*"], Resources:["*"], Verbs:["*"]}');
    const bindAdmin = await call('nsadmin', 'POST', `${RBAC}/namespaces/${NS}/rolebindings`, roleBinding('sneaky', 'ClusterRole', 'cluster-admin', 'nsadmin'));
    expect(bindAdmin.status).toBe(403);
    expect(bindAdmin.body.message).toContain('rolebindings.rbac.authorization.k8s.io "sneaky" is forbidden');
    // A patch cannot get around it either: widen an existing role.
    const p = await apiRequest(api, 'PATCH', `${RBAC}/namespaces/${NS}/roles/pod-reader`, { rules: [{ verbs: ['*'], apiGroups: [''], resources: ['secrets', 'pods'] }] }, { ...as('nsadmin'), contentType: 'application/merge-patch+json' });
    expect(p.status).toBe(403);
    // A binding to a role that does not exist: 404, as Kubernetes.
    expect(await status('nsadmin', 'POST', `${RBAC}/namespaces/${NS}/rolebindings`, roleBinding('ghost', 'Role', 'nope', 'nsadmin'))).toBe(404);
    // system:masters may do anything.
    expect((await apiRequest(api, 'POST', `${RBAC}/namespaces/${NS}/roles`, nodes)).status).toBe(201);
  });

  test('the `bind` and `escalate` verbs lift the checks, as Kubernetes', async () => {
    const binder = { apiVersion: `${G}/v1`, kind: 'Role', metadata: { name: 'binder' }, rules: [{ verbs: ['bind'], apiGroups: [G], resources: ['clusterroles'], resourceNames: ['cluster-admin'] }] };
    expect((await apiRequest(api, 'POST', `${RBAC}/namespaces/${NS}/roles`, binder)).status).toBe(201);
    expect((await apiRequest(api, 'POST', `${RBAC}/namespaces/${NS}/rolebindings`, roleBinding('nsadmin-binder', 'Role', 'binder', 'nsadmin'))).status).toBe(201);
    await eventually('bind allowed', async () => (await status('nsadmin', 'POST', `${RBAC}/namespaces/${NS}/rolebindings`, roleBinding('via-bind', 'ClusterRole', 'cluster-admin', 'late'))) === 201, 5000);
  });
});

describe('the policy follows etcd', () => {
  test('a binding created is in effect within a second; deleted, refused again', async () => {
    const crb = { apiVersion: `${G}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'nobody-view' }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', apiGroup: G, name: 'nobody' }] };
    expect(await status('nobody', 'GET', '/api/v1/namespaces/default/configmaps')).toBe(403);
    expect((await apiRequest(api, 'POST', `${RBAC}/clusterrolebindings`, crb)).status).toBe(201);
    const t0 = Date.now();
    await eventually('allowed', async () => (await status('nobody', 'GET', '/api/v1/namespaces/default/configmaps')) === 200, 5000);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect((await apiRequest(api, 'DELETE', `${RBAC}/clusterrolebindings/nobody-view`)).status).toBe(200);
    const t1 = Date.now();
    await eventually('refused again', async () => (await status('nobody', 'GET', '/api/v1/namespaces/default/configmaps')) === 403, 5000);
    expect(Date.now() - t1).toBeLessThan(1000);
  });

  test('aggregation: a role labelled aggregate-to-view extends view, edit and admin; unlabelled, it no longer does', async () => {
    const leases = `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases`;
    expect(await status('viewer', 'GET', leases)).toBe(403);
    const extra = { apiVersion: `${G}/v1`, kind: 'ClusterRole', metadata: { name: 'lease-reader', labels: { [`${G}/aggregate-to-view`]: 'true' } }, rules: [{ verbs: ['get', 'list'], apiGroups: ['coordination.k8s.io'], resources: ['leases'] }] };
    expect((await apiRequest(api, 'POST', `${RBAC}/clusterroles`, extra)).status).toBe(201);
    await eventually('view extended', async () => (await status('viewer', 'GET', leases)) === 200, 10_000);
    await eventually('edit and admin too', async () => (await status('editor', 'GET', leases)) === 200 && (await status('nsadmin', 'GET', leases)) === 200, 10_000);
    const p = await apiRequest(api, 'PATCH', `${RBAC}/clusterroles/lease-reader`, { metadata: { labels: { [`${G}/aggregate-to-view`]: null } } }, { contentType: 'application/merge-patch+json' });
    expect(p.status).toBe(200);
    await eventually('view narrowed again', async () => (await status('viewer', 'GET', leases)) === 403, 10_000);
  });

  test('an aggregated ClusterRole needs cluster-admin privileges to create', async () => {
    const agg = { apiVersion: `${G}/v1`, kind: 'ClusterRole', metadata: { name: 'mine' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: 'y' } }] } };
    const r = await call('nsadmin', 'POST', `${RBAC}/clusterroles`, agg);
    expect(r.status).toBe(403); // nsadmin may not even create ClusterRoles
  });
});

describe('non-resource URLs and the default policy', () => {
  test('discovery and /version for every authenticated user; /metrics for none of them', async () => {
    expect(await status('nobody', 'GET', '/api')).toBe(200);
    expect(await status('nobody', 'GET', '/apis/apps/v1')).toBe(200);
    expect(await status('nobody', 'GET', '/openapi/v2')).toBe(200);
    expect(await status('nobody', 'GET', '/version')).toBe(200);
    const m = await call('nobody', 'GET', '/metrics');
    expect(m.status).toBe(403);
    expect(m.body.message).toBe('forbidden: User "nobody" cannot get path "/metrics"');
    expect((await apiRequest(api, 'GET', '/metrics')).status).toBe(200);
    expect((await apiRequest(api, 'GET', '/api', undefined, { token: null })).status).toBe(401);
  });

  test('the defaults are reconciled: a deleted default role comes back on restart, users\' additions stay', async () => {
    const view = (await apiRequest(api, 'GET', `${RBAC}/clusterroles/system:aggregate-to-view`)).body;
    expect(view.metadata.annotations['rbac.authorization.kubernetes.io/autoupdate']).toBe('true');
    // A user's extra subject on a default binding is kept by a reconcile.
    const crb = (await apiRequest(api, 'GET', `${RBAC}/clusterrolebindings/system:discovery`)).body;
    crb.subjects.push({ kind: 'User', apiGroup: G, name: 'extra' });
    expect((await apiRequest(api, 'PUT', `${RBAC}/clusterrolebindings/system:discovery`, crb)).status).toBe(200);
    expect((await apiRequest(api, 'DELETE', `${RBAC}/clusterroles/system:basic-user`)).status).toBe(200);
    const second = await startTestApiServer({ etcd: api.etcd, prefix: PREFIX });
    try {
      expect((await apiRequest(second, 'GET', `${RBAC}/clusterroles/system:basic-user`)).status).toBe(200);
      const after = (await apiRequest(second, 'GET', `${RBAC}/clusterrolebindings/system:discovery`)).body;
      expect(after.subjects.map((s: { name: string }) => s.name)).toEqual(['system:authenticated', 'extra']);
    } finally {
      await second.stop();
    }
  });
});
