// Failing over between etcd members (several --etcd-servers), on top of etcd3 1.1.2,
// which picks a random member per call and knows nothing of their health:
//
//   - Every call and watch carries gRPC metadata `hasleader: true` (etcd's "require
//     leader", what etcd's Go client sets with WithRequireLeader). A member that lost
//     its leader (quorum gone, or it is partitioned from the others) then answers at
//     once with "etcdserver: no leader" instead of holding the call until our deadline,
//     and cancels the watches it serves instead of leaving them silent while the rest of
//     the cluster moves on. "no leader" is a refusal (nothing was applied): a 503, and
//     the call is tried on the next member (etcd-client.ts, nextEndpointPolicy).
//   - A member whose call failed as unreachable (no connection, deadline, no leader) is
//     skipped for a while by later calls and watch (re)starts while another member is
//     not skipped: a partitioned member would otherwise cost one 5 s timeout (a 504 "may
//     have succeeded") for every third call. The pause doubles from 1 s to 30 s while it
//     keeps failing and ends at its first success. When every member is skipped, calls
//     go through anyway: the API recovers as soon as any member does.

import type { Metadata } from '@grpc/grpc-js';
import type { Etcd3, IOptions } from 'etcd3';
import { backoffDelay, type BackoffPolicy } from '../../foundation/backoff.js';
import { isUnavailableError } from './etcd-errors.js';

type Policy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>;

const SKIP: BackoffPolicy = { initialMs: 1000, maxMs: 30_000 };

/** etcd refused the call because the member has no leader (nothing was applied). */
export function isNoLeaderError(err: unknown): boolean {
  return err instanceof Error && /etcdserver: no leader/.test(err.message);
}

/** Thrown instead of calling a member that is being skipped (etcd3 then tries the next). */
export class MemberSkippedError extends Error {
  constructor(host: string) {
    super(`etcd member ${host} is skipped after recent failures`);
    this.name = 'MemberSkippedError';
  }
}

/** Which members failed lately, shared by the per-member policies of one client. */
export class MemberHealth {
  private readonly state = new Map<string, { failures: number; until: number }>();

  constructor(private readonly hosts: string[], private readonly now: () => number = Date.now) {}

  skipped(host: string): boolean {
    const s = this.state.get(host);
    if (!s || s.until <= this.now()) return false;
    // Never skip the last usable one: with all members failing, try anyway.
    return this.hosts.some((h) => h !== host && (this.state.get(h)?.until ?? 0) <= this.now());
  }

  failed(host: string): void {
    const failures = (this.state.get(host)?.failures ?? 0) + 1;
    this.state.set(host, { failures, until: this.now() + backoffDelay(SKIP, failures) });
  }

  succeeded(host: string): void {
    this.state.delete(host);
  }
}

/** The per-member policy: skip while MemberHealth says so, record the outcome otherwise. */
export function memberPolicy(host: string, health: MemberHealth): Policy {
  const noopEvent = () => ({ dispose: () => undefined });
  const never = new AbortController().signal;
  const policy = {
    onSuccess: noopEvent,
    onFailure: noopEvent,
    execute: async <T>(fn: (ctx: { signal: AbortSignal }) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T> => {
      if (health.skipped(host)) throw new MemberSkippedError(host);
      try {
        const r = await fn({ signal: signal ?? never });
        health.succeeded(host);
        return r;
      } catch (err) {
        if (isNoLeaderError(err) || isUnavailableError(err)) health.failed(host);
        throw err;
      }
    },
  };
  return policy as unknown as Policy;
}

/** Adds `hasleader: true` to the metadata of every call and stream of this client. */
export function requireLeader(client: Etcd3): void {
  const auth = (client as unknown as { pool?: { authenticator?: { getMetadata?: () => Promise<Metadata> } } }).pool?.authenticator;
  if (!auth?.getMetadata) throw new Error('etcd3 internals changed: review apiserver/storage/etcd-failover.ts (pool.authenticator.getMetadata) for this etcd3 version');
  const original = auth.getMetadata.bind(auth);
  auth.getMetadata = async () => {
    const md = (await original()).clone();
    md.set('hasleader', 'true');
    return md;
  };
}
