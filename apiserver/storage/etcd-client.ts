// The etcd3 client, configured for an apiserver: bounded call times, no hidden retries
// of writes, no circuit breaker that keeps failing after etcd is back, fast watch
// reconnects. (What its failures mean for API clients: etcd-errors.ts; how it moves
// between several members: etcd-failover.ts.)

import { Etcd3, type IOptions } from 'etcd3';
import { backoffDelay, type BackoffPolicy } from '../../foundation/backoff.js';
import { isNeverSentError } from './etcd-errors.js';
import { isNoLeaderError, MemberHealth, memberPolicy, requireLeader } from './etcd-failover.js';

type FaultHandling = NonNullable<IOptions['faultHandling']>;
type Policy = NonNullable<FaultHandling['global']>;
type Backoff = NonNullable<FaultHandling['watchBackoff']>;

/**
 * The signal handed to calls when the caller gave none. etcd3 never reads it, so one
 * shared, never-aborted signal does instead of an AbortController per etcd call.
 */
const NEVER_ABORTED = new AbortController().signal;

/**
 * A policy that just runs the call. etcd3's defaults are a 3x global retry (which can
 * apply a write twice when a response is lost) and a per-host circuit breaker that
 * refuses calls for 5 s after 3 failures (so the apiserver would keep answering 503 for
 * a while after etcd returns). We retry where it is safe, in etcd-storage.ts, instead.
 */
function passThroughPolicy(): Policy {
  const noopEvent = () => ({ dispose: () => undefined });
  const policy = {
    onSuccess: noopEvent,
    onFailure: noopEvent,
    execute: <T>(fn: (ctx: { signal: AbortSignal }) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T> =>
      Promise.resolve().then(() => fn({ signal: signal ?? NEVER_ABORTED })),
  };
  return policy as unknown as Policy;
}

/**
 * The global policy with several endpoints: a call that could not even connect (so
 * etcd never saw it, and repeating it cannot apply a write twice), or that a member
 * refused for having no leader (nothing applied), is tried again on the next endpoint.
 * Anything else is not retried here.
 */
function nextEndpointPolicy(attempts: number): Policy {
  if (attempts <= 1) return passThroughPolicy();
  const noopEvent = () => ({ dispose: () => undefined });
  const policy = {
    onSuccess: noopEvent,
    onFailure: noopEvent,
    execute: async <T>(fn: (ctx: { signal: AbortSignal }) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T> => {
      const ctx = { signal: signal ?? NEVER_ABORTED };
      for (let i = 1; ; i++) {
        try {
          return await fn(ctx);
        } catch (err) {
          if (i >= attempts || !(isNeverSentError(err) || isNoLeaderError(err))) throw err;
        }
      }
    },
  };
  return policy as unknown as Policy;
}

/** Watch-stream reconnect delays: 100 ms doubling to a 1 s cap (etcd3's default caps at 30 s). */
const WATCH_BACKOFF: BackoffPolicy = { initialMs: 100, maxMs: 1000 };

/** etcd3's immutable backoff interface over the shared arithmetic. */
class CappedBackoff {
  constructor(private readonly failures = 1) {}
  get duration(): number {
    return backoffDelay(WATCH_BACKOFF, this.failures);
  }
  next(): CappedBackoff {
    return new CappedBackoff(Math.min(this.failures + 1, 11));
  }
}

export interface EtcdClientOptions {
  endpoints: string[];
  dialTimeoutMs?: number;
  /** Upper bound of any unary call (ms). */
  requestTimeoutMs?: number;
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
}

export function createEtcdClient(opts: EtcdClientOptions): Etcd3 {
  const timeout = opts.requestTimeoutMs ?? 5000;
  const health = new MemberHealth(opts.endpoints);
  const several = opts.endpoints.length > 1;
  const options: IOptions = {
    hosts: opts.endpoints,
    dialTimeout: opts.dialTimeoutMs ?? 5000,
    faultHandling: {
      host: (h) => (several ? memberPolicy(h, health) : passThroughPolicy()),
      global: nextEndpointPolicy(opts.endpoints.length),
      watchBackoff: new CappedBackoff() as unknown as Backoff,
    },
    // Streams (watches) live long; unary calls get a deadline so an unreachable etcd
    // turns into a 503 in bounded time instead of a hung request.
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeout }),
    grpcOptions: {
      // A 10k-pod list is well over grpc's default 4 MiB receive limit.
      'grpc.max_receive_message_length': -1,
      'grpc.max_send_message_length': -1,
      // Reconnect quickly once etcd is back (grpc's default backoff grows to 120 s).
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
      // Notice a dead peer under open watch streams (etcd allows pings every 5 s). No
      // pings without calls: etcd's default policy counts those as abuse (GOAWAY).
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5000,
    },
  };
  if (opts.tls?.ca) {
    options.credentials = { rootCertificate: opts.tls.ca, privateKey: opts.tls.key, certChain: opts.tls.cert };
  }
  const client = new Etcd3(options);
  requireLeader(client);
  return client;
}
