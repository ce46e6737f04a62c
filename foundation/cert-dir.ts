// A node's client credential on disk (the agent's and proxy's --cert-dir), as the
// kubelet keeps kubelet-client-current.pem: the certificate and its private key in one
// PEM file, owner-only, replaced atomically, so a reader (the proxy on the same node)
// never sees a certificate with the wrong key. The agent's serving certificate (got by a
// kubelet-serving CSR, as kubelet-server-current.pem) is kept the same way beside it.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeSecretFile } from './secret-file.js';

export const CURRENT_CREDENTIAL_FILE = 'orch-node-client-current.pem';
export const SERVING_CREDENTIAL_FILE = 'orch-node-server-current.pem';

export interface NodeCredential {
  certPem: string;
  keyPem: string;
  commonName: string;
  notBeforeMs: number;
  notAfterMs: number;
}

export function credentialPath(dir: string, file = CURRENT_CREDENTIAL_FILE): string {
  return path.join(dir, file);
}

/** Splits a combined file into its certificate(s) and key; throws when either is missing or they do not match. */
export function parseCredential(text: string): NodeCredential {
  const certs = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\r?\n?/g) ?? [];
  const key = /-----BEGIN (RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (RSA |EC )?PRIVATE KEY-----\r?\n?/.exec(text)?.[0];
  if (certs.length === 0 || !key) throw new Error('expected a certificate and a private key (PEM)');
  const certPem = certs.join('');
  const x = new crypto.X509Certificate(certs[0]!);
  if (!x.checkPrivateKey(crypto.createPrivateKey(key))) throw new Error('the private key does not belong to the certificate');
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(x.subject)?.[1] ?? '';
  return { certPem, keyPem: key, commonName: cn, notBeforeMs: Date.parse(x.validFrom), notAfterMs: Date.parse(x.validTo) };
}

/** The credential in dir, or undefined when there is none (a broken file throws). */
export function readCredential(dir: string, file = CURRENT_CREDENTIAL_FILE): NodeCredential | undefined {
  let text: string;
  try {
    text = fs.readFileSync(credentialPath(dir, file), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return parseCredential(text);
}

export function writeCredential(dir: string, certPem: string, keyPem: string, file = CURRENT_CREDENTIAL_FILE): NodeCredential {
  const text = `${certPem.trim()}\n${keyPem.trim()}\n`;
  const cred = parseCredential(text);
  writeSecretFile(credentialPath(dir, file), text);
  return cred;
}
