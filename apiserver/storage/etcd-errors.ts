// What an etcd or gRPC failure means for an API client: the one mapping to Status codes.
//
//   etcd answered "no" (the write was certainly not applied):
//     request too large (etcd's or gRPC's own limit)        → 413 RequestEntityTooLarge
//     space quota full (alarm NOSPACE)                      → 500, with the way out
//     no leader, too many requests, server stopping         → 503 (try again later)
//   etcd was not reached (connection refused, not connected) → 503 (safe to repeat)
//   a write was sent and no answer came (deadline, our own
//     timer, connection lost mid-call, proposal timed out)  → 504 Timeout "may have
//                                                             succeeded" (WriteOutcomeUnknownError)
//   a read that got no answer                                → 503 (reads are safe to repeat)
//   a compacted revision                                     → 410 Expired
//   anything else                                            → 500 with etcd's message

import { ClientClosedError, GRPCDeadlineExceededError, GRPCUnavailableError, isRecoverableError } from 'etcd3';
import { ApiError, errors } from '../../api/errors.js';

/** etcd's default --max-request-bytes (1.5 MiB): the largest write it accepts. */
export const ETCD_DEFAULT_MAX_REQUEST_BYTES = 1.5 * 1024 * 1024;

/** Raised by withTimeout when our own bound fires first. */
export class EtcdTimeoutError extends Error {
  constructor(ms: number) {
    super(`no answer from etcd within ${ms} ms`);
    this.name = 'EtcdTimeoutError';
  }
}

/** Belt and braces over the gRPC deadline: some failures (dialing) are not covered by it. */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new EtcdTimeoutError(ms)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** The request never reached etcd: the connection could not be established. */
export function isNeverSentError(err: unknown): boolean {
  return err instanceof Error && /No connection established|ECONNREFUSED/.test(err.message);
}

/** etcd (or the gRPC server in front of it) refused a request as too big. */
export function isTooLargeError(err: unknown): boolean {
  return err instanceof Error && /request is too large|received message larger than max|message larger than max/i.test(err.message);
}

/** etcd does not know the lease a put referred to (expired, revoked, restored snapshot). */
export function isLeaseNotFoundError(err: unknown): boolean {
  return err instanceof Error && /requested lease not found/.test(err.message);
}

/** etcd's space quota is used up (alarm NOSPACE): it refuses every write but deletes. */
export function isNoSpaceError(err: unknown): boolean {
  return err instanceof Error && /database space exceeded/.test(err.message);
}

/** etcd answered and refused without applying anything (as opposed to "no answer"). */
function isRefusedByEtcd(err: unknown): boolean {
  return (
    isTooLargeError(err) ||
    isNoSpaceError(err) ||
    isLeaseNotFoundError(err) ||
    (err instanceof Error && /etcdserver: (no leader|too many requests|server stopped|not capable)/.test(err.message))
  );
}

export function isCompactedError(err: unknown): boolean {
  return err instanceof Error && /required revision has been compacted/.test(err.message);
}

export function isFutureRevisionError(err: unknown): boolean {
  return err instanceof Error && /required revision is a future revision/.test(err.message);
}

/** True for failures that mean "etcd is not reachable right now" (→ 503). */
export function isUnavailableError(err: unknown): boolean {
  if (!(err instanceof Error) || isTooLargeError(err) || isNoSpaceError(err)) return false;
  return (
    err instanceof EtcdTimeoutError ||
    err instanceof GRPCUnavailableError ||
    err instanceof GRPCDeadlineExceededError ||
    err instanceof ClientClosedError ||
    isRecoverableError(err) ||
    // "Received HTTP status code": something that is not etcd answers at the endpoint.
    /ECONNREFUSED|No connection established|Deadline exceeded|UNAVAILABLE|Failed to connect|Received HTTP status code/i.test(err.message)
  );
}

/**
 * A write that failed after it may have reached etcd: no answer in time (etcd frozen,
 * overloaded, a network partition) or the connection lost mid-call. etcd may have
 * applied it, may still apply it, or not: 504 Timeout, as Kubernetes answers, never 503.
 */
export class WriteOutcomeUnknownError extends Error {
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'WriteOutcomeUnknownError';
  }
}

/**
 * Sorts out a failed write: a write etcd refused or certainly never saw (no connection,
 * client closed) keeps its error; any other lost answer becomes WriteOutcomeUnknownError.
 */
export function classifyWriteFailure(err: unknown): unknown {
  if (!isUnavailableError(err) || isNeverSentError(err) || isRefusedByEtcd(err) || err instanceof ClientClosedError) return err;
  return new WriteOutcomeUnknownError(err);
}

export const UNAVAILABLE_HINT = 'the apiserver will recover by itself when etcd returns';

/** The 413 for a write over the limit, naming the limit and where it comes from. */
export function tooLargeToStore(objectBytes: number, maxRequestBytes: number): ApiError {
  return errors.tooLarge(
    `Request entity too large: the object is ${objectBytes} bytes encoded, and etcd stores at most ${maxRequestBytes} bytes per write, key and framing included (apiserver --etcd-max-request-bytes, matching etcd's --max-request-bytes)`,
  );
}

/** Every error that leaves the storage layer is an ApiError (the table at the top). */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  if (err instanceof WriteOutcomeUnknownError) {
    return errors.timeout(`Timeout: no answer from etcd in time, the write may have succeeded or may still succeed (${msg}); read the object to find out before retrying`);
  }
  if (isTooLargeError(err)) {
    // Our own check (etcd-storage.ts) let it through, so etcd's limit is lower than ours.
    return errors.tooLarge(`Request entity too large: etcd refused the write: ${msg} (etcd's --max-request-bytes is lower than the apiserver's --etcd-max-request-bytes; set them equal)`);
  }
  if (isNoSpaceError(err)) {
    return errors.internal(`etcd refused the write: ${msg}; its space quota is full until an operator compacts, defragments and disarms the NOSPACE alarm (docs/operations.md)`);
  }
  if (isCompactedError(err)) return errors.expired(`The resourceVersion for the provided list is too old: ${msg}`);
  if (isUnavailableError(err)) return errors.unavailable(`etcd is unavailable: ${msg}; ${UNAVAILABLE_HINT}`);
  return errors.internal(`etcd error: ${msg}`);
}
