// Reads an EncryptionConfiguration file (apiserver.config.k8s.io/v1, the format of
// Kubernetes' --encryption-provider-config) and checks it whole before the apiserver
// starts: a bad file is refused with the field that is wrong, never half applied.
//
//   apiVersion: apiserver.config.k8s.io/v1
//   kind: EncryptionConfiguration
//   resources:
//     - resources: [secrets]            # "secrets", "deployments.apps", "*.apps", "*.*"
//       providers:                      # the first writes; every one may read
//         - aesgcm: { keys: [{ name: key2, secret: <base64 of 16/24/32 bytes> }] }
//         - aescbc: { keys: [{ name: key1, secret: <base64> }] }
//         - secretbox: { keys: [{ name: k, secret: <base64 of 32 bytes> }] }
//         - identity: {}
//
// Kubernetes' kms provider needs a plugin process and is refused with that reason.

import crypto from 'node:crypto';
import fs from 'node:fs';
import YAML from 'yaml';
import { KEY_SIZES, type ProviderName } from './providers.js';

export interface ProviderKey {
  name: string;
  secret: Buffer;
}

export type ProviderConfig = { type: 'identity' } | { type: ProviderName; keys: ProviderKey[] };

export interface ResourceEncryption {
  /** As written: 'secrets', 'deployments.apps', '*.apps', '*.', '*.*'. */
  resources: string[];
  providers: ProviderConfig[];
}

export interface EncryptionConfig {
  resources: ResourceEncryption[];
}

const API_VERSIONS = new Set(['apiserver.config.k8s.io/v1', 'apiserver.k8s.io/v1']);
const CIPHERS: ProviderName[] = ['aesgcm', 'aescbc', 'secretbox'];

class ConfigError extends Error {}

function fail(field: string, why: string): never {
  throw new ConfigError(`${field}: ${why}`);
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Parses and checks the file; the error names the file and the field. */
export function loadEncryptionConfig(file: string): EncryptionConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`--encryption-provider-config ${file}: cannot read: ${(err as Error).message}`);
  }
  try {
    return parseEncryptionConfig(text);
  } catch (err) {
    if (err instanceof ConfigError) throw new Error(`--encryption-provider-config ${file}: ${err.message}`);
    throw new Error(`--encryption-provider-config ${file}: not YAML or JSON: ${(err as Error).message}`);
  }
}

export function parseEncryptionConfig(text: string): EncryptionConfig {
  const doc: unknown = YAML.parse(text);
  if (!isObject(doc)) fail('(document)', 'must be an EncryptionConfiguration object');
  if (!API_VERSIONS.has(String(doc.apiVersion))) fail('apiVersion', `must be apiserver.config.k8s.io/v1, got ${JSON.stringify(doc.apiVersion)}`);
  if (doc.kind !== 'EncryptionConfiguration') fail('kind', `must be EncryptionConfiguration, got ${JSON.stringify(doc.kind)}`);
  for (const k of Object.keys(doc)) if (!['apiVersion', 'kind', 'resources'].includes(k)) fail(k, 'unknown field');
  if (!Array.isArray(doc.resources) || doc.resources.length === 0) fail('resources', 'must be a non-empty list');
  const seen = new Map<string, string>();
  const resources = doc.resources.map((entry: unknown, i: number): ResourceEncryption => {
    const at = `resources[${i}]`;
    if (!isObject(entry)) fail(at, 'must be an object');
    for (const k of Object.keys(entry)) if (!['resources', 'providers'].includes(k)) fail(`${at}.${k}`, 'unknown field');
    if (!Array.isArray(entry.resources) || entry.resources.length === 0) fail(`${at}.resources`, 'must be a non-empty list of resource names');
    const names = entry.resources.map((r: unknown, j: number) => {
      const f = `${at}.resources[${j}]`;
      if (typeof r !== 'string' || !/^([a-z0-9*][a-z0-9.-]*|\*\.[a-z0-9.-]*|\*\.\*)$/.test(r)) fail(f, `must be a lowercase resource name such as secrets or deployments.apps, or *.group / *.*, got ${JSON.stringify(r)}`);
      if (r.includes('*') && !r.startsWith('*.')) fail(f, `a wildcard is written *.group or *.*, got ${JSON.stringify(r)}`);
      const prev = seen.get(r);
      if (prev) fail(f, `${r} is already listed at ${prev}`);
      seen.set(r, f);
      return r;
    });
    if (!Array.isArray(entry.providers) || entry.providers.length === 0) fail(`${at}.providers`, 'must be a non-empty list');
    const providers = entry.providers.map((p: unknown, j: number) => parseProvider(p, `${at}.providers[${j}]`));
    return { resources: names, providers };
  });
  return { resources };
}

function parseProvider(p: unknown, at: string): ProviderConfig {
  if (!isObject(p)) fail(at, 'must be an object with one provider (aesgcm, aescbc, secretbox or identity)');
  const kinds = Object.keys(p);
  if (kinds.length !== 1) fail(at, `must name exactly one provider (aesgcm, aescbc, secretbox or identity), got ${kinds.length === 0 ? 'none' : kinds.join(', ')}`);
  const kind = kinds[0]!;
  if (kind === 'identity') return { type: 'identity' };
  if (kind === 'kms') fail(`${at}.kms`, 'is not supported by orch (it needs a KMS plugin); use aesgcm, aescbc or secretbox');
  if (!(CIPHERS as string[]).includes(kind)) fail(`${at}.${kind}`, 'unknown provider; one of aesgcm, aescbc, secretbox, identity');
  const type = kind as ProviderName;
  const body = p[kind];
  if (!isObject(body)) fail(`${at}.${kind}`, 'must be an object with keys');
  for (const k of Object.keys(body)) if (k !== 'keys') fail(`${at}.${kind}.${k}`, 'unknown field');
  if (!Array.isArray(body.keys) || body.keys.length === 0) fail(`${at}.${kind}.keys`, 'must be a non-empty list of {name, secret}');
  const names = new Set<string>();
  const keys = body.keys.map((k: unknown, i: number): ProviderKey => {
    const f = `${at}.${kind}.keys[${i}]`;
    if (!isObject(k)) fail(f, 'must be an object with name and secret');
    for (const x of Object.keys(k)) if (x !== 'name' && x !== 'secret') fail(`${f}.${x}`, 'unknown field');
    // The name goes into every stored value's prefix, up to the next ':'.
    if (typeof k.name !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(k.name)) fail(`${f}.name`, 'must be 1-64 characters of letters, digits, ".", "_" or "-"');
    if (names.has(k.name)) fail(`${f}.name`, `duplicate key name ${k.name}`);
    names.add(k.name);
    if (typeof k.secret !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(k.secret.trim())) fail(`${f}.secret`, 'must be base64');
    const secret = Buffer.from(k.secret.trim(), 'base64');
    if (!KEY_SIZES[type].includes(secret.length)) fail(`${f}.secret`, `${type} needs a key of ${KEY_SIZES[type].join(', ')} bytes, this one has ${secret.length}`);
    return { name: k.name, secret };
  });
  return { type, keys };
}

/** The text of a fresh configuration: Secrets under one new random aesgcm key, identity to read old plain values. */
export function generatedEncryptionConfig(keyName = 'key1', provider: 'aesgcm' | 'aescbc' = 'aesgcm'): string {
  const secret = crypto.randomBytes(32).toString('base64');
  return [
    'apiVersion: apiserver.config.k8s.io/v1',
    'kind: EncryptionConfiguration',
    'resources:',
    '  - resources: [secrets]',
    '    providers:',
    `      - ${provider}:`,
    '          keys:',
    `            - name: ${keyName}`,
    `              secret: ${secret}`,
    '      - identity: {}',
    '',
  ].join('\n');
}
