// orch init writes the encryption configuration (a fresh AES-GCM key, 0600) and the audit
// policy, both valid for the apiserver, and never replaces them — not even with --force,
// since a new key would make every stored Secret unreadable.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadAuditPolicy } from '../../apiserver/audit/policy.js';
import { loadEncryptionConfig } from '../../apiserver/storage/encryption/config.js';
import { runInit } from './init.js';

let dir: string;
beforeEach(() => {
  dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'orch-init-enc-')), 'pki');
});
afterEach(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));

describe('orch init: data at rest', () => {
  it('writes a valid encryption config (0600, aesgcm then identity) and audit policy, and keeps them on later runs and --force', () => {
    const r = runInit({ dir });
    expect(r.dataAtRestCreated).toEqual(['encryption-config.yaml', 'audit-policy.yaml']);
    expect(fs.statSync(r.files.encryptionConfig).mode & 0o777).toBe(0o600);
    const cfg = loadEncryptionConfig(r.files.encryptionConfig);
    expect(cfg.resources[0]!.resources).toEqual(['secrets']);
    const first = cfg.resources[0]!.providers[0]!;
    expect(first.type).toBe('aesgcm');
    expect(first.type !== 'identity' && first.keys[0]!.secret.length).toBe(32);
    expect(loadAuditPolicy(r.files.auditPolicy).rules.length).toBeGreaterThan(1);

    const before = fs.readFileSync(r.files.encryptionConfig, 'utf8');
    expect(runInit({ dir }).dataAtRestCreated).toEqual([]);
    expect(runInit({ dir, force: true }).dataAtRestCreated).toEqual([]);
    expect(fs.readFileSync(r.files.encryptionConfig, 'utf8')).toBe(before);
    // Another cluster gets another key.
    const other = runInit({ dir: dir + '-2' });
    expect(fs.readFileSync(other.files.encryptionConfig, 'utf8')).not.toBe(before);
    fs.rmSync(dir + '-2', { recursive: true, force: true });
  });
});
