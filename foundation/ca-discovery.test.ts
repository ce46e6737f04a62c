import https from 'node:https';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { caPublicKeyHash, checkCaHash, discoverClusterCA } from './ca-discovery.js';
import { generateCA, generateServerCert } from './pki.js';

const ca = generateCA({ commonName: 'cluster-ca', validDays: 1 });
const other = generateCA({ commonName: 'other', validDays: 1 });
const servers: https.Server[] = [];

async function serve(opts: https.ServerOptions): Promise<string> {
  const s = https.createServer(opts, (_q, r) => r.end('ok'));
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return `https://127.0.0.1:${(s.address() as { port: number }).port}`;
}

let withCa: string;
let leafOnly: string;
beforeAll(async () => {
  const srv = generateServerCert(ca, { commonName: 'apiserver', validDays: 1 });
  // As the apiserver with --client-ca-file: the CA goes along in the handshake.
  withCa = await serve({ key: srv.keyPem, cert: srv.certPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: false });
  leafOnly = await serve({ key: srv.keyPem, cert: srv.certPem });
});
afterAll(() => servers.forEach((s) => s.close()));

describe('discoverClusterCA', () => {
  test('returns the CA whose public key has the hash', async () => {
    const pem = await discoverClusterCA(withCa, caPublicKeyHash(ca.certPem));
    expect(caPublicKeyHash(pem)).toBe(caPublicKeyHash(ca.certPem));
  });

  test('refuses another hash, and a server that sends no CA, saying why', async () => {
    await expect(discoverClusterCA(withCa, caPublicKeyHash(other.certPem))).rejects.toThrow(/none of the 2 certificate\(s\).*public key hash sha256:/);
    await expect(discoverClusterCA(leafOnly, caPublicKeyHash(ca.certPem))).rejects.toThrow(/--client-ca-file/);
  });

  test('checks the hash format', () => {
    expect(() => checkCaHash('md5:abc')).toThrow(/sha256:<64 hex digits>/);
    expect(checkCaHash(`SHA256:${'A'.repeat(64)}`)).toBe(`sha256:${'a'.repeat(64)}`);
  });
});
