// Local PKI: the certificates `orch init` issues (CA, apiserver serving and client
// certificates, node serving certificates) and the self-signed fallback an agent serves
// without one. Tokens are in token-file.ts, secret files in secret-file.ts.
//
// Certificates are built with node-forge (node has no X.509 *issuing* API), but RSA key
// generation uses node's native crypto: forge's pure-JS prime search takes seconds on
// a busy 2-core machine, the native one a few tens of milliseconds. node-forge costs
// ~10 MB of memory once loaded: processes that may never issue a certificate (the agent)
// import this module lazily.

import crypto from 'node:crypto';
import net from 'node:net';
import os from 'node:os';
import forge from 'node-forge';
import { agentServingCommonName } from './agent-tls.js';

export interface CertAndKey {
  certPem: string;
  keyPem: string;
}

export interface CAOptions {
  commonName: string;
  /** Default 3650 (ten years): a local CA should outlive the clusters it signs for. */
  validDays?: number;
}

export interface ServerCertOptions {
  commonName: string;
  /** Extra DNS names; localhost and this machine's hostname are always included. */
  dnsNames?: string[];
  /** Extra IP addresses; 127.0.0.1 and ::1 are always included. */
  ipAddresses?: string[];
  /** Default 825 days (the longest lifetime common TLS clients accept for leaf certs). */
  validDays?: number;
}

const RSA_BITS = 2048;
function newKeyPair(): forge.pki.rsa.KeyPair {
  const { privateKey } = crypto.generateKeyPairSync('rsa', {
    modulusLength: RSA_BITS,
    publicExponent: 0x10001,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const priv = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  const pub = forge.pki.setRsaPublicKey(priv.n, priv.e);
  return { privateKey: priv, publicKey: pub };
}

/** A positive 128-bit serial: RFC 5280 wants unique, non-negative, ≤ 20 octets. */
function randomSerial(): string {
  const bytes = crypto.randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f; // clear the sign bit so DER does not read it as negative
  return bytes.toString('hex');
}

function validity(cert: forge.pki.Certificate, validDays: number): void {
  // Backdate a little so a client with a slightly slow clock accepts a fresh cert.
  const notBefore = new Date(Date.now() - 5 * 60_000);
  const notAfter = new Date(notBefore.getTime() + validDays * 86_400_000);
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
}

export function generateCA(opts: CAOptions): CertAndKey {
  const keys = newKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = randomSerial();
  validity(cert, opts.validDays ?? 3650);
  const subject = [{ name: 'commonName', value: opts.commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: forge.pki.privateKeyToPem(keys.privateKey) };
}

/** The SANs a server certificate gets: the always-present local names plus extras, deduplicated. */
export function serverSANs(opts: Pick<ServerCertOptions, 'dnsNames' | 'ipAddresses'>): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames = unique(['localhost', os.hostname(), ...(opts.dnsNames ?? [])].filter((s) => s.length > 0));
  const ipAddresses = unique(['127.0.0.1', '::1', ...(opts.ipAddresses ?? [])]);
  for (const ip of ipAddresses) {
    if (!isIP(ip)) throw new Error(`not an IP address: ${JSON.stringify(ip)}`);
  }
  return { dnsNames, ipAddresses };
}

export function generateServerCert(ca: CertAndKey, opts: ServerCertOptions): CertAndKey {
  const { dnsNames, ipAddresses } = serverSANs(opts);
  return issueLeaf(ca, {
    subject: [{ name: 'commonName', value: opts.commonName }],
    // clientAuth too: the same cert may authenticate the apiserver to etcd with mTLS.
    extKeyUsage: { serverAuth: true, clientAuth: true },
    dnsNames,
    ipAddresses,
    validDays: opts.validDays ?? 825,
  });
}

export interface AgentServingCertOptions {
  nodeName: string;
  /** The node's addresses (optional: the apiserver checks the node name, not the address it dials). */
  ipAddresses?: string[];
  dnsNames?: string[];
  validDays?: number;
}

/**
 * An agent's log-endpoint certificate for one node, shaped like a kubelet's serving
 * certificate: CN `system:node:NAME`, O `system:nodes`, NAME (and the given addresses) as
 * subject alternative names, serverAuth only. No local names are added: every agent on a
 * host must present a certificate only its own node's name fits.
 */
export function generateAgentServingCert(ca: CertAndKey, opts: AgentServingCertOptions): CertAndKey {
  const ipAddresses = unique([...(isIP(opts.nodeName) ? [opts.nodeName] : []), ...(opts.ipAddresses ?? [])]);
  for (const ip of ipAddresses) if (!isIP(ip)) throw new Error(`not an IP address: ${JSON.stringify(ip)}`);
  return issueLeaf(ca, {
    subject: [
      { name: 'commonName', value: agentServingCommonName(opts.nodeName) },
      { name: 'organizationName', value: 'system:nodes' },
    ],
    extKeyUsage: { serverAuth: true },
    dnsNames: unique([...(isIP(opts.nodeName) ? [] : [opts.nodeName]), ...(opts.dnsNames ?? [])]),
    ipAddresses,
    validDays: opts.validDays ?? 825,
  });
}

/** A client certificate (clientAuth only, no alternative names), e.g. the apiserver's for the agents. */
export function generateClientCert(ca: CertAndKey, opts: { commonName: string; organization?: string; validDays?: number }): CertAndKey {
  return issueLeaf(ca, {
    subject: [{ name: 'commonName', value: opts.commonName }, ...(opts.organization ? [{ name: 'organizationName', value: opts.organization }] : [])],
    extKeyUsage: { clientAuth: true },
    dnsNames: [],
    ipAddresses: [],
    validDays: opts.validDays ?? 825,
  });
}

interface LeafOptions {
  subject: forge.pki.CertificateField[];
  extKeyUsage: { serverAuth?: boolean; clientAuth?: boolean };
  dnsNames: string[];
  ipAddresses: string[];
  validDays: number;
}

/**
 * A self-signed serving certificate, for a server that was given none (an agent's log
 * endpoint): it keeps the endpoint on TLS, and no client that checks the chain accepts it.
 */
export function generateSelfSignedServerCert(commonName: string, opts: { ipAddresses?: string[]; validDays?: number } = {}): CertAndKey {
  const ipAddresses = unique(opts.ipAddresses ?? []);
  for (const ip of ipAddresses) if (!isIP(ip)) throw new Error(`not an IP address: ${JSON.stringify(ip)}`);
  return issueLeaf(undefined, {
    subject: [{ name: 'commonName', value: commonName }],
    extKeyUsage: { serverAuth: true },
    dnsNames: [commonName],
    ipAddresses,
    validDays: opts.validDays ?? 365,
  });
}

/** A leaf certificate signed by ca, or by its own key when ca is undefined. */
function issueLeaf(ca: CertAndKey | undefined, opts: LeafOptions): CertAndKey {
  const keys = newKeyPair();
  const caCert = ca ? forge.pki.certificateFromPem(ca.certPem) : undefined;
  const caKey = ca ? forge.pki.privateKeyFromPem(ca.keyPem) : keys.privateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = randomSerial();
  validity(cert, opts.validDays);
  cert.setSubject(opts.subject);
  cert.setIssuer(caCert ? caCert.subject.attributes : opts.subject);
  const altNames = [
    ...opts.dnsNames.map((value) => ({ type: 2, value })), // 2 = dNSName
    ...opts.ipAddresses.map((ip) => ({ type: 7, ip })), // 7 = iPAddress
  ];
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', ...opts.extKeyUsage },
    ...(altNames.length > 0 ? [{ name: 'subjectAltName', altNames }] : []),
    { name: 'subjectKeyIdentifier' },
    ...(caCert ? [{ name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() }] : []),
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: forge.pki.privateKeyToPem(keys.privateKey) };
}

// ---- small helpers -----------------------------------------------------------------------

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

function isIP(s: string): boolean {
  return net.isIP(s) !== 0;
}

/** Certificate subject alternative names as node reports them ("DNS:a, IP Address:1.2.3.4"). */
export function certificateSANs(certPem: string): { dnsNames: string[]; ipAddresses: string[] } {
  const x = new crypto.X509Certificate(certPem);
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const part of (x.subjectAltName ?? '').split(/,\s*/)) {
    if (part.startsWith('DNS:')) dnsNames.push(part.slice(4));
    else if (part.startsWith('IP Address:')) ipAddresses.push(normalizeIP(part.slice(11)));
  }
  return { dnsNames, ipAddresses };
}

/** Node prints IPv6 SANs expanded ("0:0:0:0:0:0:0:1"); compare in one canonical form. */
export function normalizeIP(ip: string): string {
  if (!ip.includes(':')) return ip;
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return ip;
  }
}
