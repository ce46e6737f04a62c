// The keys of service account tokens, from the apiserver's flags:
// --service-account-signing-key-file (one private key, PEM) signs new tokens;
// --service-account-key-file (repeatable; PEM files holding public or private keys, any
// number per file) lists the keys that verify tokens. The signing key always verifies
// too, so a single flag is enough; listing the previous key as well keeps the tokens it
// signed valid during a rotation (Kubernetes' rule).

import crypto, { type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import { verifyKeyOf, type VerifyKey } from './jwt.js';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g;

/** Every key of a PEM text (public keys, certificates' keys, private keys as their public half). */
export function parseKeys(pem: string, source: string): KeyObject[] {
  const out: KeyObject[] = [];
  for (const m of pem.matchAll(PEM_BLOCK)) {
    const label = m[1]!;
    if (label.includes('PRIVATE KEY')) out.push(crypto.createPublicKey(crypto.createPrivateKey(m[0])));
    else if (label === 'CERTIFICATE') out.push(new crypto.X509Certificate(m[0]).publicKey);
    else if (label.includes('PUBLIC KEY')) out.push(crypto.createPublicKey(m[0]));
  }
  if (out.length === 0) throw new Error(`${source}: no PEM public or private key found`);
  return out;
}

export interface ServiceAccountKeys {
  signing: KeyObject;
  verify: VerifyKey[];
}

export function loadServiceAccountKeys(signingKeyFile: string, keyFiles: readonly string[]): ServiceAccountKeys {
  const signing = crypto.createPrivateKey(fs.readFileSync(signingKeyFile, 'utf8'));
  const verify = [verifyKeyOf(signing)];
  for (const f of keyFiles)
    for (const k of parseKeys(fs.readFileSync(f, 'utf8'), f)) {
      const v = verifyKeyOf(k);
      if (!verify.some((x) => x.kid === v.kid)) verify.push(v);
    }
  return { signing, verify };
}
