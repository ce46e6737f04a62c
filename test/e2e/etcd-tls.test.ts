// The apiserver against a real etcd that serves TLS and requires client certificates
// (--client-cert-auth), through `orch apiserver`'s own flags (--etcd-cafile,
// --etcd-certfile, --etcd-keyfile, with --encryption-provider-config and the audit flags
// on): it serves, etcdctl over TLS shows the Secret sealed, and a wrong CA or a missing
// client certificate stops the start with a message that says so.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startApiserver, type ApiserverFlags } from '../../apiserver/command.js';
import { generatedEncryptionConfig } from '../../apiserver/storage/encryption/config.js';
import { DEFAULT_POLICY_YAML } from '../../apiserver/audit/policy.js';
import { generateCA, generateClientCert, generateServerCert } from '../../foundation/pki.js';
import { eventually, GiveUp } from '../helpers/eventually.js';
import { freePort } from '../helpers/ports.js';

let dir: string;
let etcd: ChildProcess | undefined;
let endpoint: string;
const f = (name: string) => path.join(dir, name);

function healthy(): Promise<boolean> {
  return new Promise((resolve) => {
    const req = https.get(`${endpoint}/health`, { ca: fs.readFileSync(f('ca.crt')), cert: fs.readFileSync(f('client.crt')), key: fs.readFileSync(f('client.key')) }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
  });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-etcd-tls-'));
  const ca = generateCA({ commonName: 'etcd-ca', validDays: 1 });
  const server = generateServerCert(ca, { commonName: 'etcd', ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'], validDays: 1 });
  const client = generateClientCert(ca, { commonName: 'orch-apiserver', validDays: 1 });
  const otherCa = generateCA({ commonName: 'not-the-etcd-ca', validDays: 1 });
  for (const [name, body] of Object.entries({ 'ca.crt': ca.certPem, 'server.crt': server.certPem, 'server.key': server.keyPem, 'client.crt': client.certPem, 'client.key': client.keyPem, 'other-ca.crt': otherCa.certPem })) {
    fs.writeFileSync(f(name), body, { mode: 0o600 });
  }
  fs.writeFileSync(f('encryption.yaml'), generatedEncryptionConfig(), { mode: 0o600 });
  fs.writeFileSync(f('audit-policy.yaml'), DEFAULT_POLICY_YAML);
  const bin = spawnSync('sh', ['-c', 'command -v etcd'], { encoding: 'utf8' }).stdout.trim();
  if (!bin) throw new Error('etcd binary not found on PATH: apt-get install -y etcd-server');
  endpoint = `https://127.0.0.1:${await freePort()}`;
  const peer = `http://127.0.0.1:${await freePort()}`;
  const log = fs.openSync(f('etcd.log'), 'a');
  etcd = spawn(bin, [
    '--name', 'tls', '--data-dir', f('data'), '--log-level', 'error',
    '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint,
    '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `tls=${peer}`,
    '--cert-file', f('server.crt'), '--key-file', f('server.key'), '--client-cert-auth', '--trusted-ca-file', f('ca.crt'),
  ], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  await eventually('TLS etcd to be healthy', async () => {
    if (etcd!.exitCode !== null) throw new GiveUp(`etcd exited: ${fs.readFileSync(f('etcd.log'), 'utf8').slice(-2000)}`);
    return healthy();
  }, 20_000, 100);
});

afterAll(async () => {
  if (etcd && etcd.exitCode === null) {
    await new Promise<void>((r) => {
      etcd!.once('exit', () => r());
      etcd!.kill('SIGTERM');
    });
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function flags(extra: Partial<ApiserverFlags>): ApiserverFlags {
  return {
    etcdServers: endpoint,
    bindAddress: '127.0.0.1',
    port: '0',
    insecureHttp: true,
    logLevel: 'silent',
    watchMaxSeconds: '60',
    etcdPrefix: '/registry',
    etcdCafile: f('ca.crt'),
    etcdCertfile: f('client.crt'),
    etcdKeyfile: f('client.key'),
    ...extra,
  };
}

describe('etcd over TLS with client certificates', () => {
  test('the apiserver serves through it; etcdctl over TLS shows the Secret sealed; the audit log is written', async () => {
    const api = await startApiserver(flags({ encryptionProviderConfig: f('encryption.yaml'), auditPolicyFile: f('audit-policy.yaml'), auditLogPath: f('audit.log') }));
    try {
      await eventually('apiserver ready', async () => (await fetch(`${api.url}/readyz`)).ok, 20_000, 100);
      const res = await fetch(`${api.url}/api/v1/namespaces/default/secrets`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ metadata: { name: 'tls-secret' }, stringData: { pw: 'ViaTlsEtcd42' } }),
      });
      expect(res.status).toBe(201);
      const got = (await (await fetch(`${api.url}/api/v1/namespaces/default/secrets/tls-secret`)).json()) as { data: Record<string, string> };
      expect(Buffer.from(got.data.pw, 'base64').toString()).toBe('ViaTlsEtcd42');
      const ctl = spawnSync('etcdctl', ['--endpoints', endpoint, '--cacert', f('ca.crt'), '--cert', f('client.crt'), '--key', f('client.key'), 'get', '/registry/secrets/default/tls-secret', '--print-value-only'], { encoding: 'latin1', env: { ...process.env, ETCDCTL_API: '3' } });
      expect(ctl.status, ctl.stderr).toBe(0);
      expect(ctl.stdout.startsWith('k8s:enc:aesgcm:v1:key1:')).toBe(true);
      expect(ctl.stdout).not.toContain('ViaTlsEtcd42');
    } finally {
      await api.stop();
    }
    // Stopping flushed the audit log.
    const lines = fs.readFileSync(f('audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.some((e) => e.verb === 'create' && e.objectRef?.name === undefined && e.objectRef?.resource === 'secrets' && e.level === 'Metadata')).toBe(true);
    expect(fs.readFileSync(f('audit.log'), 'utf8')).not.toContain('ViaTlsEtcd42');
  });

  test('a wrong CA stops the start with a clear message', async () => {
    const err = await startApiserver(flags({ etcdCafile: f('other-ca.crt') })).then(() => undefined, (e: Error) => e);
    expect(err?.message).toMatch(/^TLS to etcd \(https:\/\/127\.0\.0\.1:\d+\) failed: unable to verify the first certificate\. Check that --etcd-cafile/);
  });

  test('no client certificate: etcd refuses, and the start says so', async () => {
    const err = await startApiserver(flags({ etcdCertfile: undefined, etcdKeyfile: undefined })).then(() => undefined, (e: Error) => e);
    expect(err?.message).toMatch(/^TLS to etcd .* failed: .*bad certificate/);
  });

  test('flag mistakes are named', async () => {
    await expect(startApiserver(flags({ etcdKeyfile: undefined }))).rejects.toThrow('--etcd-certfile and --etcd-keyfile go together');
    await expect(startApiserver(flags({ etcdCafile: undefined, etcdCertfile: undefined, etcdKeyfile: undefined }))).rejects.toThrow(/is https: give --etcd-cafile/);
    await expect(startApiserver(flags({ etcdCafile: f('missing.crt') }))).rejects.toThrow(/--etcd-cafile .*missing\.crt: cannot read/);
    fs.writeFileSync(f('bad-enc.yaml'), 'apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets]\n    providers:\n      - aescbc: { keys: [{ name: k, secret: c2hvcnQ= }] }\n');
    await expect(startApiserver(flags({ encryptionProviderConfig: f('bad-enc.yaml') }))).rejects.toThrow(/--encryption-provider-config .*bad-enc\.yaml: resources\[0\]\.providers\[0\]\.aescbc\.keys\[0\]\.secret: aescbc needs a key of 16, 24, 32 bytes, this one has 5/);
    await expect(startApiserver(flags({ auditLogPath: f('a.log') }))).rejects.toThrow('--audit-log-path needs --audit-policy-file');
  });
});
