// The real kubectl (v1.32) against orch for `kubectl auth can-i` (yes/no and its exit
// code, --list), `kubectl auth whoami` (table and -o json) and `--as` / `--as-group`
// impersonation, REST and Upgrade stream paths. kubectl sends the reviews as protobuf.
// The authorizer is the small fixed one of access-review-authorizer.ts.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { cliClients, type Clients } from '../helpers/kubectl.js';
import { testAuthorizer } from './access-review-authorizer.js';

let s: TestApiServer;
let dir: string;
let admin: Clients;
let jane: Clients;

beforeAll(async () => {
  s = await startTestApiServer({ tls: true, users: [{ name: 'jane', groups: ['dev-team'] }], server: { authorizers: [testAuthorizer] } });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-can-i-'));
  admin = cliClients(s, dir);
  fs.mkdirSync(path.join(dir, 'jane'));
  jane = cliClients({ ...s, token: s.userTokens.jane! }, path.join(dir, 'jane'));
  const objects = path.join(dir, 'objects.json');
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'dev' }, spec: { containers: [{ name: 'c', image: 'orch.local/busybox' }] } };
  fs.writeFileSync(objects, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev' } }, pod] }));
  expect((await admin.kubectl(['create', '-f', objects])).code).toBe(0);
});
afterAll(async () => {
  await s?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('kubectl auth can-i', () => {
  test('yes with exit code 0, no with exit code 1', async () => {
    const yes = await admin.kubectl(['auth', 'can-i', 'create', 'pods']);
    expect(yes).toMatchObject({ code: 0, stdout: 'yes\n' });
    const janeNo = await jane.kubectl(['auth', 'can-i', 'create', 'pods', '-n', 'dev']);
    expect(janeNo).toMatchObject({ code: 1, stdout: 'no\n' });
    const janeYes = await jane.kubectl(['auth', 'can-i', 'list', 'pods', '-n', 'dev']);
    expect(janeYes).toMatchObject({ code: 0, stdout: 'yes\n' });
    const nonResource = await jane.kubectl(['auth', 'can-i', 'get', '/healthz']);
    expect(nonResource).toMatchObject({ code: 0, stdout: 'yes\n' });
  });

  test('--as and --as-group ask as the impersonated user', async () => {
    expect(await admin.kubectl(['auth', 'can-i', 'list', 'pods', '-n', 'dev', '--as', 'jane'])).toMatchObject({ code: 0, stdout: 'yes\n' });
    expect(await admin.kubectl(['auth', 'can-i', 'list', 'pods', '-n', 'prod', '--as', 'jane'])).toMatchObject({ code: 1, stdout: 'no\n' });
    expect(await admin.kubectl(['auth', 'can-i', 'delete', 'nodes', '--as', 'jane', '--as-group', 'system:masters'])).toMatchObject({ code: 0, stdout: 'yes\n' });
  });

  test('--list: the rules review, printed by kubectl (and flagged incomplete for a node)', async () => {
    const r = await jane.kubectl(['auth', 'can-i', '--list', '-n', 'dev']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs/);
    const node = await admin.kubectl(['auth', 'can-i', '--list', '-n', 'dev', '--as', 'system:node:node-1', '--as-group', 'system:nodes']);
    expect(node.code).toBe(0);
    expect(node.stderr).toContain('Warning: the list may be incomplete: node authorizer does not support user rule resolution');
  });
});

describe('kubectl auth whoami', () => {
  test('table', async () => {
    const r = await jane.kubectl(['auth', 'whoami']);
    expect(r.code).toBe(0);
    const rows = r.stdout.split('\n').map((l) => l.trim().split(/\s{2,}/));
    expect(rows.slice(0, 2)).toEqual([['ATTRIBUTE', 'VALUE'], ['Username', 'jane']]);
    // system:authenticated is added by authentication once RBAC is in (as Kubernetes).
    expect(rows[2]![0]).toBe('Groups');
    expect(rows[2]![1]).toMatch(/^\[dev-team( system:authenticated)?\]$/);
  });

  test('-o json, impersonated', async () => {
    const r = await admin.kubectl(['auth', 'whoami', '-o', 'json', '--as', 'joe', '--as-group', 'dev', '--as-group', 'qa']);
    expect(r.code).toBe(0);
    const review = JSON.parse(r.stdout);
    expect(review).toMatchObject({ kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1', status: { userInfo: { username: 'joe', groups: ['dev', 'qa', 'system:authenticated'] } } });
  });
});

describe('kubectl --as', () => {
  test('requests are the impersonated user\'s: allowed and refused as that user', async () => {
    const ok = await admin.kubectl(['get', 'pods', '-n', 'dev', '--as', 'jane', '-o', 'name']);
    expect(ok).toMatchObject({ code: 0, stdout: 'pod/web\n' });
    const refused = await admin.kubectl(['get', 'pods', '-n', 'prod', '--as', 'jane']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('User "jane" cannot list resource "pods" in API group "" in the namespace "prod"');
  });

  test('impersonating without the right is 403', async () => {
    const r = await jane.kubectl(['get', 'pods', '-n', 'dev', '--as', 'admin']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('users "admin" is forbidden: User "jane" cannot impersonate resource "users" in API group ""');
    expect(await jane.kubectl(['auth', 'whoami', '--as', 'joe'])).toMatchObject({ code: 0, stdout: expect.stringContaining('joe') });
  });

  test('the Upgrade stream path impersonates too (kubectl exec --as)', async () => {
    // jane may read the pod (kubectl exec reads it first) but not open pods/exec.
    const r = await admin.kubectl(['exec', '-n', 'dev', 'web', '--as', 'jane', '--', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('User "jane" cannot create resource "pods/exec"');
  });
});
