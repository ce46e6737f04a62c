// What `orch init` writes besides the PKI so a new cluster starts safe: an
// EncryptionConfiguration with a freshly generated AES-GCM key for Secrets (0600: whoever
// reads it reads every Secret), and the default audit policy. Both are written only when
// absent — even with --force, since a new key would leave every stored Secret unreadable
// (rotating keys is `docs/security/data-at-rest.md`'s procedure, not a re-init).

import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_POLICY_YAML } from '../../apiserver/audit/policy.js';
import { generatedEncryptionConfig } from '../../apiserver/storage/encryption/config.js';
import { writeSecretFile } from '../../foundation/secret-file.js';

export const ENCRYPTION_CONFIG_FILE = 'encryption-config.yaml';
export const AUDIT_POLICY_FILE = 'audit-policy.yaml';

export interface DataAtRestFiles {
  encryptionConfig: string;
  auditPolicy: string;
  /** Which of them this run created. */
  created: string[];
}

export function ensureDataAtRestFiles(dir: string): DataAtRestFiles {
  const encryptionConfig = path.join(dir, ENCRYPTION_CONFIG_FILE);
  const auditPolicy = path.join(dir, AUDIT_POLICY_FILE);
  const created: string[] = [];
  if (!fs.existsSync(encryptionConfig)) {
    writeSecretFile(encryptionConfig, `# Secrets are encrypted in etcd with the first provider's first key; every listed key can read.\n# Key rotation: docs/security/data-at-rest.md. Losing this file loses every Secret.\n${generatedEncryptionConfig('key1', 'aesgcm')}`);
    created.push(ENCRYPTION_CONFIG_FILE);
  }
  if (!fs.existsSync(auditPolicy)) {
    fs.writeFileSync(auditPolicy, `# The audit policy orch init writes (docs/security/audit.md).\n${DEFAULT_POLICY_YAML}`, { mode: 0o644 });
    created.push(AUDIT_POLICY_FILE);
  }
  return { encryptionConfig, auditPolicy, created };
}
