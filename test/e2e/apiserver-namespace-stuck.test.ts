// A namespace whose content cannot all be deleted must not hold up anything else: the
// namespace cleanup (apiserver/namespace-cleanup.ts) skips the object it cannot delete,
// empties the rest of that namespace and every other Terminating namespace, and says
// what is stuck in the namespace's status.conditions, as Kubernetes does.
// Real apiserver and etcd; the fault is injected in the storage under the apiserver: etcd
// timing out writes of one pod, and lists of one kind in that namespace.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { NamespaceCondition } from '../../api/types.js';
import type { Storage } from '../../apiserver/storage/types.js';
import { ApiError } from '../../api/errors.js';
import { ApiClient } from '../../client/rest-client.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { assertBuilt, runOrch } from '../helpers/orch-cli.js';
import { eventuallyMatch } from '../helpers/eventually.js';

let s: TestApiServer;
let dir: string;
let client: ApiClient;
/** status and body of one request (over HTTPS: kubectl below needs it). */
async function req(method: string, p: string, body?: unknown, opts: { contentType?: string } = {}): Promise<{ status: number; body: any }> {
  try {
    return { status: method === 'POST' ? 201 : 200, body: await client.request(method, p, { body, ...opts }) };
  } catch (err) {
    if (err instanceof ApiError) return { status: err.status.code ?? 0, body: err.status };
    throw err;
  }
}
const merge = { contentType: 'application/merge-patch+json' };
const podSpec = { containers: [{ name: 'c', image: 'img' }] };

/** While on: etcd "times out" every write of pod a-stuck/a-bad and every list of secrets in a-stuck. */
const fault = { on: true };
const timeout = () => new Error('etcdserver: request timed out');

function faulty(storage: Storage): Storage {
  return new Proxy(storage, {
    get(target, prop, receiver) {
      const real = Reflect.get(target, prop, receiver);
      if (typeof real !== 'function') return real;
      if (prop === 'guaranteedUpdate' || prop === 'delete') {
        return (key: string, ...rest: unknown[]) => {
          if (fault.on && key.endsWith('/pods/a-stuck/a-bad')) return Promise.reject(timeout());
          return real.call(target, key, ...rest);
        };
      }
      if (prop === 'list' || prop === 'listJson') {
        return (prefix: string, ...rest: unknown[]) => {
          if (fault.on && prefix.endsWith('/secrets/a-stuck/')) return Promise.reject(timeout());
          return real.call(target, prefix, ...rest);
        };
      }
      return real.bind(target);
    },
  });
}

const conditions = async (ns: string): Promise<NamespaceCondition[]> => (await req('GET', `/api/v1/namespaces/${ns}`)).body?.status?.conditions ?? [];
const cond = (cs: NamespaceCondition[], type: string) => cs.find((c) => c.type === type);
const gone = async (p: string) => (await req('GET', p)).status === 404;

function kubectl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'kubectl',
      ['--server', s.url, '--token', s.token, '--certificate-authority', path.join(dir, 'ca.pem'), '--cache-dir', path.join(dir, 'cache'), ...args],
      { timeout: 30_000, env: { ...process.env, KUBECONFIG: path.join(dir, 'none') } },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The apiserver's log lines (debug and up), parsed. */
const logLines: { level: number; msg: string; name?: string; err?: { message: string; stack?: string } }[] = [];
const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(JSON.parse(line)) });

beforeAll(async () => {
  assertBuilt();
  s = await startTestApiServer({ tls: true, wrapStorage: faulty, server: { namespaceCleanupIntervalMs: 200, logger } });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-ns-stuck-'));
  fs.writeFileSync(path.join(dir, 'ca.pem'), s.ca!);
  client = new ApiClient({ server: s.url, token: s.token, ca: s.ca });
});
afterAll(async () => {
  client?.close();
  await s?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('one object that cannot be deleted blocks neither its namespace-mates nor other namespaces, and is reported in status.conditions', async () => {
  // a-stuck sorts before b-other, and pods come first in the cleanup's kind order, so the
  // failing pod is the first object the cleanup meets.
  for (const ns of ['a-stuck', 'b-other']) {
    expect((await req('POST', '/api/v1/namespaces', { metadata: { name: ns } })).status).toBe(201);
    for (const pod of ['a-bad', 'b-ok', 'c-ok']) expect((await req('POST', `/api/v1/namespaces/${ns}/pods`, { metadata: { name: pod }, spec: podSpec })).status).toBe(201);
    expect((await req('POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: 'cfg' } })).status).toBe(201);
  }
  expect((await req('POST', '/api/v1/namespaces/a-stuck/secrets', { metadata: { name: 'token' }, stringData: { k: 'v' } })).status).toBe(201);
  expect((await req('POST', '/api/v1/namespaces/a-stuck/configmaps', { metadata: { name: 'held', finalizers: ['example.com/hold'] } })).status).toBe(201);

  for (const ns of ['a-stuck', 'b-other']) expect((await req('DELETE', `/api/v1/namespaces/${ns}`)).status).toBe(200);

  // The other namespace empties and goes away, and so does everything of a-stuck that can.
  await eventuallyMatch('namespace b-other removed', () => gone('/api/v1/namespaces/b-other'), (v) => v, 20_000);
  for (const p of ['pods/b-ok', 'pods/c-ok', 'configmaps/cfg']) {
    await eventuallyMatch(`a-stuck/${p} removed`, () => gone(`/api/v1/namespaces/a-stuck/${p}`), (v) => v, 20_000);
  }
  expect((await req('GET', '/api/v1/namespaces/a-stuck/pods/a-bad')).status).toBe(200);

  // ...and a-stuck says why it is still Terminating.
  const stuck = await eventuallyMatch('a-stuck content failure reported', () => conditions('a-stuck'), (cs) => cond(cs, 'NamespaceDeletionContentFailure')?.status === 'True', 20_000);
  expect(cond(stuck, 'NamespaceDeletionContentFailure')).toMatchObject({
    reason: 'ContentDeletionFailed',
    message: 'Failed to delete all resource types, 1 remaining: pods "a-bad": etcdserver: request timed out',
  });
  expect(cond(stuck, 'NamespaceDeletionDiscoveryFailure')).toMatchObject({
    status: 'True',
    reason: 'DiscoveryFailed',
    message: 'Discovery failed for some groups, 1 failing: secrets: etcdserver: request timed out',
  });
  expect(cond(stuck, 'NamespaceContentRemaining')).toMatchObject({
    status: 'True',
    reason: 'SomeResourcesRemain',
    message: 'Some resources are remaining: configmaps has 1 resource instances, pods has 1 resource instances',
  });
  expect(cond(stuck, 'NamespaceFinalizersRemaining')).toMatchObject({
    status: 'True',
    reason: 'SomeFinalizersRemain',
    message: 'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances',
  });
  for (const c of stuck) expect(Date.parse(c.lastTransitionTime!)).not.toBeNaN();

  // Logged at warn once, with the error and its stack; the same failure on later passes at debug.
  const badLines = logLines.filter((l) => l.name === 'a-bad' && l.msg.startsWith('cannot delete object'));
  expect(badLines.filter((l) => l.level === 40)).toHaveLength(1);
  expect(badLines[0]).toMatchObject({ level: 40, err: { message: 'etcdserver: request timed out' } });
  expect(badLines[0]!.err!.stack).toContain('apiserver-namespace-stuck.test.ts');
  await eventuallyMatch('a repeat at debug', async () => logLines.filter((l) => l.name === 'a-bad' && l.level === 20).length, (n) => n > 0, 20_000);

  // Visible to kubectl and `orch describe`.
  const yaml = await kubectl(['get', 'ns', 'a-stuck', '-o', 'yaml']);
  expect(yaml.code, yaml.stderr).toBe(0);
  expect(yaml.stdout).toContain('type: NamespaceDeletionContentFailure');
  expect(yaml.stdout).toContain('reason: ContentDeletionFailed');
  const described = await runOrch(['describe', 'namespace', 'a-stuck', '--server', s.url, '--token', s.token, '--ca-file', path.join(dir, 'ca.pem')]);
  expect(described.code, described.stderr).toBe(0);
  expect(described.stdout).toMatch(/Status:\s+Terminating/);
  expect(described.stdout).toMatch(/NamespaceDeletionContentFailure\s+True\s+\S+Z\s+ContentDeletionFailed\s+Failed to delete all resource types, 1 remaining: pods "a-bad"/);
  expect(described.stdout).toMatch(/NamespaceFinalizersRemaining\s+True\s+\S+Z\s+SomeFinalizersRemain/);

  // etcd recovers: the failures clear (False, Kubernetes' okay reasons) while the
  // finalizer still holds one object.
  fault.on = false;
  const recovered = await eventuallyMatch('failures cleared', () => conditions('a-stuck'), (cs) => cond(cs, 'NamespaceDeletionContentFailure')?.status === 'False', 20_000);
  expect(cond(recovered, 'NamespaceDeletionContentFailure')).toMatchObject({ reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' });
  expect(cond(recovered, 'NamespaceDeletionDiscoveryFailure')).toMatchObject({ status: 'False', reason: 'ResourcesDiscovered' });
  expect(cond(recovered, 'NamespaceContentRemaining')).toMatchObject({ status: 'True', message: 'Some resources are remaining: configmaps has 1 resource instances' });
  expect(cond(recovered, 'NamespaceFinalizersRemaining')?.status).toBe('True');
  expect(await gone('/api/v1/namespaces/a-stuck/pods/a-bad')).toBe(true);
  expect(await gone('/api/v1/namespaces/a-stuck/secrets/token')).toBe(true);

  // The last finalizer goes: so does the namespace.
  expect((await req('PATCH', '/api/v1/namespaces/a-stuck/configmaps/held', { metadata: { finalizers: null } }, merge)).status).toBe(200);
  await eventuallyMatch('namespace a-stuck removed', () => gone('/api/v1/namespaces/a-stuck'), (v) => v, 20_000);
});
