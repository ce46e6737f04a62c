// The ciphers of an EncryptionConfiguration, each with Kubernetes' byte layout after the
// `k8s:enc:<provider>:v1:<key name>:` prefix, so a value written by one orch apiserver
// reads the same in another (and the layout matches what Kubernetes documents):
//   aesgcm    12-byte random nonce | ciphertext | 16-byte tag; the etcd key is the
//             additional authenticated data, so a value copied to another key fails.
//   aescbc    16-byte random IV | ciphertext (PKCS#7 padding).
//   secretbox 24-byte random nonce | XSalsa20-Poly1305 box (tweetnacl; node:crypto has
//             no XSalsa20).
// Written by hand over node:crypto: the formats are a few lines each and must match
// Kubernetes' byte for byte.

import crypto from 'node:crypto';
import nacl from 'tweetnacl';

export type ProviderName = 'aesgcm' | 'aescbc' | 'secretbox';

export interface Cipher {
  encrypt(plain: Buffer, aad: Buffer): Buffer;
  /** Throws when the key is wrong or the bytes were altered. */
  decrypt(sealed: Buffer, aad: Buffer): Buffer;
}

/** Key sizes each provider accepts (bytes), as Kubernetes. */
export const KEY_SIZES: Record<ProviderName, number[]> = {
  aesgcm: [16, 24, 32],
  aescbc: [16, 24, 32],
  secretbox: [32],
};

export function cipherFor(provider: ProviderName, key: Buffer): Cipher {
  switch (provider) {
    case 'aesgcm':
      return aesGcm(key);
    case 'aescbc':
      return aesCbc(key);
    case 'secretbox':
      return secretbox(key);
  }
}

function aesGcm(key: Buffer): Cipher {
  const alg = `aes-${key.length * 8}-gcm` as crypto.CipherGCMTypes;
  return {
    encrypt(plain, aad) {
      const nonce = crypto.randomBytes(12);
      const c = crypto.createCipheriv(alg, key, nonce);
      c.setAAD(aad);
      const body = Buffer.concat([c.update(plain), c.final()]);
      return Buffer.concat([nonce, body, c.getAuthTag()]);
    },
    decrypt(sealed, aad) {
      if (sealed.length < 12 + 16) throw new Error('value too short for aesgcm');
      const d = crypto.createDecipheriv(alg, key, sealed.subarray(0, 12));
      d.setAAD(aad);
      d.setAuthTag(sealed.subarray(sealed.length - 16));
      return Buffer.concat([d.update(sealed.subarray(12, sealed.length - 16)), d.final()]);
    },
  };
}

function aesCbc(key: Buffer): Cipher {
  const alg = `aes-${key.length * 8}-cbc`;
  return {
    encrypt(plain) {
      const iv = crypto.randomBytes(16);
      const c = crypto.createCipheriv(alg, key, iv);
      return Buffer.concat([iv, c.update(plain), c.final()]);
    },
    decrypt(sealed) {
      if (sealed.length < 32 || sealed.length % 16 !== 0) throw new Error('value is not a whole number of aescbc blocks');
      const d = crypto.createDecipheriv(alg, key, sealed.subarray(0, 16));
      return Buffer.concat([d.update(sealed.subarray(16)), d.final()]);
    },
  };
}

function secretbox(key: Buffer): Cipher {
  const k = new Uint8Array(key);
  return {
    encrypt(plain) {
      const nonce = nacl.randomBytes(24);
      const box = nacl.secretbox(new Uint8Array(plain), nonce, k);
      return Buffer.concat([Buffer.from(nonce), Buffer.from(box)]);
    },
    decrypt(sealed) {
      if (sealed.length < 24 + nacl.secretbox.overheadLength) throw new Error('value too short for secretbox');
      const out = nacl.secretbox.open(new Uint8Array(sealed.subarray(24)), new Uint8Array(sealed.subarray(0, 24)), k);
      if (!out) throw new Error('authentication failed');
      return Buffer.from(out);
    },
  };
}
