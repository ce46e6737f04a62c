// Certificate signing requests (PKCS#10) for node credentials: the agent makes a key and
// a CSR (createNodeCsr), the controller manager's approver reads it (parseCsr) and its
// signer issues the certificate (signCsr). Built on node-forge like pki.ts (node has no
// PKCS#10 API); keys are RSA 2048 made by node's native crypto. forge parses RSA requests
// only: a request with another key type is reported as unparsable, and the signer fails
// it with a clear condition.

import crypto from 'node:crypto';
import forge from 'node-forge';
import type { CertAndKey } from './pki.js';

export interface ParsedCsr {
  commonName?: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  emailAddresses: string[];
  uris: string[];
  /** The request's own signature checks out (proof the requester holds the key). */
  signatureValid: boolean;
}

/** A new RSA key (PKCS#1 PEM). */
export function newPrivateKeyPem(): string {
  const { privateKey } = crypto.generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicExponent: 0x10001,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return privateKey;
}

/**
 * A CSR for a node certificate: CN system:node:<name>, O system:nodes. Without alternative
 * names it is a client certificate request; a serving certificate request names the node's
 * host names and addresses (`sans`).
 */
export function createNodeCsr(keyPem: string, nodeName: string, sans?: { dnsNames?: string[]; ipAddresses?: string[] }): string {
  const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  csr.setSubject([
    { name: 'organizationName', value: 'system:nodes' },
    { name: 'commonName', value: `system:node:${nodeName}` },
  ]);
  const altNames = [...(sans?.dnsNames ?? []).map((value) => ({ type: 2, value })), ...(sans?.ipAddresses ?? []).map((ip) => ({ type: 7, ip }))];
  if (altNames.length > 0) csr.setAttributes([{ name: 'extensionRequest', extensions: [{ name: 'subjectAltName', altNames }] }]);
  csr.sign(key, forge.md.sha256.create());
  return forge.pki.certificationRequestToPem(csr);
}

function attrValues(attrs: forge.pki.CertificateField[], name: string): string[] {
  return attrs.filter((a) => a.name === name || a.shortName === name).map((a) => String(a.value));
}

/** The subject and alternative names of a PEM CSR; throws when it cannot be parsed. */
export function parseCsr(pem: string): ParsedCsr {
  const csr = forge.pki.certificationRequestFromPem(pem);
  const ext = (csr.getAttribute({ name: 'extensionRequest' }) as { extensions?: { name: string; altNames?: { type: number; value?: string; ip?: string }[] }[] } | null)?.extensions ?? [];
  const alt = ext.find((e) => e.name === 'subjectAltName')?.altNames ?? [];
  let signatureValid = false;
  try {
    signatureValid = csr.verify();
  } catch {
    signatureValid = false;
  }
  return {
    commonName: attrValues(csr.subject.attributes, 'commonName')[0],
    organizations: attrValues(csr.subject.attributes, 'organizationName'),
    dnsNames: alt.filter((a) => a.type === 2).map((a) => a.value ?? ''),
    ipAddresses: alt.filter((a) => a.type === 7).map((a) => a.ip ?? ''),
    emailAddresses: alt.filter((a) => a.type === 1).map((a) => a.value ?? ''),
    uris: alt.filter((a) => a.type === 6).map((a) => a.value ?? ''),
    signatureValid,
  };
}

export interface SignOptions {
  /** Lifetime of the certificate, capped at the CA's own expiry. */
  durationMs: number;
  nowMs: number;
  clientAuth: boolean;
  serverAuth: boolean;
}

/** A certificate for the CSR's key and subject, signed by ca (subject alternative names are copied). */
export function signCsr(ca: CertAndKey, csrPem: string, opts: SignOptions): string {
  const csr = forge.pki.certificationRequestFromPem(csrPem);
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = csr.publicKey!;
  const serial = crypto.randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  cert.serialNumber = serial.toString('hex');
  // Backdated as Kubernetes' signer does, so a node with a slightly slow clock accepts it;
  // a short-lived certificate only by a tenth of its life, so rotation at 70-90 % of
  // notBefore..notAfter stays in the future.
  const notBefore = new Date(opts.nowMs - Math.min(5 * 60_000, opts.durationMs / 10));
  const notAfter = new Date(Math.min(opts.nowMs + opts.durationMs, caCert.validity.notAfter.getTime()));
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject(csr.subject.attributes);
  cert.setIssuer(caCert.subject.attributes);
  const ext = (csr.getAttribute({ name: 'extensionRequest' }) as { extensions?: { name: string }[] } | null)?.extensions ?? [];
  const alt = ext.find((e) => e.name === 'subjectAltName');
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', clientAuth: opts.clientAuth, serverAuth: opts.serverAuth },
    ...(alt ? [alt] : []),
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}
