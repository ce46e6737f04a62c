import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendTokenEntries,
  certificateSANs,
  generateCA,
  generateServerCert,
  generateToken,
  indexTokens,
  parseCsvLine,
  parseTokenFile,
  readTokenFile,
  writeTokenFile,
  type CertAndKey,
} from './pki.js';
import { loadTokenFile } from '../apiserver/auth.js';

let tmp: string;
let ca: CertAndKey;
let server: CertAndKey;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-pki-test-'));
  ca = generateCA({ commonName: 'orch-test-ca' });
  server = generateServerCert(ca, {
    commonName: 'orch-apiserver',
    dnsNames: ['api.example.test'],
    ipAddresses: ['10.1.2.3'],
    validDays: 30,
  });
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('certificates', () => {
  it('the CA is a self-signed CA certificate', () => {
    const x = new crypto.X509Certificate(ca.certPem);
    expect(x.ca).toBe(true);
    expect(x.subject).toContain('CN=orch-test-ca');
    expect(x.checkIssued(x)).toBe(true);
    expect(x.verify(x.publicKey)).toBe(true);
  });

  it('the server certificate is issued and signed by the CA, with RSA-2048 and SHA-256', () => {
    const caX = new crypto.X509Certificate(ca.certPem);
    const x = new crypto.X509Certificate(server.certPem);
    expect(x.ca).toBe(false);
    expect(x.checkIssued(caX)).toBe(true);
    expect(x.verify(caX.publicKey)).toBe(true);
    // A different CA's key must not verify it (the check can fail).
    const other = new crypto.X509Certificate(generateCA({ commonName: 'other' }).certPem);
    expect(x.verify(other.publicKey)).toBe(false);
    expect(x.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(x.checkPrivateKey(crypto.createPrivateKey(server.keyPem))).toBe(true);
    expect(x.keyUsage).toEqual(expect.arrayContaining(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'])); // serverAuth, clientAuth
    const validDays = (Date.parse(x.validTo) - Date.parse(x.validFrom)) / 86_400_000;
    expect(Math.round(validDays)).toBe(30);
    // Node does not expose the signature algorithm; read it back with forge.
    expect(forge.pki.certificateFromPem(server.certPem).siginfo.algorithmOid).toBe('1.2.840.113549.1.1.11'); // sha256WithRSAEncryption
  });

  it('has SANs for localhost, loopback addresses, the hostname and the extras', () => {
    const sans = certificateSANs(server.certPem);
    expect(sans.dnsNames).toEqual(expect.arrayContaining(['localhost', os.hostname(), 'api.example.test']));
    expect(sans.ipAddresses).toEqual(expect.arrayContaining(['127.0.0.1', '::1', '10.1.2.3']));
    const x = new crypto.X509Certificate(server.certPem);
    expect(x.checkHost('api.example.test')).toBe('api.example.test');
    expect(x.checkIP('10.1.2.3')).toBe('10.1.2.3');
    expect(x.checkHost('not-there.example')).toBeUndefined();
  });

  it('rejects a malformed IP address', () => {
    expect(() => generateServerCert(ca, { commonName: 'x', ipAddresses: ['not-an-ip'] })).toThrow(/not an IP/);
  });

  it('a real HTTPS server with the cert accepts a client that trusts only the CA', async () => {
    const srv = https.createServer({ cert: server.certPem, key: server.keyPem }, (_req, res) => {
      res.end('hello over tls');
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as AddressInfo).port;
    const get = (host: string, caPem: string) =>
      new Promise<string>((resolve, reject) => {
        const req = https.get({ host: '127.0.0.1', servername: host === '127.0.0.1' ? undefined : host, port, ca: caPem, path: '/' }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve(body));
        });
        req.on('error', reject);
      });
    try {
      expect(await get('127.0.0.1', ca.certPem)).toBe('hello over tls');
      expect(await get('localhost', ca.certPem)).toBe('hello over tls');
      // A client that trusts a different CA refuses the connection.
      const otherCa = generateCA({ commonName: 'stranger' });
      await expect(get('127.0.0.1', otherCa.certPem)).rejects.toThrow(/self.signed|unable to verify|certificate/i);
    } finally {
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });
});

describe('tokens', () => {
  it('generateToken gives 32 random bytes, base64url, all different', () => {
    const tokens = new Set(Array.from({ length: 100 }, () => generateToken()));
    expect(tokens.size).toBe(100);
    for (const t of tokens) {
      expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(t, 'base64url').length).toBe(32);
    }
  });

  it('writes the Kubernetes CSV format with mode 0600 and reads it back', () => {
    const file = path.join(tmp, 'tokens.csv');
    const entries = [
      { token: 'tok-admin', user: 'admin', uid: 'u1', groups: ['system:masters'] },
      { token: 'tok-node', user: 'system:node:n1', uid: 'u2', groups: ['system:nodes', 'extra'] },
      { token: 'tok-nogroup', user: 'alice', uid: 'u3', groups: [] },
    ];
    writeTokenFile(file, entries);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain('tok-node,system:node:n1,u2,"system:nodes,extra"\n');
    expect(text).toContain('tok-nogroup,alice,u3,""\n');
    expect(readTokenFile(file)).toEqual(entries);

    appendTokenEntries(file, [{ token: 'tok-new', user: 'bob', uid: 'u4', groups: ['g'] }]);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(readTokenFile(file).map((e) => e.user)).toEqual(['admin', 'system:node:n1', 'alice', 'bob']);
  });

  it('parses comments, blank lines, CRLF, spaces and quoted fields', () => {
    const text = [
      '# a comment',
      '',
      '   ',
      't1,user1,uid1,"g1,g2,g3"',
      '  # indented comment',
      't2, user2 , uid2 , " g1 , g2 "\r',
      't3,"user, with comma",uid3',
      't4,"say ""hi""",uid4,g-single',
      't5,user5,,"" ',
    ].join('\n');
    expect(parseTokenFile(text)).toEqual([
      { token: 't1', user: 'user1', uid: 'uid1', groups: ['g1', 'g2', 'g3'] },
      { token: 't2', user: 'user2', uid: 'uid2', groups: ['g1', 'g2'] },
      { token: 't3', user: 'user, with comma', uid: 'uid3', groups: [] },
      { token: 't4', user: 'say "hi"', uid: 'uid4', groups: ['g-single'] },
      { token: 't5', user: 'user5', uid: '', groups: [] },
    ]);
  });

  it('round-trips awkward user names through write and read', () => {
    const file = path.join(tmp, 'awkward.csv');
    const entries = [{ token: 'a', user: 'x,"y"', uid: ' spaced', groups: ['g:1'] }];
    writeTokenFile(file, entries);
    expect(readTokenFile(file)).toEqual(entries);
  });

  it('rejects malformed lines naming the line', () => {
    expect(() => parseTokenFile('ok,u,uid\nonly,two\n', 'tokens.csv')).toThrow(/tokens\.csv:2: expected token,user,uid/);
    expect(() => parseTokenFile('t,u,uid,"unterminated\n')).toThrow(/:1: unterminated quoted field/);
    expect(() => parseTokenFile(',u,uid\n')).toThrow(/:1: empty token/);
    expect(() => parseTokenFile('t,,uid\n')).toThrow(/:1: empty user/);
    expect(() => parseTokenFile('t,u"x,uid\n')).toThrow(/bare quote/);
    expect(() => parseTokenFile('t,"u"x,uid\n')).toThrow(/after a quoted field/);
  });

  it("the apiserver's authenticator reads what writeTokenFile writes (uid and groups intact)", () => {
    const file = path.join(tmp, 'auth-compat.csv');
    const entries = [
      { token: 'tA', user: 'admin', uid: 'uid-a', groups: ['system:masters'] },
      { token: 'tB', user: 'system:node:n1', uid: 'uid-b', groups: ['system:nodes', 'x'] },
      { token: 'tC', user: 'nogroups', uid: 'uid-c', groups: [] },
    ];
    writeTokenFile(file, entries);
    const auth = loadTokenFile(file);
    expect(auth.authenticate('tA')).toEqual({ name: 'admin', uid: 'uid-a', groups: ['system:masters'] });
    expect(auth.authenticate('tB')).toEqual({ name: 'system:node:n1', uid: 'uid-b', groups: ['system:nodes', 'x'] });
    expect(auth.authenticate('tC')).toEqual({ name: 'nogroups', uid: 'uid-c', groups: [] });
    expect(auth.authenticate('wrong')).toBeUndefined();
  });

  it('parseCsvLine keeps empty fields', () => {
    expect(parseCsvLine('a,,c,')).toEqual(['a', '', 'c', '']);
  });

  it('indexTokens maps tokens to entries and refuses duplicates', () => {
    const m = indexTokens(parseTokenFile('t1,a,1\nt2,b,2,"g"\n'));
    expect(m.get('t2')?.user).toBe('b');
    expect(m.get('nope')).toBeUndefined();
    expect(() => indexTokens(parseTokenFile('t1,a,1\nt1,b,2\n'))).toThrow(/more than once/);
  });
});
