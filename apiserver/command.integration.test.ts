import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEtcd, type TestEtcd } from '../test/helpers/etcd.js';
import { apiserverCommand, startApiserver, type ApiserverFlags } from './command.js';
import { generateCA, generateServerCert } from '../foundation/pki.js';
import { eventuallyMatch } from '../test/helpers/eventually.js';

let etcd: TestEtcd;
let dir: string;
const flags = (over: Partial<ApiserverFlags>): ApiserverFlags => ({
  etcdServers: etcd.endpoint,
  bindAddress: '127.0.0.1',
  port: '0',
  logLevel: 'silent',
  watchMaxSeconds: '1800',
  etcdPrefix: '/cmdtest',
  ...over,
});

beforeAll(async () => {
  etcd = await startEtcd();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-apiserver-cmd-'));
});
afterAll(async () => {
  await etcd?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('orch apiserver', () => {
  test('refuses to start without TLS or token file, pointing at orch init', async () => {
    const cmd = apiserverCommand().exitOverride();
    await expect(cmd.parseAsync(['--etcd-servers', etcd.endpoint, '--log-level', 'silent'], { from: 'user' })).rejects.toThrow(/orch init/);
    await expect(startApiserver(flags({ tlsCertFile: 'a.pem' }))).rejects.toThrow(/go together/);
    await expect(startApiserver(flags({ insecureHttp: true, port: '99999' }))).rejects.toThrow(/--port/);
  });

  test('refuses a bad --event-ttl or --etcd-max-request-bytes with a clear message', async () => {
    await expect(startApiserver(flags({ insecureHttp: true, eventTtl: 'soon' }))).rejects.toThrow(/invalid duration "soon"/);
    await expect(startApiserver(flags({ insecureHttp: true, eventTtl: '500ms' }))).rejects.toThrow(/--event-ttl 500ms: at least 1s/);
    await expect(startApiserver(flags({ insecureHttp: true, etcdMaxRequestBytes: '1.5MiB' }))).rejects.toThrow(/--etcd-max-request-bytes 1.5MiB/);
  });

  test('refuses bad service ranges and advertise address, naming the flag', async () => {
    const bad: [Partial<ApiserverFlags>, RegExp][] = [
      [{ serviceClusterIpRange: '10.96.0.0' }, /--service-cluster-ip-range "10.96.0.0": must be a CIDR/],
      [{ serviceClusterIpRange: '10.96.0.1/12' }, /--service-cluster-ip-range "10.96.0.1\/12": host bits set; did you mean 10.96.0.0\/12/],
      [{ serviceClusterIpRange: '10.96.0.0/30' }, /--service-cluster-ip-range "10.96.0.0\/30": too small/],
      [{ serviceClusterIpRange: 'fd00::/64' }, /--service-cluster-ip-range "fd00::\/64": too large/],
      [{ serviceClusterIpRange: '10.96.0.0/12,10.200.0.0/16' }, /--service-cluster-ip-range .*one IPv4 and one IPv6/],
      [{ serviceNodePortRange: '30000' }, /--service-node-port-range "30000": a port range like 30000-32767/],
      [{ serviceNodePortRange: '32767-30000' }, /--service-node-port-range "32767-30000"/],
      [{ serviceNodePortRange: '30000-70000' }, /--service-node-port-range "30000-70000"/],
      [{ advertiseAddress: 'example.com' }, /--advertise-address "example.com"/],
      [{ authorizationMode: 'Node,ABAC' }, /--authorization-mode: unknown mode "ABAC"/],
    ];
    for (const [over, want] of bad) await expect(startApiserver(flags({ insecureHttp: true, ...over }))).rejects.toThrow(want);
  });

  test('serves HTTPS with a token file; 401 without token, 200 with it', async () => {
    const ca = generateCA({ commonName: 'test-ca' });
    const srv = generateServerCert(ca, { commonName: 'apiserver' });
    fs.writeFileSync(path.join(dir, 'tls.crt'), srv.certPem);
    fs.writeFileSync(path.join(dir, 'tls.key'), srv.keyPem);
    fs.writeFileSync(path.join(dir, 'tokens.csv'), 'tok-123,admin,admin,"system:masters"\n');
    const running = await startApiserver(
      flags({ tlsCertFile: path.join(dir, 'tls.crt'), tlsPrivateKeyFile: path.join(dir, 'tls.key'), tokenAuthFile: path.join(dir, 'tokens.csv') }),
    );
    try {
      expect(running.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const https = await import('node:https');
      const get = (token?: string) =>
        new Promise<number>((resolve, reject) => {
          const r = https.request(`${running.url}/api/v1/nodes`, { ca: ca.certPem, headers: token ? { Authorization: `Bearer ${token}` } : {} }, (res) => {
            res.resume();
            resolve(res.statusCode!);
          });
          r.on('error', reject);
          r.end();
        });
      expect(await get()).toBe(401);
      expect(await get('tok-123')).toBe(200);

      // The token file is followed without a restart: an appended token starts working,
      // a removed one stops (checked at most once per second; generous deadline for a busy machine).
      // (A node line with its group: under RBAC a user without one may only do discovery.)
      const until = (token: string, want: number) => eventuallyMatch(`token ${token} to get ${want}`, () => get(token), (code) => code === want, 10_000);
      const tokens = path.join(dir, 'tokens.csv');
      expect(await get('tok-new')).toBe(401);
      fs.appendFileSync(tokens, 'tok-new,system:node:n9,n9,"system:nodes"\n');
      await until('tok-new', 200);
      fs.writeFileSync(tokens, 'tok-new,system:node:n9,n9,"system:nodes"\n');
      await until('tok-123', 401);
      expect(await get('tok-new')).toBe(200);
      // A broken file keeps the previous tokens.
      fs.writeFileSync(tokens, 'tok-new,system:node:n9,n9,"system:nodes"\n"unterminated,x\n');
      await new Promise((r) => setTimeout(r, 1500));
      expect(await get('tok-new')).toBe(200);
      expect(await get('tok-123')).toBe(401);
    } finally {
      await running.stop();
    }
  });

  test('refuses an --agent-token-file the API itself accepts: agents would receive an API credential', async () => {
    fs.writeFileSync(path.join(dir, 'tokens2.csv'), 'tok-admin,admin,admin,"system:masters"\n');
    fs.writeFileSync(path.join(dir, 'agent.token'), 'tok-admin\n');
    const ca = generateCA({ commonName: 'test-ca' });
    const srv = generateServerCert(ca, { commonName: 'apiserver' });
    fs.writeFileSync(path.join(dir, 'tls2.crt'), srv.certPem);
    fs.writeFileSync(path.join(dir, 'tls2.key'), srv.keyPem);
    const base = { tlsCertFile: path.join(dir, 'tls2.crt'), tlsPrivateKeyFile: path.join(dir, 'tls2.key'), tokenAuthFile: path.join(dir, 'tokens2.csv') };
    await expect(startApiserver(flags({ ...base, agentTokenFile: path.join(dir, 'agent.token') }))).rejects.toThrow(
      /--agent-token-file holds a token that --token-auth-file accepts \(user "admin"\)/,
    );
    await expect(startApiserver(flags({ ...base, agentClientCertFile: path.join(dir, 'tls2.crt') }))).rejects.toThrow(/go together/);
    // A dedicated token is fine.
    fs.writeFileSync(path.join(dir, 'agent.token'), 'only-for-agents\n');
    const running = await startApiserver(flags({ ...base, agentTokenFile: path.join(dir, 'agent.token') }));
    await running.stop();
  });

  test('--insecure-http serves plain HTTP without auth', async () => {
    const running = await startApiserver(flags({ insecureHttp: true }));
    try {
      const r = await fetch(`${running.url}/api/v1/namespaces/default`);
      expect(r.status).toBe(200);
    } finally {
      await running.stop();
    }
  });

  test('flow-control flags: bad values are refused by name; good ones size the priority levels', async () => {
    await expect(startApiserver(flags({ insecureHttp: true, maxRequestsInflight: '0' }))).rejects.toThrow(/--max-requests-inflight 0/);
    await expect(startApiserver(flags({ insecureHttp: true, maxOpenWatchesPerUser: 'many' }))).rejects.toThrow(/--max-open-watches-per-user/);
    await expect(startApiserver(flags({ insecureHttp: true, requestBodyTimeout: '-1' }))).rejects.toThrow(/--request-body-timeout/);
    await expect(startApiserver(flags({ insecureHttp: true, maxWatchBufferMb: 'x' }))).rejects.toThrow(/--max-watch-buffer-mb/);
    const running = await startApiserver(flags({ insecureHttp: true, maxRequestsInflight: '22' }));
    try {
      const text = await (await fetch(`${running.url}/metrics`)).text();
      // 22 seats, node-high has 40 of the 220 shares: ceil(4.0) = 4.
      expect(text).toMatch(/^apiserver_flowcontrol_nominal_limit_seats\{priority_level="node-high"\} 4$/m);
    } finally {
      await running.stop();
    }
  });
});
