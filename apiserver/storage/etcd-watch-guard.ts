// A guard around etcd3's WatchManager (etcd3 1.1.2, lib/watch.js), the one object that
// multiplexes all our etcd watches over one gRPC stream.
//
// The race it contains: the manager keeps `watchers` (with etcd's watch ids) and throws
// `ClientRuntimeError: Failed to find watcher for IWatchResponse` for a response whose id
// it does not know. etcd answers a cancelled watch twice when two cancellations cross:
//   1. etcd finds the watch's start revision compacted and sends {canceled, compact_revision};
//   2. before that answer arrives, we cancel the same watch (its HTTP client left, or its
//      feed ended), so the library sends a cancel_request;
//   3. the library handles answer 1 and drops the watcher from `watchers`;
//   4. etcd still holds the compacted watch (mvcc keeps it until cancelled), so it
//      acknowledges the cancel_request with a second {canceled} for the same id;
//   5. handleResponse does not find the id and throws, inside grpc-js's message callback
//      (a promise callback: an unhandled rejection, which kills a Node process) and
//      leaves the call's bookkeeping half done. It needs the stream to stay up (other
//      watches on it), so it bites at start, when many stale watches arrive at once.
// We cannot know that answer 1 is on the wire when we cancel, so the guard sits where the
// library receives answers:
//   - a `canceled` answer for an id nobody holds is that late acknowledgement: dropped;
//   - anything else the manager throws on means its bookkeeping no longer matches etcd's:
//     the stream is torn down and every watch re-created (etcd-prefix-watch.ts resumes each
//     exactly after the last revision it delivered), so watchers still get every event or
//     a 410, never silence.

import { ClientClosedError, ClientRuntimeError, EtcdError, EtcdWatchStreamEnded, GRPCGenericError, type Etcd3 } from 'etcd3';
import type { Logger } from '../../foundation/logger.js';

interface WatchResponseLike {
  watch_id: string | number;
  created?: boolean;
  canceled?: boolean;
  events?: unknown[];
}

/** The parts of etcd3's (internal) WatchManager the guard relies on. */
interface WatchManagerInternals {
  watchers: { id: string | number | null }[];
  handleResponse(res: WatchResponseLike): void;
  handleCreatedResponse(res: WatchResponseLike): void;
  handleError(err: Error): void;
}

export interface WatchGuard {
  /** Late cancel acknowledgements dropped plus stream resets done. */
  readonly contained: number;
  /** Tears the watch stream down; every watch is re-created and resumes exactly. */
  resetStream(reason: Error): void;
}

function managerOf(client: Etcd3): WatchManagerInternals {
  const mgr = (client as unknown as { watchManager?: Partial<WatchManagerInternals> }).watchManager;
  const ok =
    mgr &&
    Array.isArray(mgr.watchers) &&
    typeof mgr.handleResponse === 'function' &&
    typeof mgr.handleCreatedResponse === 'function' &&
    typeof mgr.handleError === 'function';
  // Fail loudly at start if an etcd3 upgrade changed the internals this guard wraps.
  if (!ok) throw new Error('etcd3 WatchManager internals changed: review apiserver/storage/etcd-watch-guard.ts for this etcd3 version');
  return mgr as WatchManagerInternals;
}

export function guardWatchManager(client: Etcd3, log: Logger): WatchGuard {
  const mgr = managerOf(client);
  let contained = 0;
  const resetStream = (reason: Error) => {
    contained++;
    try {
      mgr.handleError(reason);
    } catch (err) {
      log.error({ err }, 'etcd watch stream reset failed');
    }
  };
  const guarded = (name: 'handleResponse' | 'handleCreatedResponse') => {
    const original = mgr[name].bind(mgr);
    // The stream's 'data' listener calls `this.handleResponse(...)`: an own property wins.
    mgr[name] = (res: WatchResponseLike) => {
      if (name === 'handleResponse' && res.canceled && !mgr.watchers.some((w) => w.id === res.watch_id)) {
        contained++;
        log.debug({ watchId: res.watch_id }, 'late cancel acknowledgement for a finished etcd watch; dropped');
        return;
      }
      try {
        original(res);
      } catch (err) {
        log.warn({ err, watchId: res.watch_id, created: res.created, canceled: res.canceled }, 'etcd watch bookkeeping out of step with etcd; re-creating every watch');
        resetStream(err as Error);
      }
    };
  };
  guarded('handleResponse');
  guarded('handleCreatedResponse');
  return {
    get contained() {
      return contained;
    },
    resetStream,
  };
}

const LIBRARY_FRAME = /[\\/]node_modules[\\/](?:etcd3|@grpc[\\/]grpc-js|@grpc[\\/]proto-loader|cockatiel)[\\/]/;

/**
 * True for an error raised inside the etcd client (etcd3 and the gRPC code under it):
 * one of etcd3's error types, or thrown from library code (its first stack frame).
 * What the process guard (apiserver/process-guard.ts) may contain.
 */
export function isEtcdClientLibraryError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err instanceof ClientRuntimeError || err instanceof EtcdError || err instanceof GRPCGenericError || err instanceof ClientClosedError || err instanceof EtcdWatchStreamEnded) {
    return true;
  }
  const firstFrame = err.stack?.split('\n').find((line) => /^\s+at /.test(line));
  return firstFrame !== undefined && LIBRARY_FRAME.test(firstFrame);
}
