// Local PKI and bearer tokens: what `orch init` writes and the apiserver reads.
//
// Certificates are built with node-forge (node has no X.509 *issuing* API), but RSA key
// generation uses node's native crypto: forge's pure-JS prime search takes seconds on
// a busy 2-core machine, the native one a few tens of milliseconds.
//
// Token files use the CSV format of Kubernetes' --token-auth-file:
//   token,user,uid,"group1,group2"
// so an existing token file (or a habit) carries over.

import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
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

export interface TokenEntry {
  token: string;
  user: string;
  uid: string;
  groups: string[];
}

const RSA_BITS = 2048;
/** Owner read/write only: keys and tokens are secrets. */
export const SECRET_FILE_MODE = 0o600;

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

function issueLeaf(ca: CertAndKey, opts: LeafOptions): CertAndKey {
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  const keys = newKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = randomSerial();
  validity(cert, opts.validDays);
  cert.setSubject(opts.subject);
  cert.setIssuer(caCert.subject.attributes);
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
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: forge.pki.privateKeyToPem(keys.privateKey) };
}

/** 32 random bytes, base64url: 43 characters, safe in headers, URLs and CSV. */
export function generateToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/**
 * Write a secret file with mode 0600, atomically (temp file + rename), so a reader never
 * sees half a key and a crash never leaves a world-readable copy behind.
 */
export function writeSecretFile(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  try {
    fs.writeFileSync(tmp, content, { mode: SECRET_FILE_MODE });
    fs.chmodSync(tmp, SECRET_FILE_MODE); // the umask may have narrowed it; make it exact
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

// ---- token file -------------------------------------------------------------------------

function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * One line of the token file. The groups column is always written (quoted, "" when
 * empty): a three-column line is read as token,user,uid by Kubernetes but as
 * token,user,groups by some readers, and four columns mean the same to both.
 */
export function formatTokenLine(e: TokenEntry): string {
  validateEntry(e);
  const fields = [csvField(e.token), csvField(e.user), csvField(e.uid), `"${e.groups.join(',').replace(/"/g, '""')}"`];
  return fields.join(',');
}

function validateEntry(e: TokenEntry): void {
  if (!e.token) throw new Error('token entry without a token');
  if (!e.user) throw new Error('token entry without a user');
  for (const g of e.groups) {
    if (g.includes(',') || g.trim() !== g || g === '') throw new Error(`invalid group name ${JSON.stringify(g)}`);
  }
}

export function writeTokenFile(file: string, entries: TokenEntry[]): void {
  const header = '# orch bearer tokens (Kubernetes --token-auth-file format): token,user,uid,"group1,group2"\n';
  writeSecretFile(file, header + entries.map((e) => formatTokenLine(e) + '\n').join(''));
}

/** Append entries, keeping what is there (comments included). Creates the file if needed. */
export function appendTokenEntries(file: string, entries: TokenEntry[]): void {
  const existing = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (!existing) return writeTokenFile(file, entries);
  const sep = existing.endsWith('\n') ? '' : '\n';
  writeSecretFile(file, existing + sep + entries.map((e) => formatTokenLine(e) + '\n').join(''));
}

/**
 * Split one CSV record (RFC 4180 quoting: "a,b" and "" for a quote inside quotes).
 * Leading/trailing blanks around fields are dropped, like Go's csv TrimLeadingSpace.
 */
export function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    let value = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new Error('unterminated quoted field');
        const c = line[i]!;
        if (c === '"') {
          if (line[i + 1] === '"') { value += '"'; i += 2; continue; }
          i++;
          break;
        }
        value += c;
        i++;
      }
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (i < line.length && line[i] !== ',') throw new Error('unexpected text after a quoted field');
    } else {
      const end = line.indexOf(',', i);
      const stop = end < 0 ? line.length : end;
      value = line.slice(i, stop).trim();
      if (value.includes('"')) throw new Error('bare quote in an unquoted field');
      i = stop;
    }
    fields.push(value);
    if (i >= line.length) return fields;
    i++; // skip the comma
  }
}

/** Parse token file text. Errors name the line, because a bad token file must stop startup. */
export function parseTokenFile(text: string, source = 'token file'): TokenEntry[] {
  const entries: TokenEntry[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, idx) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${source}:${idx + 1}`;
    let fields: string[];
    try {
      fields = parseCsvLine(line);
    } catch (err) {
      throw new Error(`${where}: ${(err as Error).message}`);
    }
    if (fields.length < 3) throw new Error(`${where}: expected token,user,uid[,"groups"] (got ${fields.length} fields)`);
    const [token, user, uid, groupField] = fields as [string, string, string, string | undefined];
    if (!token) throw new Error(`${where}: empty token`);
    if (!user) throw new Error(`${where}: empty user name`);
    const groups = (groupField ?? '').split(',').map((g) => g.trim()).filter((g) => g.length > 0);
    entries.push({ token, user, uid, groups });
  });
  return entries;
}

export function readTokenFile(file: string): TokenEntry[] {
  return parseTokenFile(fs.readFileSync(file, 'utf8'), file);
}

/**
 * token → entry, for authenticating requests. A token listed twice is refused: with two
 * identities for one secret, whichever won would be a surprise.
 */
export function indexTokens(entries: TokenEntry[]): Map<string, TokenEntry> {
  const map = new Map<string, TokenEntry>();
  for (const e of entries) {
    if (map.has(e.token)) throw new Error(`token for user ${JSON.stringify(e.user)} is listed more than once`);
    map.set(e.token, e);
  }
  return map;
}

/** Constant-time token comparison helper for callers that compare one token directly. */
export function tokensEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && crypto.timingSafeEqual(ab, bb);
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
