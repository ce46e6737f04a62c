// --audit-policy-file, --audit-log-path, --audit-log-maxsize/-maxbackup/-maxage, as
// Kubernetes: both a policy and a path turn the audit log on; either alone is refused
// (a policy with nowhere to write, or a path with nothing selected, is a mistake).

import path from 'node:path';
import type { Component } from '../../foundation/component.js';
import type { Logger } from '../../foundation/logger.js';
import { loadAuditPolicy, type AuditPolicy } from './policy.js';
import { AuditWriter } from './writer.js';

export interface AuditOptions {
  policy: AuditPolicy;
  writer: AuditWriter;
}

export interface AuditFlags {
  auditPolicyFile?: string;
  auditLogPath?: string;
  auditLogMaxsize?: string;
  auditLogMaxbackup?: string;
  auditLogMaxage?: string;
}

function whole(flag: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`invalid ${flag} ${v}: a whole number, 0 or more`);
  return n;
}

/**
 * The file of worker `slot` under --workers: each worker writes and rotates its own
 * (audit.log → audit-w2.log), since rotations of one file by several processes would race.
 */
export function workerAuditPath(p: string, slot: number | undefined): string {
  if (slot === undefined || p === '-') return p;
  const ext = path.extname(p);
  return `${p.slice(0, p.length - ext.length)}-w${slot}${ext}`;
}

export function auditFromFlags(flags: AuditFlags, logger: Logger, workerSlot?: number): AuditOptions | undefined {
  if (!flags.auditPolicyFile && !flags.auditLogPath) return undefined;
  if (!flags.auditPolicyFile) throw new Error('--audit-log-path needs --audit-policy-file (what to log)');
  if (!flags.auditLogPath) throw new Error('--audit-policy-file needs --audit-log-path (a file, or - for stdout)');
  const policy = loadAuditPolicy(flags.auditPolicyFile);
  const writer = new AuditWriter({
    path: workerAuditPath(flags.auditLogPath, workerSlot),
    maxSizeBytes: whole('--audit-log-maxsize', flags.auditLogMaxsize, 100) * 1024 * 1024,
    maxBackups: whole('--audit-log-maxbackup', flags.auditLogMaxbackup, 10),
    maxAgeDays: whole('--audit-log-maxage', flags.auditLogMaxage, 0),
    logger: logger.child({ component: 'audit' }),
  });
  return { policy, writer };
}

/** Flushes and closes the audit log when the apiserver stops. */
export function auditComponent(writer: AuditWriter): Component {
  return { name: 'audit-log', start: async () => undefined, stop: () => writer.close() };
}
