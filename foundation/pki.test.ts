import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateSANs, generateCA, generateSelfSignedServerCert, generateServerCert, type CertAndKey } from './pki.js';

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

describe('self-signed serving certificate', () => {
  it('is signed by its own key, names the host and the IPs, serverAuth only, no CA', () => {
    const own = generateSelfSignedServerCert('node-7', { ipAddresses: ['127.0.0.1'] });
    const x = new crypto.X509Certificate(own.certPem);
    expect(x.subject).toBe('CN=node-7');
    expect(x.issuer).toBe('CN=node-7');
    expect(x.verify(x.publicKey)).toBe(true);
    expect(x.ca).toBe(false);
    expect(x.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(certificateSANs(own.certPem)).toEqual({ dnsNames: ['node-7'], ipAddresses: ['127.0.0.1'] });
    expect(x.checkPrivateKey(crypto.createPrivateKey(own.keyPem))).toBe(true);
    expect(new crypto.X509Certificate(ca.certPem).checkIssued(x)).toBe(false);
    expect(() => generateSelfSignedServerCert('n', { ipAddresses: ['not-an-ip'] })).toThrow(/not an IP address/);
  });
});
