// The history of every API write the soak's workload makes: what it asked for and what
// the API answered. An answer is one of three things, and the checker treats them so:
//   ok            the server acknowledged it (2xx, with the object and its resourceVersion)
//   failed        the server refused it (4xx: 404, 409, 422 ...): it must have no effect
//   indeterminate no answer or a 5xx (timeout, connection reset, 503, 504): it may or may
//                 not have been applied, and the checker accepts either
// This is the usual shape of a linearizability history (Jepsen's :ok / :fail / :info).

import { ApiError } from '../../api/errors.js';
import type { Deployment } from '../../api/types.js';

export type Outcome = 'ok' | 'failed' | 'indeterminate';
export type WriteOp = 'create' | 'scale' | 'roll' | 'delete';

/** The parts of a Deployment the workload writes (and the checker compares). */
export interface DeploymentFields {
  replicas: number;
  image: string;
  revision: string;
}

export interface WriteRecord {
  seq: number;
  step: number;
  /** ISO time the request was sent, and how long the answer took. */
  at: string;
  ms: number;
  op: WriteOp;
  namespace: string;
  name: string;
  /** What the write asked for: every field for create, replicas for scale, image + revision for roll. */
  intent: Partial<DeploymentFields>;
  outcome: Outcome;
  /** ok: the object's uid, resourceVersion and fields as the response shows them. */
  uid?: string;
  resourceVersion?: string;
  state?: DeploymentFields;
  /** failed / indeterminate: the HTTP code (0 when none) and message. */
  code?: number;
  error?: string;
}

export const WEB_CONTAINER = 'web';

export function fieldsOf(d: Deployment): DeploymentFields {
  const c = d.spec.template.spec?.containers.find((x) => x.name === WEB_CONTAINER) ?? d.spec.template.spec?.containers[0];
  return {
    replicas: d.spec.replicas ?? 1,
    image: c?.image ?? '',
    revision: c?.env?.find((e) => e.name === 'REVISION')?.value ?? '',
  };
}

/** ok / failed / indeterminate for an error thrown by the client. */
export function classify(err: unknown): { outcome: Outcome; code: number; error: string } {
  if (err instanceof ApiError) {
    const code = err.code;
    // 408 and 429 are "try again" answers that say nothing about whether the write happened.
    const definite = code >= 400 && code < 500 && code !== 408 && code !== 429;
    return { outcome: definite ? 'failed' : 'indeterminate', code, error: err.message };
  }
  return { outcome: 'indeterminate', code: 0, error: (err as Error)?.message ?? String(err) };
}

export class History {
  readonly writes: WriteRecord[] = [];

  /** Runs one write and records it with its outcome; never throws for API answers. */
  async record(step: number, op: WriteOp, namespace: string, name: string, intent: Partial<DeploymentFields>, call: () => Promise<unknown>): Promise<WriteRecord> {
    const start = Date.now();
    const rec: WriteRecord = { seq: this.writes.length + 1, step, at: new Date(start).toISOString(), ms: 0, op, namespace, name, intent, outcome: 'ok' };
    try {
      const res = (await call()) as (Partial<Deployment> & { details?: { uid?: string } }) | undefined;
      // A delete answers with a Status (as Kubernetes does for Deployments): its details name the uid.
      if (res?.kind === 'Status') rec.uid = res.details?.uid;
      if (res?.kind === 'Deployment' && res.metadata) {
        rec.uid = res.metadata.uid;
        rec.resourceVersion = res.metadata.resourceVersion;
        if (op !== 'delete') rec.state = fieldsOf(res as Deployment);
      }
    } catch (err) {
      Object.assign(rec, classify(err));
    }
    rec.ms = Date.now() - start;
    this.writes.push(rec);
    return rec;
  }

  counts(): Record<Outcome, number> {
    const out: Record<Outcome, number> = { ok: 0, failed: 0, indeterminate: 0 };
    for (const w of this.writes) out[w.outcome]++;
    return out;
  }

  keys(): string[] {
    return [...new Set(this.writes.map((w) => `${w.namespace}/${w.name}`))];
  }
}
