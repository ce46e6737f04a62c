// Finding the cluster CA from a hash of its public key, as kubeadm's
// --discovery-token-ca-cert-hash: a joining node is given `sha256:<hex>` (the SHA-256 of
// the CA certificate's DER SubjectPublicKeyInfo) instead of the CA file. The agent opens
// a TLS connection without verifying it and without sending anything, takes the
// certificates the apiserver presents (it sends its CA along when it runs with
// --client-ca-file), keeps the one whose public key has that hash, and checks that it is
// a CA and that it signed the server's certificate. Only then is anything (the bootstrap
// token) sent, to a server verified with that CA. A man in the middle cannot present a
// CA with the pinned key without its private key.

import crypto from 'node:crypto';
import tls from 'node:tls';
import net from 'node:net';

export function caPublicKeyHash(certPem: string): string {
  const x = new crypto.X509Certificate(certPem);
  const spki = x.publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${crypto.createHash('sha256').update(spki).digest('hex')}`;
}

const HASH_RE = /^sha256:[0-9a-f]{64}$/;

export function checkCaHash(hash: string, flag = '--discovery-token-ca-cert-hash'): string {
  const h = hash.trim().toLowerCase();
  if (!HASH_RE.test(h)) throw new Error(`invalid ${flag} "${hash}": expected sha256:<64 hex digits> (orch token create prints it)`);
  return h;
}

const toPem = (raw: Buffer) => `-----BEGIN CERTIFICATE-----\n${raw.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;

/** The CA (PEM) of the server at `serverUrl` whose public key hash is `hash`; throws saying why not. */
export async function discoverClusterCA(serverUrl: string, hash: string, timeoutMs = 10_000): Promise<string> {
  const want = checkCaHash(hash);
  const url = new URL(serverUrl);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 443);
  const chain = await new Promise<tls.DetailedPeerCertificate>((resolve, reject) => {
    const sock = tls.connect({ host, port, rejectUnauthorized: false, ...(net.isIP(host) ? {} : { servername: host }) });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no TLS answer from ${url.host} within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.once('secureConnect', () => {
      clearTimeout(timer);
      const c = sock.getPeerCertificate(true);
      sock.destroy();
      resolve(c);
    });
    sock.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot reach ${url.host}: ${err.message}`));
    });
  });
  const leaf = new crypto.X509Certificate(chain.raw);
  const seen: crypto.X509Certificate[] = [];
  for (let c: tls.DetailedPeerCertificate | undefined = chain; c && c.raw; c = c.issuerCertificate === c ? undefined : c.issuerCertificate) {
    seen.push(new crypto.X509Certificate(c.raw));
    if (seen.length > 10) break;
  }
  for (const x of seen) {
    if (caPublicKeyHash(x.toString()) !== want) continue;
    if (!x.ca) throw new Error(`the certificate with public key hash ${want} is not a CA`);
    if (!leaf.verify(x.publicKey)) throw new Error(`the server's certificate at ${url.host} was not signed by the CA with public key hash ${want}`);
    return toPem(x.raw);
  }
  throw new Error(
    `none of the ${seen.length} certificate(s) the server at ${url.host} presented has the public key hash ${want} (wrong hash or server? the apiserver sends its CA when it runs with --client-ca-file)`,
  );
}
