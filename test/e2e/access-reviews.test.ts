// Access reviews, whoami and impersonation over HTTP against a real apiserver and etcd.
// The authorizer is a small fixed one (access-review-authorizer.ts): these tests are
// about the reviews and impersonation answering what the chain decides, not about RBAC
// (the authorization matrix test covers the default roles).

import http from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { nodeAuthorizer } from '../../apiserver/authorization/node-rules.js';
import { selfReviews, testAuthorizer } from './access-review-authorizer.js';

const AUTHZ = '/apis/authorization.k8s.io/v1';
const AUTHN = '/apis/authentication.k8s.io/v1';

let s: TestApiServer;
let JANE: string;

beforeAll(async () => {
  s = await startTestApiServer({
    users: [{ name: 'jane', groups: ['dev-team'] }],
    // Self reviews first: orch's Node authorizer refuses nodes what it does not know,
    // where Kubernetes' has no opinion and RBAC's system:basic-user allows them.
    server: { authorizers: [selfReviews, nodeAuthorizer, testAuthorizer] },
  });
  JANE = s.userTokens.jane!;
});
afterAll(async () => {
  await s?.stop();
});

/**
 * One request with node's http client: repeated headers (Impersonate-Group twice) go out
 * as separate header lines, as Go's client sends them (fetch would join them with ", ").
 */
function call(method: string, path: string, body?: unknown, opts: { token?: string; headers?: [string, string][] } = {}) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  // Raw headers: node adds no Host of its own.
  const raw: string[] = ['Host', new URL(s.url).host, 'Authorization', `Bearer ${opts.token ?? s.token}`];
  if (payload !== undefined) raw.push('Content-Type', 'application/json', 'Content-Length', String(Buffer.byteLength(payload)));
  for (const [k, v] of opts.headers ?? []) raw.push(k, v);
  return new Promise<{ status: number; body: any; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
    const req = http.request(`${s.url}${path}`, { method, headers: raw }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const ssar = (ra: Record<string, string>) => ({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: ra } });

describe('discovery and verbs', () => {
  test('the review kinds are listed with verbs [create] only', async () => {
    const authz = await call('GET', AUTHZ);
    expect(authz.status).toBe(200);
    const names = authz.body.resources.map((r: { name: string; verbs: string[]; namespaced: boolean }) => `${r.name}:${r.verbs.join(',')}:${r.namespaced}`);
    expect(names.sort()).toEqual([
      'localsubjectaccessreviews:create:true',
      'selfsubjectaccessreviews:create:false',
      'selfsubjectrulesreviews:create:false',
      'subjectaccessreviews:create:false',
    ]);
    const authn = await call('GET', AUTHN);
    expect(authn.body.resources.map((r: { name: string }) => r.name).sort()).toEqual(['selfsubjectreviews', 'tokenreviews']);
    const groups = (await call('GET', '/apis')).body.groups.map((g: { name: string }) => g.name);
    expect(groups).toEqual(expect.arrayContaining(['authorization.k8s.io', 'authentication.k8s.io']));
  });

  test('other verbs are 405, and nothing is stored', async () => {
    for (const [m, p] of [['GET', `${AUTHZ}/selfsubjectaccessreviews`], ['GET', `${AUTHZ}/selfsubjectaccessreviews/x`], ['DELETE', `${AUTHZ}/subjectaccessreviews/x`], ['PUT', `${AUTHN}/tokenreviews/x`]] as const) {
      const r = await call(m, p, m === 'PUT' ? {} : undefined);
      expect(r.status, `${m} ${p}`).toBe(405);
      expect(r.body.kind).toBe('Status');
    }
    // Answered, not written: etcd's revision does not move.
    const before = await s.storage.currentRevision();
    const created = await call('POST', `${AUTHZ}/selfsubjectaccessreviews`, ssar({ verb: 'get', resource: 'pods' }));
    expect(created.status).toBe(201);
    expect((await call('POST', `${AUTHN}/tokenreviews`, { spec: { token: 'x' } })).status).toBe(201);
    expect(await s.storage.currentRevision()).toBe(before);
  });
});

describe('SelfSubjectAccessReview', () => {
  test('answers what the chain decides for the caller', async () => {
    const yes = await call('POST', `${AUTHZ}/selfsubjectaccessreviews`, ssar({ verb: 'get', resource: 'pods', namespace: 'dev' }), { token: JANE });
    expect(yes.status).toBe(201);
    expect(yes.body).toMatchObject({ kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', spec: { resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'dev' } }, status: { allowed: true } });
    const no = await call('POST', `${AUTHZ}/selfsubjectaccessreviews`, ssar({ verb: 'delete', resource: 'pods', namespace: 'dev' }), { token: JANE });
    expect(no.body.status).toEqual({ allowed: false });
    const admin = await call('POST', `${AUTHZ}/selfsubjectaccessreviews`, ssar({ verb: 'escalate', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' }));
    expect(admin.body.status.allowed).toBe(true);
    const nonRes = await call('POST', `${AUTHZ}/selfsubjectaccessreviews`, { kind: 'SelfSubjectAccessReview', spec: { nonResourceAttributes: { path: '/api', verb: 'get' } } }, { token: JANE });
    expect(nonRes.body.status.allowed).toBe(true);
  });

  test("a node's pod writes depend on where the pod is bound", async () => {
    const ns = 'bound-' + Date.now();
    expect((await call('POST', '/api/v1/namespaces', { metadata: { name: ns } })).status).toBe(201);
    for (const [name, node] of [['mine', 'node-1'], ['theirs', 'node-2']]) {
      const pod = { metadata: { name }, spec: { nodeName: node, containers: [{ name: 'c', image: 'orch.local/busybox' }] } };
      expect((await call('POST', `/api/v1/namespaces/${ns}/pods`, pod)).status).toBe(201);
    }
    const ask = (name: string) => call('POST', `${AUTHZ}/selfsubjectaccessreviews`, ssar({ verb: 'update', resource: 'pods', subresource: 'status', namespace: ns, name }), { token: s.nodeToken! });
    expect((await ask('mine')).body.status.allowed).toBe(true);
    expect((await ask('theirs')).body.status).toMatchObject({ allowed: false, reason: 'pod is not bound to node node-1' });
  });

  test("Kubernetes' validation messages", async () => {
    const none = await call('POST', `${AUTHZ}/selfsubjectaccessreviews`, { kind: 'SelfSubjectAccessReview', spec: {} });
    expect(none.status).toBe(422);
    expect(none.body.message).toContain('spec.resourceAttributes: Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified');
    const both = await call('POST', `${AUTHZ}/selfsubjectaccessreviews`, { spec: { resourceAttributes: { verb: 'get' }, nonResourceAttributes: { path: '/x', verb: 'get' } } });
    expect(both.status).toBe(422);
    expect(both.body.details.causes[0]).toMatchObject({ field: 'spec.nonResourceAttributes', message: expect.stringContaining('cannot be specified in combination with resourceAttributes') });
    const named = await call('POST', `${AUTHZ}/selfsubjectaccessreviews`, { metadata: { name: 'x' }, spec: { resourceAttributes: { verb: 'get' } } });
    expect(named.status).toBe(422);
    expect(named.body.details.causes[0]).toMatchObject({ field: 'metadata', message: expect.stringContaining('must be empty') });
  });

  test('bad bodies: wrong types and (Strict) unknown fields are 400; Warn answers with warnings', async () => {
    const typed = await call('POST', `${AUTHZ}/selfsubjectaccessreviews`, { spec: { resourceAttributes: { verb: 7 } } });
    expect(typed.status).toBe(400);
    expect(typed.body.message).toContain('spec.resourceAttributes.verb');
    const strict = await call('POST', `${AUTHZ}/selfsubjectaccessreviews?fieldValidation=Strict`, { spec: { resourceAttributes: { verb: 'get', resorce: 'pods' } } });
    expect(strict.status).toBe(400);
    expect(strict.body.message).toContain('unknown field "spec.resourceAttributes.resorce"');
    const warn = await call('POST', `${AUTHZ}/selfsubjectaccessreviews`, { spec: { resourceAttributes: { verb: 'get', resorce: 'pods' } } });
    expect(warn.status).toBe(201);
    expect(String(warn.headers.warning)).toContain('unknown field \\"spec.resourceAttributes.resorce\\"');
    expect(warn.body.spec.resourceAttributes).toEqual({ verb: 'get' });
    const wrongKind = await call('POST', `${AUTHZ}/selfsubjectaccessreviews`, { kind: 'SubjectAccessReview', spec: { resourceAttributes: { verb: 'get' } } });
    expect(wrongKind.status).toBe(400);
    const notObject = await call('POST', `${AUTHZ}/selfsubjectaccessreviews`, [1, 2]);
    expect(notObject.status).toBe(400);
  });
});

describe('SubjectAccessReview and LocalSubjectAccessReview', () => {
  const sar = (spec: Record<string, unknown>, kind = 'SubjectAccessReview') => ({ apiVersion: 'authorization.k8s.io/v1', kind, spec });

  test('asks about another user, exactly as given', async () => {
    const jane = await call('POST', `${AUTHZ}/subjectaccessreviews`, sar({ user: 'jane', resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'dev' } }));
    expect(jane.status).toBe(201);
    expect(jane.body.status.allowed).toBe(true);
    const masters = await call('POST', `${AUTHZ}/subjectaccessreviews`, sar({ groups: ['system:masters'], resourceAttributes: { verb: 'delete', resource: 'nodes' } }));
    expect(masters.body.status.allowed).toBe(true);
    const bob = await call('POST', `${AUTHZ}/subjectaccessreviews`, sar({ user: 'bob', resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'dev' } }));
    expect(bob.body.status.allowed).toBe(false);
  });

  test('status.denied: set when an authorizer refuses outright, absent when none allowed it', async () => {
    // The Node authorizer refuses a node writes to another node's Node (NodeRestriction).
    const foreign = await call('POST', `${AUTHZ}/subjectaccessreviews`, sar({ user: 'system:node:node-1', groups: ['system:nodes'], resourceAttributes: { verb: 'update', resource: 'nodes', version: 'v1', name: 'node-2' } }));
    expect(foreign.status).toBe(201);
    expect(foreign.body.status).toEqual({ allowed: false, denied: true, reason: "node 'node-1' may only modify its own Node (NodeRestriction)" });
    // Its own Node: allowed, no denied.
    const own = await call('POST', `${AUTHZ}/subjectaccessreviews`, sar({ user: 'system:node:node-1', groups: ['system:nodes'], resourceAttributes: { verb: 'update', resource: 'nodes', version: 'v1', name: 'node-1' } }));
    expect(own.body.status).toEqual({ allowed: true });
    // No authorizer had an opinion on bob: not allowed, and not denied either (what RBAC answers too).
    const bob = await call('POST', `${AUTHZ}/subjectaccessreviews`, sar({ user: 'bob', resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'dev' } }));
    expect(bob.body.status.allowed).toBe(false);
    expect(bob.body.status.denied).toBeUndefined();
  });

  test('needs a user or groups; only those allowed to create it may ask', async () => {
    const nobody = await call('POST', `${AUTHZ}/subjectaccessreviews`, sar({ resourceAttributes: { verb: 'get' } }));
    expect(nobody.status).toBe(422);
    expect(nobody.body.message).toContain('spec.user: Invalid value: "": at least one of user or group must be specified');
    const byJane = await call('POST', `${AUTHZ}/subjectaccessreviews`, sar({ user: 'x', resourceAttributes: { verb: 'get' } }), { token: JANE });
    expect(byJane.status).toBe(403);
    expect(byJane.body.message).toContain('User "jane" cannot create resource "subjectaccessreviews" in API group "authorization.k8s.io"');
  });

  test('LocalSubjectAccessReview: the namespace must be the URL\'s', async () => {
    const ok = await call('POST', `${AUTHZ}/namespaces/dev/localsubjectaccessreviews`, sar({ user: 'jane', resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'dev' } }, 'LocalSubjectAccessReview'));
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ metadata: { namespace: 'dev' }, status: { allowed: true } });
    const other = await call('POST', `${AUTHZ}/namespaces/dev/localsubjectaccessreviews`, sar({ user: 'jane', resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'prod' } }, 'LocalSubjectAccessReview'));
    expect(other.status).toBe(422);
    expect(other.body.message).toContain('spec.resourceAttributes.namespace: Invalid value: "prod": must match metadata.namespace');
    const nonRes = await call('POST', `${AUTHZ}/namespaces/dev/localsubjectaccessreviews`, sar({ user: 'jane', nonResourceAttributes: { path: '/api', verb: 'get' } }, 'LocalSubjectAccessReview'));
    expect(nonRes.status).toBe(422);
    expect(nonRes.body.message).toContain('disallowed on this kind of request');
    const clusterWide = await call('POST', `${AUTHZ}/localsubjectaccessreviews`, sar({ user: 'jane', resourceAttributes: { verb: 'get' } }, 'LocalSubjectAccessReview'));
    expect(clusterWide.status).toBe(404);
  });
});

describe('SelfSubjectRulesReview, SelfSubjectReview, TokenReview', () => {
  test('rules review: a namespace is required; the answer has the status fields (its rules: rules-review.test.ts)', async () => {
    const none = await call('POST', `${AUTHZ}/selfsubjectrulesreviews`, { kind: 'SelfSubjectRulesReview', spec: {} }, { token: JANE });
    expect(none.status).toBe(400);
    expect(none.body.message).toBe('no namespace on request');
    const r = await call('POST', `${AUTHZ}/selfsubjectrulesreviews`, { kind: 'SelfSubjectRulesReview', spec: { namespace: 'dev' } }, { token: JANE });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ kind: 'SelfSubjectRulesReview', spec: { namespace: 'dev' }, status: { resourceRules: expect.any(Array), nonResourceRules: expect.any(Array), incomplete: expect.any(Boolean) } });
    // A node's rights come from the Node authorizer, which cannot list them.
    const node = await call('POST', `${AUTHZ}/selfsubjectrulesreviews`, { kind: 'SelfSubjectRulesReview', spec: { namespace: 'dev' } }, { token: s.nodeToken! });
    expect(node.body.status).toMatchObject({ incomplete: true, evaluationError: expect.stringContaining('node authorizer does not support user rule resolution') });
  });

  test('whoami: the caller as authenticated', async () => {
    const r = await call('POST', `${AUTHN}/selfsubjectreviews`, { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }, { token: JANE });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ kind: 'SelfSubjectReview', status: { userInfo: { username: 'jane', groups: expect.arrayContaining(['dev-team']) } } });
    expect(typeof r.body.metadata.creationTimestamp).toBe('string');
  });

  test('token review: the apiserver\'s own tokens, nothing else', async () => {
    const good = await call('POST', `${AUTHN}/tokenreviews`, { kind: 'TokenReview', spec: { token: JANE } });
    expect(good.status).toBe(201);
    expect(good.body.status).toMatchObject({ authenticated: true, user: { username: 'jane', groups: ['dev-team', 'system:authenticated'] } });
    const bad = await call('POST', `${AUTHN}/tokenreviews`, { kind: 'TokenReview', spec: { token: 'nope' } });
    expect(bad.body.status.authenticated).toBeUndefined();
    const empty = await call('POST', `${AUTHN}/tokenreviews`, { kind: 'TokenReview', spec: {} });
    expect(empty.status).toBe(400);
    expect(empty.body.message).toBe('token is required for TokenReview in authentication');
    // Only who may create tokenreviews (here: the admin) may check tokens.
    expect((await call('POST', `${AUTHN}/tokenreviews`, { kind: 'TokenReview', spec: { token: JANE } }, { token: JANE })).status).toBe(403);
  });
});

describe('impersonation', () => {
  test('the admin acts as jane and her groups: reviews, whoami and requests see jane', async () => {
    const as = { headers: [['Impersonate-User', 'jane'], ['Impersonate-Group', 'dev-team'], ['Impersonate-Group', 'a, b']] as [string, string][] };
    const who = await call('POST', `${AUTHN}/selfsubjectreviews`, { kind: 'SelfSubjectReview' }, as);
    expect(who.body.status.userInfo).toEqual({ username: 'jane', groups: ['dev-team', 'a, b', 'system:authenticated'] });
    expect((await call('GET', '/api/v1/namespaces/dev/pods', undefined, as)).status).toBe(200);
    const refused = await call('GET', '/api/v1/namespaces/prod/pods', undefined, as);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain('User "jane" cannot list resource "pods"');
  });

  test('uid, extra and service accounts', async () => {
    const r = await call('POST', `${AUTHN}/selfsubjectreviews`, { kind: 'SelfSubjectReview' }, {
      headers: [['Impersonate-User', 'system:serviceaccount:dev:builder'], ['Impersonate-Uid', 'u-1'], ['Impersonate-Extra-Scopes', 'a'], ['Impersonate-Extra-Scopes', 'b'], ['Impersonate-Extra-Dept%2FTeam', 'x']],
    });
    expect(r.status).toBe(201);
    expect(r.body.status.userInfo).toEqual({
      username: 'system:serviceaccount:dev:builder',
      uid: 'u-1',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:dev', 'system:authenticated'],
      extra: { scopes: ['a', 'b'], 'dept/team': ['x'] },
    });
  });

  test('refused without the impersonate verb on each part; malformed headers are 400', async () => {
    const ok = await call('POST', `${AUTHN}/selfsubjectreviews`, { kind: 'SelfSubjectReview' }, { token: JANE, headers: [['Impersonate-User', 'joe']] });
    expect(ok.body.status.userInfo.username).toBe('joe');
    const user = await call('GET', '/api/v1/namespaces/dev/pods', undefined, { token: JANE, headers: [['Impersonate-User', 'admin']] });
    expect(user.status).toBe(403);
    expect(user.body.message).toMatch(/^users "admin" is forbidden: User "jane" cannot impersonate resource "users" in API group ""/);
    const group = await call('GET', '/api/v1/namespaces/dev/pods', undefined, { token: JANE, headers: [['Impersonate-User', 'joe'], ['Impersonate-Group', 'system:masters']] });
    expect(group.status).toBe(403);
    expect(group.body.message).toContain('groups "system:masters" is forbidden: User "jane" cannot impersonate resource "groups"');
    const sa = await call('GET', '/api/v1/pods', undefined, { token: JANE, headers: [['Impersonate-User', 'system:serviceaccount:kube-system:default']] });
    expect(sa.status).toBe(403);
    expect(sa.body.message).toContain('cannot impersonate resource "serviceaccounts" in API group "" in the namespace "kube-system"');
    const noUser = await call('GET', '/api/v1/pods', undefined, { headers: [['Impersonate-Group', 'x']] });
    expect(noUser.status).toBe(400);
    expect(noUser.body.message).toBe('requested [groups] without impersonating a user');
    const noToken = await fetch(`${s.url}/api/v1/pods`, { headers: { 'Impersonate-User': 'admin' } });
    expect(noToken.status).toBe(401);
  });
});
