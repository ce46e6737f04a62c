// The apiserver process's last resort for errors nothing caught ('uncaughtException' and
// 'unhandledRejection'; Node's default kills the process for both).
//
// What is safe to continue after:
//   - An error raised inside the etcd client library (etcd3, grpc-js), e.g. from its
//     watch stream handling. The storage layer catches every etcd call it makes, so such
//     an error escaped from the library's own event handlers, and the only state it can
//     have left wrong is the library's watch bookkeeping. We log it with its stack and
//     tear the etcd watch stream down: every watch is re-created and resumes exactly
//     after the last revision it delivered (storage/etcd-prefix-watch.ts). Everything
//     else the apiserver holds in memory is derived from etcd, and every write is an
//     atomic etcd transaction, so no stored object can be half written. Contained
//     (storage/etcd-watch-guard.ts) where we know the race; this catches the rest.
//   - Anything else is a bug in unknown code that may have stopped half way through
//     changing in-memory state (a watch feed, a cache): we cannot tell what is wrong, so
//     the error is logged with its stack and the process exits 1. Its supervisor
//     (systemd, `orch up`, the --workers primary) starts a clean one, which rebuilds
//     everything from etcd in about a second.
//   - More than `maxContained` library errors within a minute means containing them does
//     not help: treated like the second case.

import type { Logger } from '../foundation/logger.js';

export interface ProcessGuardOptions {
  logger: Logger;
  /** Errors that may be contained (the storage layer recognises its etcd client's). */
  isContainable(err: unknown): boolean;
  /** Brings back in step what a contained error may have left out of step. */
  recover(err: Error): void;
  /** Contained errors allowed per minute before the process gives up. Default 20. */
  maxContained?: number;
  /** For tests: the event source and the exit function (default: process). */
  proc?: Pick<NodeJS.Process, 'on' | 'off'>;
  exit?: (code: number) => void;
  now?: () => number;
}

/** Installs the handlers; returns a function that removes them. */
export function installProcessGuard(opts: ProcessGuardOptions): () => void {
  const proc = opts.proc ?? process;
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const now = opts.now ?? Date.now;
  const max = opts.maxContained ?? 20;
  const recent: number[] = [];
  const handle = (err: unknown, origin: 'uncaughtException' | 'unhandledRejection') => {
    const error = err instanceof Error ? err : new Error(`non-error value: ${String(err)}`);
    const t = now();
    while (recent.length > 0 && recent[0]! <= t - 60_000) recent.shift();
    if (opts.isContainable(err) && recent.length < max) {
      recent.push(t);
      opts.logger.error({ err: error, origin }, 'unexpected error in the etcd client library; contained, re-creating the etcd watches');
      try {
        opts.recover(error);
      } catch (again) {
        opts.logger.error({ err: again }, 'recovery after a contained error failed');
      }
      return;
    }
    const why = opts.isContainable(err) ? `more than ${max} etcd client errors within a minute` : 'an error in unknown code leaves unknown state behind';
    opts.logger.fatal({ err: error, origin }, `unexpected error; exiting so a clean process takes over (${why})`);
    exit(1);
  };
  const onException = (err: unknown) => handle(err, 'uncaughtException');
  const onRejection = (reason: unknown) => handle(reason, 'unhandledRejection');
  proc.on('uncaughtException', onException);
  proc.on('unhandledRejection', onRejection);
  return () => {
    proc.off('uncaughtException', onException);
    proc.off('unhandledRejection', onRejection);
  };
}
