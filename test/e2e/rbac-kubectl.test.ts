// kubectl v1.32 against orch's RBAC kinds: the typed `kubectl create role|clusterrole|
// rolebinding|clusterrolebinding` (protobuf bodies), `get` with kubectl's columns
// (-o wide subjects), `describe`, the immutable roleRef, and `kubectl auth reconcile`.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { cliClients, type Clients } from '../helpers/kubectl.js';

let api: TestApiServer;
let dir: string;
let c: Clients;

beforeAll(async () => {
  api = await startTestApiServer({ tls: true });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rbac-kubectl-'));
  c = cliClients(api, dir);
}, 60_000);

afterAll(async () => {
  await api?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function ok(args: string[]): Promise<string> {
  const r = await c.kubectl(args);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

test('kubectl create, get, describe the four kinds', async () => {
  expect(await ok(['create', 'role', 'pod-reader', '--verb=get,list', '--resource=pods', '-n', 'default'])).toBe('role.rbac.authorization.k8s.io/pod-reader created\n');
  await ok(['create', 'clusterrole', 'cr1', '--verb=get', '--resource=deployments.apps,pods/log']);
  await ok(['create', 'clusterrole', 'agg', '--aggregation-rule=a=b']);
  await ok(['create', 'clusterrole', 'urls', '--verb=get', '--non-resource-url=/logs/*']);
  await ok(['create', 'rolebinding', 'rb1', '--role=pod-reader', '--user=alice', '--group=devs', '--serviceaccount=default:robot', '-n', 'default']);
  await ok(['create', 'clusterrolebinding', 'crb1', '--clusterrole=view', '--user=bob', '--serviceaccount=default:sa']);

  expect(await ok(['get', 'roles', '-n', 'default'])).toMatch(/^NAME\s+CREATED AT\npod-reader\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/);
  const wide = (await ok(['get', 'rolebinding', 'rb1', '-n', 'default', '-o', 'wide'])).split('\n');
  expect(wide[0]!.split(/\s+/)).toEqual(['NAME', 'ROLE', 'AGE', 'USERS', 'GROUPS', 'SERVICEACCOUNTS']);
  expect(wide[1]).toMatch(/^rb1\s+Role\/pod-reader\s+\d+s\s+alice\s+devs\s+default\/robot$/);
  expect(await ok(['get', 'clusterrolebinding', 'cluster-admin', '-o', 'wide'])).toMatch(/cluster-admin\s+ClusterRole\/cluster-admin\s+\S+\s+system:masters/);

  const rb = JSON.parse(await ok(['get', 'rolebinding', 'rb1', '-n', 'default', '-o', 'json']));
  expect(rb.subjects).toEqual([
    { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' },
    { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'devs' },
    { kind: 'ServiceAccount', name: 'robot', namespace: 'default' },
  ]);
  const urls = JSON.parse(await ok(['get', 'clusterrole', 'urls', '-o', 'json']));
  expect(urls.rules).toEqual([{ verbs: ['get'], nonResourceURLs: ['/logs/*'] }]);
  const agg = JSON.parse(await ok(['get', 'clusterrole', 'agg', '-o', 'json']));
  expect(agg.aggregationRule).toEqual({ clusterRoleSelectors: [{ matchLabels: { a: 'b' } }] });

  const d = await ok(['describe', 'clusterrolebinding', 'crb1']);
  expect(d).toMatch(/Role:\n\s+Kind:\s+ClusterRole\n\s+Name:\s+view/);
  expect(d).toMatch(/ServiceAccount\s+sa\s+default/);
  expect(await ok(['describe', 'role', 'pod-reader', '-n', 'default'])).toMatch(/pods\s+\[\]\s+\[\]\s+\[get list\]/);
});

test('roleRef is immutable; bad objects get the field named', async () => {
  await ok(['create', 'rolebinding', 'rb2', '--clusterrole=view', '--user=x', '-n', 'default']);
  const r = await c.kubectl(['patch', 'rolebinding', 'rb2', '-n', 'default', '--type=merge', '-p', '{"roleRef":{"name":"edit"}}']);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('cannot change roleRef');
  const bad = await c.kubectl(['create', 'clusterrolebinding', 'bad', '--clusterrole=view', '--serviceaccount=nons']);
  expect(bad.code).not.toBe(0);
});

test('kubectl auth reconcile creates, then finds nothing to do', async () => {
  const file = path.join(dir, 'rec.yaml');
  fs.writeFileSync(
    file,
    `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: rec}
rules:
- {apiGroups: [""], resources: [pods], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: recb, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: rec}
subjects: [{kind: User, name: zed, apiGroup: rbac.authorization.k8s.io}]
`,
  );
  const first = await c.kubectl(['auth', 'reconcile', '-f', file]);
  expect(first.code).toBe(0);
  expect(first.stdout).toContain('clusterrole.rbac.authorization.k8s.io/rec reconciled');
  expect(first.stderr).toContain('reconciliation required create');
  const second = await c.kubectl(['auth', 'reconcile', '-f', file]);
  expect(second.code).toBe(0);
  expect(second.stderr.trim()).toBe('');
  const rb = JSON.parse(await ok(['get', 'rolebinding', 'recb', '-n', 'default', '-o', 'json']));
  expect(rb.subjects).toEqual([{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'zed' }]);
});

test('kubectl apply replaces rules and subjects as the atomic lists they are', async () => {
  const file = path.join(dir, 'apply.yaml');
  const manifest = (verbs: string, user: string) => `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: applied, namespace: default}
rules:
- {apiGroups: [""], resources: [pods], verbs: [${verbs}]}
- {apiGroups: [apps], resources: [deployments], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: applied, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: applied}
subjects: [{kind: User, name: ${user}}]
`;
  fs.writeFileSync(file, manifest('get', 'a'));
  await ok(['apply', '-f', file]);
  fs.writeFileSync(file, manifest('get, list', 'b'));
  expect(await ok(['apply', '-f', file])).toContain('role.rbac.authorization.k8s.io/applied configured');
  expect(JSON.parse(await ok(['get', 'role', 'applied', '-o', 'json'])).rules).toEqual([
    { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
    { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] },
  ]);
  // Defaulted: a User's apiGroup is rbac.authorization.k8s.io.
  expect(JSON.parse(await ok(['get', 'rolebinding', 'applied', '-o', 'json'])).subjects).toEqual([{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'b' }]);
});
