import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { certificateSANs } from '../../foundation/pki.js';
import { readTokenFile, writeTokenFile } from '../../foundation/token-file.js';
import { defaultPkiDir, initCommand, runInit, tokenFor } from './init.js';

let tmp: string;
let dir: string;
let output: string;

async function orch(...args: string[]): Promise<string> {
  output = '';
  const program = new Command('orch').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  program.addCommand(initCommand((t) => (output += t)));
  await program.parseAsync(args, { from: 'user' });
  return output;
}

const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
const mode = (f: string) => fs.statSync(path.join(dir, f)).mode & 0o777;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-init-test-'));
  dir = path.join(tmp, 'pki');
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('orch init', () => {
  it('creates a CA, a server certificate signed by it and the tokens, with private files 0600', async () => {
    const out = await orch('init', '--dir', dir, '--node', 'n1', '--node', 'n2', '--hostname', 'api.test', '--ip', '10.9.8.7');
    expect(fs.readdirSync(dir).sort()).toEqual(['apiserver-kubelet-client.crt', 'apiserver-kubelet-client.key', 'apiserver.crt', 'apiserver.key', 'audit-policy.yaml', 'ca.crt', 'ca.key', 'encryption-config.yaml', 'sa.key', 'sa.pub', 'tokens.csv']);
    expect(mode('sa.key')).toBe(0o600);
    expect(mode('sa.pub')).toBe(0o600);
    // The service account key pair: an EC P-256 private key and its public half.
    const saKey = crypto.createPrivateKey(read('sa.key'));
    expect(saKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(crypto.createPublicKey(saKey).export({ type: 'spki', format: 'pem' })).toBe(read('sa.pub'));
    expect(mode('ca.key')).toBe(0o600);
    expect(mode('apiserver.key')).toBe(0o600);
    expect(mode('apiserver-kubelet-client.key')).toBe(0o600);
    expect(mode('tokens.csv')).toBe(0o600);
    expect(mode('ca.crt')).toBe(0o644);

    const caX = new crypto.X509Certificate(read('ca.crt'));
    const srvX = new crypto.X509Certificate(read('apiserver.crt'));
    expect(caX.ca).toBe(true);
    expect(srvX.checkIssued(caX)).toBe(true);
    expect(srvX.verify(caX.publicKey)).toBe(true);
    expect(srvX.checkPrivateKey(crypto.createPrivateKey(read('apiserver.key')))).toBe(true);
    const sans = certificateSANs(read('apiserver.crt'));
    expect(sans.dnsNames).toEqual(expect.arrayContaining(['localhost', 'api.test', os.hostname()]));
    expect(sans.ipAddresses).toEqual(expect.arrayContaining(['127.0.0.1', '::1', '10.9.8.7']));
    // What in-cluster clients dial: the kubernetes Service's names and its ClusterIP (default range 10.96.0.0/12).
    expect(sans.dnsNames).toEqual(expect.arrayContaining(['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local']));
    expect(sans.ipAddresses).toContain('10.96.0.1');
    expect(out).toContain(`--service-account-signing-key-file ${path.join(dir, 'sa.key')} --service-account-key-file ${path.join(dir, 'sa.pub')}`);

    const tokens = readTokenFile(path.join(dir, 'tokens.csv'));
    expect(tokens.map((t) => [t.user, t.groups])).toEqual([
      ['admin', ['system:masters']],
      ['system:kube-scheduler', []],
      ['system:kube-controller-manager', []],
      ['system:node:n1', ['system:nodes']],
      ['system:node:n2', ['system:nodes']],
    ]);
    expect(new Set(tokens.map((t) => t.token)).size).toBe(5);
    expect(new Set(tokens.map((t) => t.uid)).size).toBe(5);

    expect(out).toContain('created  ca.crt, ca.key');
    expect(out).toContain(`orch apiserver --tls-cert-file ${path.join(dir, 'apiserver.crt')} --tls-private-key-file ${path.join(dir, 'apiserver.key')} --token-auth-file ${path.join(dir, 'tokens.csv')}`);
    expect(out).toContain(`--agent-ca-file ${path.join(dir, 'ca.crt')} --agent-client-cert-file ${path.join(dir, 'apiserver-kubelet-client.crt')}`);
    // The apiserver's client certificate for agents: clientAuth only, no names, nothing the API accepts.
    const client = new crypto.X509Certificate(read('apiserver-kubelet-client.crt'));
    expect(client.subject).toBe('CN=orch:apiserver-kubelet-client');
    expect(client.checkIssued(caX)).toBe(true);
    expect(client.subjectAltName).toBeUndefined();
    expect(client.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    // Secrets never go to the terminal from plain `orch init`.
    for (const t of tokens) expect(out).not.toContain(t.token);
  });

  it('is idempotent: a second run reuses the CA, the certificate and the tokens', async () => {
    await orch('init', '--dir', dir, '--node', 'n1');
    const before = { ca: read('ca.crt'), key: read('ca.key'), crt: read('apiserver.crt'), tokens: read('tokens.csv'), sa: read('sa.key') };
    const out = await orch('init', '--dir', dir, '--node', 'n1');
    expect(read('sa.key')).toBe(before.sa);
    expect(read('ca.crt')).toBe(before.ca);
    expect(read('ca.key')).toBe(before.key);
    expect(read('apiserver.crt')).toBe(before.crt);
    expect(read('tokens.csv')).toBe(before.tokens);
    expect(out).toContain('reused   sa.key, sa.pub');
    expect(out).toContain('reused   ca.crt');
    expect(out).toContain('reused   apiserver.crt');
    expect(out).toContain('nothing to add');
  });

  it('adding --node later appends one token and keeps the others', async () => {
    await orch('init', '--dir', dir);
    const before = readTokenFile(path.join(dir, 'tokens.csv'));
    const out = await orch('init', '--dir', dir, '--node', 'worker-2');
    const after = readTokenFile(path.join(dir, 'tokens.csv'));
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.slice(before.length).map((t) => t.user)).toEqual(['system:node:worker-2']);
    expect(out).toContain('added system:node:worker-2');
  });

  it('re-issues only the server certificate (same CA) when a new name is asked for', async () => {
    await orch('init', '--dir', dir);
    const ca = read('ca.crt');
    const crt = read('apiserver.crt');
    const out = await orch('init', '--dir', dir, '--hostname', 'new.example');
    expect(read('ca.crt')).toBe(ca);
    expect(read('apiserver.crt')).not.toBe(crt);
    expect(certificateSANs(read('apiserver.crt')).dnsNames).toContain('new.example');
    expect(out).toContain('new names: new.example');
    expect(new crypto.X509Certificate(read('apiserver.crt')).checkIssued(new crypto.X509Certificate(ca))).toBe(true);
    // Another Service range: the kubernetes Service's address of that range joins the certificate.
    const again = await orch('init', '--dir', dir, '--hostname', 'new.example', '--service-cluster-ip-range', '10.100.0.0/16');
    expect(again).toContain('new names: 10.100.0.1');
    expect(certificateSANs(read('apiserver.crt')).ipAddresses).toContain('10.100.0.1');
  });

  it('re-issues a server certificate that is about to expire', () => {
    runInit({ dir });
    const r = runInit({ dir, now: () => Date.now() + 820 * 86_400_000 });
    expect(r.caCreated).toBe(false);
    expect(r.serverCertReason).toBe('expires within 30 days');
  });

  it('re-issues a server certificate not signed by the current CA', () => {
    runInit({ dir });
    const other = path.join(tmp, 'other');
    runInit({ dir: other });
    fs.copyFileSync(path.join(other, 'apiserver.crt'), path.join(dir, 'apiserver.crt'));
    fs.copyFileSync(path.join(other, 'apiserver.key'), path.join(dir, 'apiserver.key'));
    expect(runInit({ dir }).serverCertReason).toBe('not signed by the current CA');
  });

  it('renames the pre-RBAC component tokens in place, without system:masters', async () => {
    fs.mkdirSync(dir, { recursive: true });
    const old = [
      { token: 'a'.repeat(32), user: 'admin', uid: 'u1', groups: ['system:masters'] },
      { token: 'b'.repeat(32), user: 'system:scheduler', uid: 'u2', groups: ['system:masters'] },
      { token: 'c'.repeat(32), user: 'system:controller-manager', uid: 'u3', groups: ['system:masters', 'extra'] },
    ];
    writeTokenFile(path.join(dir, 'tokens.csv'), old);
    const r = runInit({ dir });
    expect(r.tokensMigrated).toEqual(['system:scheduler → system:kube-scheduler', 'system:controller-manager → system:kube-controller-manager']);
    expect(r.tokensAdded).toEqual([]);
    const now = readTokenFile(path.join(dir, 'tokens.csv'));
    expect(now.map((t) => [t.token, t.user, t.groups])).toEqual([
      ['a'.repeat(32), 'admin', ['system:masters']],
      ['b'.repeat(32), 'system:kube-scheduler', []],
      ['c'.repeat(32), 'system:kube-controller-manager', ['extra']],
    ]);
    expect(runInit({ dir }).tokensMigrated).toEqual([]);
  });

  it('--force starts over with a new CA and new tokens', async () => {
    await orch('init', '--dir', dir, '--node', 'n1');
    const ca = read('ca.crt');
    const tokens = readTokenFile(path.join(dir, 'tokens.csv'));
    await orch('init', '--dir', dir, '--force');
    expect(read('ca.crt')).not.toBe(ca);
    const fresh = readTokenFile(path.join(dir, 'tokens.csv'));
    expect(fresh.map((t) => t.user)).toEqual(['admin', 'system:kube-scheduler', 'system:kube-controller-manager']);
    expect(fresh.some((t) => tokens.some((o) => o.token === t.token))).toBe(false);
  });

  it('refuses to continue with half a CA instead of silently replacing it', async () => {
    await orch('init', '--dir', dir);
    fs.rmSync(path.join(dir, 'ca.key'));
    await expect(orch('init', '--dir', dir)).rejects.toThrow(/ca\.key is missing/);
  });

  it('rejects an invalid node name or IP before writing anything', async () => {
    await expect(orch('init', '--dir', dir, '--node', 'Bad_Name')).rejects.toThrow(/invalid node name/);
    await expect(orch('init', '--dir', dir, '--ip', '300.1.1.1')).rejects.toThrow(/not an IP address/);
    expect(fs.existsSync(dir)).toBe(false);
  });
});

describe('orch init node-token', () => {
  it('prints a new token that is appended to tokens.csv (same uid for the same node)', async () => {
    await orch('init', '--dir', dir, '--node', 'n1');
    const printed = (await orch('init', 'node-token', 'n1', '--dir', dir)).trim();
    const printed2 = (await orch('init', '--dir', dir, 'node-token', 'n3')).trim();
    expect(printed).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const tokens = readTokenFile(path.join(dir, 'tokens.csv'));
    const n1 = tokens.filter((t) => t.user === 'system:node:n1');
    expect(n1).toHaveLength(2);
    expect(n1[1]!.token).toBe(printed);
    expect(n1[1]!.uid).toBe(n1[0]!.uid);
    expect(n1[1]!.groups).toEqual(['system:nodes']);
    expect(tokens.find((t) => t.token === printed2)?.user).toBe('system:node:n3');
    expect(mode('tokens.csv')).toBe(0o600);
  });

  it('fails clearly when init has not run', async () => {
    await expect(orch('init', 'node-token', 'n1', '--dir', dir)).rejects.toThrow(/run `orch init/);
  });
});

describe('orch init node-cert', () => {
  it("issues each node its own serving certificate from the CA, keeps it while it fits, reissues for a new address", async () => {
    await orch('init', '--dir', dir);
    const caX = new crypto.X509Certificate(read('ca.crt'));
    let out = await orch('init', '--dir', dir, 'node-cert', 'vm3', '--ip', '10.0.0.13', '--hostname', 'vm3.lan');
    expect(out).toBe(`created ${path.join(dir, 'agents/vm3/agent.crt')} (missing) and agent.key for node vm3: vm3, vm3.lan, 10.0.0.13\n`);
    const x = new crypto.X509Certificate(read('agents/vm3/agent.crt'));
    expect(x.subject).toBe('CN=system:node:vm3\nO=system:nodes');
    expect(x.checkIssued(caX) && x.verify(caX.publicKey)).toBe(true);
    expect(x.checkPrivateKey(crypto.createPrivateKey(read('agents/vm3/agent.key')))).toBe(true);
    expect(mode('agents/vm3/agent.key')).toBe(0o600);
    // Only its own names: no localhost, no hostname of the machine that issued it.
    expect(certificateSANs(x.toString())).toEqual({ dnsNames: ['vm3', 'vm3.lan'], ipAddresses: ['10.0.0.13'] });
    expect(x.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    out = await orch('init', '--dir', dir, 'node-cert', 'vm3', '--ip', '10.0.0.13');
    expect(out).toMatch(/^reused /);
    out = await orch('init', '--dir', dir, 'node-cert', 'vm3', '--ip', '10.0.0.99');
    expect(out).toContain('(new names: 10.0.0.99)');
    const other = path.join(tmp, 'out');
    await orch('init', '--dir', dir, 'node-cert', 'vm4', '--out-dir', other);
    expect(new crypto.X509Certificate(fs.readFileSync(path.join(other, 'agent.crt'))).subject).toBe('CN=system:node:vm4\nO=system:nodes');
  });

  it('fails clearly without the CA, and for an invalid node name or IP', async () => {
    await expect(orch('init', '--dir', dir, 'node-cert', 'vm3')).rejects.toThrow(/run `orch init --dir/);
    await orch('init', '--dir', dir);
    await expect(orch('init', '--dir', dir, 'node-cert', 'VM_3')).rejects.toThrow(/invalid node name/);
    await expect(orch('init', '--dir', dir, 'node-cert', 'vm3', '--ip', '10.0.0')).rejects.toThrow(/not an IP address/);
  });
});

describe('helpers', () => {
  it('defaultPkiDir honours ORCH_HOME, else ~/.orch', () => {
    expect(defaultPkiDir({ ORCH_HOME: '/srv/orch' })).toBe('/srv/orch/pki');
    expect(defaultPkiDir({})).toBe(path.join(os.homedir(), '.orch', 'pki'));
  });

  it('tokenFor finds a user token', () => {
    runInit({ dir });
    const file = path.join(dir, 'tokens.csv');
    expect(tokenFor(file, 'admin')).toBe(readTokenFile(file)[0]!.token);
    expect(tokenFor(file, 'nobody')).toBeUndefined();
  });
});
