// `orch` with real kubeconfig files (--kubeconfig, KUBECONFIG=a:b), against a real
// apiserver over a real etcd, and against an HTTPS server that demands a client
// certificate (the apiserver authenticates users by token only, so the certificate is
// proved where it is checked). The same files work for kubectl v1.32, and both tools
// pick the same context, cluster, user and namespace.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import YAML from 'yaml';
import { ApiClient } from '../../client/rest-client.js';
import { generateCA, generateClientCert, generateServerCert } from '../../foundation/pki.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { assertBuilt, runOrch, type RunResult } from '../helpers/orch-cli.js';

let s: TestApiServer;
let dir: string;
let client: ApiClient;

const b64 = (t: string) => Buffer.from(t).toString('base64');

function kubectl(args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile('kubectl', [...args, '--cache-dir', path.join(dir, 'cache')], { timeout: 30_000, env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** orch with no config of its own (an empty ORCH_HOME), so only the kubeconfig can work. */
const orch = (args: string[], env: NodeJS.ProcessEnv = {}) => runOrch(args, { env: { ORCH_HOME: path.join(dir, 'orch-home'), KUBECONFIG: '', ...env } });

function write(name: string, doc: unknown): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, YAML.stringify(doc));
  return file;
}

beforeAll(async () => {
  assertBuilt();
  s = await startTestApiServer({ tls: true });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'h17-cli-kubeconfig-'));
  client = new ApiClient({ server: s.url, token: s.token, ca: s.ca });
  for (const ns of ['team-a', 'team-b']) {
    await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await client.configmaps.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-of-${ns}`, namespace: ns } });
  }
  fs.mkdirSync(path.join(dir, 'certs'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'certs', 'ca.pem'), s.ca!);
  fs.writeFileSync(path.join(dir, 'certs', 'token'), `${s.token}\n`);
}, 60_000);

afterAll(async () => {
  client?.close();
  await s?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A kubeconfig in the style of a real one: several clusters, users and contexts. */
function mainConfig(): string {
  return write('kube/main.yaml', {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'a',
    clusters: [
      // Relative to this file's directory, as kubectl reads it.
      { name: 'real', cluster: { server: s.url, 'certificate-authority': '../certs/ca.pem' } },
      { name: 'real-data', cluster: { server: s.url, 'certificate-authority-data': b64(s.ca!) } },
      { name: 'real-insecure', cluster: { server: s.url, 'insecure-skip-tls-verify': true } },
      { name: 'nowhere', cluster: { server: 'https://127.0.0.1:1' } },
    ],
    users: [
      { name: 'admin', user: { token: s.token } },
      { name: 'from-file', user: { tokenFile: '../certs/token' } },
      { name: 'nobody', user: { token: 'not-a-valid-token' } },
    ],
    contexts: [
      { name: 'a', context: { cluster: 'real', user: 'admin', namespace: 'team-a' } },
      { name: 'b', context: { cluster: 'real-data', user: 'from-file', namespace: 'team-b' } },
      { name: 'insecure', context: { cluster: 'real-insecure', user: 'admin' } },
      { name: 'denied', context: { cluster: 'real', user: 'nobody' } },
    ],
  });
}

describe('kubeconfig files', () => {
  test('--kubeconfig: current context, its namespace, and the same answer as kubectl', async () => {
    const file = mainConfig();
    const o = await orch(['get', 'cm', '-o', 'name', '--kubeconfig', file]);
    const k = await kubectl(['get', 'cm', '-o', 'name', '--kubeconfig', file], {});
    expect(o).toMatchObject({ code: 0, stdout: 'configmap/cm-of-team-a\n' });
    expect(o.stdout).toBe(k.stdout);
  });

  test('--context, --cluster and --user pick other entries (token file, CA data, insecure)', async () => {
    const file = mainConfig();
    for (const args of [['--context', 'b'], ['--context', 'insecure', '-n', 'team-b'], ['--cluster', 'real-data', '--user', 'from-file', '-n', 'team-b']]) {
      const o = await orch(['get', 'cm', '-o', 'name', '--kubeconfig', file, ...args]);
      const k = await kubectl(['get', 'cm', '-o', 'name', '--kubeconfig', file, ...args], {});
      expect([args, o.code, o.stdout]).toEqual([args, 0, 'configmap/cm-of-team-b\n']);
      expect(o.stdout).toBe(k.stdout);
    }
    const denied = await orch(['get', 'cm', '--kubeconfig', file, '--context', 'denied']);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/Unauthorized/);
    const missing = await orch(['get', 'cm', '--kubeconfig', file, '--context', 'nope']);
    expect(missing.stderr).toMatch(/context was not found for specified context: nope/);
    expect((await orch(['get', 'cm', '--kubeconfig', path.join(dir, 'absent.yaml')])).stderr).toMatch(/absent\.yaml: no such file or directory/);
  });

  test('KUBECONFIG=a:b merges: the first file wins per name and for current-context; missing files are skipped', async () => {
    const main = mainConfig();
    const override = write('kube/override.yaml', {
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'b',
      // The same name as main's "a", pointing elsewhere: the first file's wins.
      contexts: [{ name: 'a', context: { cluster: 'nowhere', user: 'nobody' } }],
    });
    const env = { KUBECONFIG: [override, path.join(dir, 'missing.yaml'), main].join(':') };
    const o = await orch(['get', 'cm', '-o', 'name'], env);
    const k = await kubectl(['get', 'cm', '-o', 'name'], env);
    expect(o).toMatchObject({ code: 0, stdout: 'configmap/cm-of-team-b\n' });
    expect(o.stdout).toBe(k.stdout);
    // main first: its current-context (a) and its "a".
    const env2 = { KUBECONFIG: [main, override].join(':') };
    expect((await orch(['get', 'cm', '-o', 'name'], env2)).stdout).toBe('configmap/cm-of-team-a\n');
    expect((await kubectl(['get', 'cm', '-o', 'name'], env2)).stdout).toBe('configmap/cm-of-team-a\n');
  });

  test('without --kubeconfig or KUBECONFIG, orch uses its own config', async () => {
    const home = path.join(dir, 'own-home');
    fs.mkdirSync(home, { recursive: true });
    fs.writeFileSync(path.join(home, 'config.json'), JSON.stringify({ currentContext: 'x', contexts: { x: { server: s.url, token: s.token, ca: s.ca, namespace: 'team-a' } } }));
    const r = await runOrch(['get', 'cm', '-o', 'name'], { env: { ORCH_HOME: home, KUBECONFIG: '' } });
    expect(r).toMatchObject({ code: 0, stdout: 'configmap/cm-of-team-a\n' });
  });
});

describe('client certificates', () => {
  let server: https.Server;
  let url: string;
  let ca: ReturnType<typeof generateCA>;
  const seen: string[] = [];

  beforeAll(async () => {
    ca = generateCA({ commonName: 'h17-cli test CA' });
    const serving = generateServerCert(ca, { commonName: '127.0.0.1', ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'] });
    // Answers a NamespaceList naming the client certificate's CN, only to a certificate of our CA.
    server = https.createServer({ cert: serving.certPem, key: serving.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const cn = (req.socket as TLSSocket).getPeerCertificate().subject?.CN ?? '';
      seen.push(`${req.method} ${req.url} ${cn}`);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ apiVersion: 'v1', kind: 'NamespaceList', metadata: { resourceVersion: '1' }, items: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `hello-${cn}` } }] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  test('client-certificate(-data) and client-key(-data) are presented, as kubectl presents them', async () => {
    const jane = generateClientCert(ca, { commonName: 'jane' });
    fs.writeFileSync(path.join(dir, 'certs', 'jane.crt'), jane.certPem);
    fs.writeFileSync(path.join(dir, 'certs', 'jane.key'), jane.keyPem);
    const file = write('kube/certs.yaml', {
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'data',
      clusters: [{ name: 'c', cluster: { server: url, 'certificate-authority-data': b64(ca.certPem) } }],
      users: [
        { name: 'jane-data', user: { 'client-certificate-data': b64(jane.certPem), 'client-key-data': b64(jane.keyPem) } },
        { name: 'jane-files', user: { 'client-certificate': '../certs/jane.crt', 'client-key': '../certs/jane.key' } },
        { name: 'anonymous', user: {} },
      ],
      contexts: [
        { name: 'data', context: { cluster: 'c', user: 'jane-data' } },
        { name: 'files', context: { cluster: 'c', user: 'jane-files' } },
        { name: 'anon', context: { cluster: 'c', user: 'anonymous' } },
      ],
    });
    for (const context of ['data', 'files']) {
      const o = await orch(['get', 'ns', '-o', 'name', '--kubeconfig', file, '--context', context]);
      expect([context, o.code, o.stdout, o.stderr]).toEqual([context, 0, 'namespace/hello-jane\n', '']);
    }
    // kubectl's `get` would need discovery from this stand-in server; --raw needs none.
    const k = await kubectl(['get', '--raw', '/api/v1/namespaces', '--kubeconfig', file], {});
    expect(JSON.parse(k.stdout).items[0].metadata.name).toBe('hello-jane');
    const anon = await orch(['get', 'ns', '--kubeconfig', file, '--context', 'anon']);
    expect(anon.code).toBe(1);
    expect(seen.filter((l) => l.endsWith(' jane')).length).toBeGreaterThanOrEqual(2);
  });
});
