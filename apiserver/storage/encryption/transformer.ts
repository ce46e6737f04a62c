// The value transformer of the storage layer: what an object's JSON becomes on its way
// into etcd and back. Which resources it applies to and with which keys comes from an
// EncryptionConfiguration (config.ts).
//
// Write: the first provider of the resource's entry, with its first key, prefixes the
// value `k8s:enc:<provider>:v1:<key name>:` (identity: plain JSON). Read: the prefix
// names provider and key, so any configured key reads; a value without the prefix is
// plain JSON (identity), e.g. written before encryption was turned on. A value read with
// anything but the writing key is "stale": an update rewrites it even when the object did
// not change, which is how `orch secrets reencrypt` moves every Secret to the new key.
//
// A value no configured key can open is an UndecryptableValueError: the storage layer
// answers 500 for that object (get, update, delete) with the key problem in the message,
// and leaves it out of lists (named in ListResult.undecryptable, a Warning header) and
// watches; it is logged once per etcd key
// (not on every read), never with the value.

import type { Logger } from '../../../foundation/logger.js';
import { RESOURCES } from '../../../api/resources.js';
import type { EncryptionConfig, ProviderConfig } from './config.js';
import { cipherFor, type Cipher, type ProviderName } from './providers.js';

const ENC_PREFIX = 'k8s:enc:';

export interface OpenedValue {
  /** The plain JSON bytes. */
  plain: Buffer;
  /** Not written with the current first provider and key: rewrite on the next update. */
  stale: boolean;
}

/** Turns plain object bytes into stored bytes and back, per etcd key. */
export interface ValueTransformer {
  seal(etcdKey: Buffer, plain: Buffer): Buffer;
  /** Throws UndecryptableValueError. */
  open(etcdKey: Buffer, stored: Buffer): OpenedValue;
}

export class UndecryptableValueError extends Error {
  constructor(
    readonly etcdKey: string,
    why: string,
  ) {
    super(`cannot decrypt the stored value of ${etcdKey}: ${why}`);
  }
}

interface Writer {
  /** The prefix bytes, e.g. 'k8s:enc:aesgcm:v1:key1:'. */
  prefix: Buffer;
  cipher: Cipher;
}

interface Rule {
  /** Key prefix after the tenant prefix, e.g. '/secrets/' or '/apps/'; '/' for all. */
  under: string;
  /** undefined: identity writes. */
  writer?: Writer;
  /** provider:keyname → cipher, for every configured key of every cipher provider. */
  readers: Map<string, Cipher>;
}

/** The etcd key segments a configured resource name covers (after the tenant prefix). */
export function keyPrefixesFor(resource: string): string[] {
  if (resource === '*.*') return ['/'];
  if (resource === '*.') {
    return RESOURCES.filter((r) => r.group === '').map((r) => `/${r.plural}/`);
  }
  if (resource.startsWith('*.')) return [`/${resource.slice(2)}/`];
  const dot = resource.indexOf('.');
  if (dot < 0) return [`/${resource}/`];
  return [`/${resource.slice(dot + 1)}/${resource.slice(0, dot)}/`];
}

function ruleFor(under: string, providers: ProviderConfig[]): Rule {
  const readers = new Map<string, Cipher>();
  for (const p of providers) {
    if (p.type === 'identity') continue;
    for (const k of p.keys) {
      const id = `${p.type}:${k.name}`;
      if (!readers.has(id)) readers.set(id, cipherFor(p.type, k.secret));
    }
  }
  const first = providers[0]!;
  const writer = first.type === 'identity' ? undefined : { prefix: Buffer.from(`${ENC_PREFIX}${first.type}:v1:${first.keys[0]!.name}:`), cipher: readers.get(`${first.type}:${first.keys[0]!.name}`)! };
  return { under, writer, readers };
}

/**
 * The transformer of one apiserver: `tenantPrefix` is the storage prefix (--etcd-prefix),
 * stripped from etcd keys before matching resources. The whole etcd key is the aesgcm
 * additional data, as in Kubernetes.
 */
export function encryptionTransformer(config: EncryptionConfig, tenantPrefix: string, log?: Logger): ValueTransformer {
  const rules: Rule[] = [];
  for (const entry of config.resources) {
    for (const r of entry.resources) for (const under of keyPrefixesFor(r)) rules.push(ruleFor(under, entry.providers));
  }
  const tenant = tenantPrefix.endsWith('/') ? tenantPrefix.slice(0, -1) : tenantPrefix;
  const cache = new Map<string, Rule | null>();
  const logged = new Set<string>();
  const ruleOf = (etcdKey: string): Rule | undefined => {
    if (!etcdKey.startsWith(tenant + '/')) return undefined;
    const rest = etcdKey.slice(tenant.length);
    // Cache by the first two segments: enough to tell every resource apart.
    const parts = rest.split('/', 3);
    const head = `/${parts[1] ?? ''}/${parts[2] ?? ''}/`;
    let hit = cache.get(head);
    if (hit === undefined) {
      hit = rules.find((r) => head.startsWith(r.under)) ?? null;
      if (cache.size < 10_000) cache.set(head, hit);
    }
    return hit ?? undefined;
  };

  return {
    seal(etcdKey, plain) {
      const rule = ruleOf(etcdKey.toString('utf8'));
      if (!rule?.writer) return plain;
      return Buffer.concat([rule.writer.prefix, rule.writer.cipher.encrypt(plain, etcdKey)]);
    },
    open(etcdKey, stored) {
      const keyText = etcdKey.toString('utf8');
      const rule = ruleOf(keyText);
      if (stored.length < ENC_PREFIX.length || stored.toString('latin1', 0, ENC_PREFIX.length) !== ENC_PREFIX) {
        // Plain JSON: stale when this resource should be encrypted.
        return { plain: stored, stale: rule?.writer !== undefined };
      }
      const fail = (why: string): never => {
        const err = new UndecryptableValueError(keyText, why);
        if (!logged.has(keyText)) {
          if (logged.size > 10_000) logged.clear();
          logged.add(keyText);
          log?.error({ key: keyText, reason: why }, 'stored value cannot be decrypted');
        }
        throw err;
      };
      // k8s:enc:<provider>:v1:<name>:<sealed>
      const head = stored.toString('latin1', 0, Math.min(stored.length, 128));
      const m = /^k8s:enc:([a-z]+):v1:([^:]*):/.exec(head);
      if (!m) return fail('malformed encryption prefix');
      const [whole, provider, name] = m as unknown as [string, string, string];
      const cipher = rule?.readers.get(`${provider}:${name}`);
      if (!cipher) {
        return fail(
          rule
            ? `it was written with ${provider} key "${name}", which --encryption-provider-config does not list for this resource (was the key removed before every value was rewritten?)`
            : `it was written with ${provider} key "${name}", but --encryption-provider-config does not cover this resource`,
        );
      }
      let plain: Buffer;
      try {
        plain = cipher.decrypt(stored.subarray(whole.length), etcdKey);
      } catch {
        return fail(`${provider} key "${name}" does not open it (wrong key material under that name, or the value was altered)`);
      }
      const w = rule!.writer;
      const stale = !w || !stored.subarray(0, whole.length).equals(w.prefix);
      return { plain, stale };
    },
  };
}

/** Stored as written: no configuration. */
export const identityTransformer: ValueTransformer = {
  seal: (_k, plain) => plain,
  open: (_k, stored) => ({ plain: stored, stale: false }),
};

export type { ProviderName };
