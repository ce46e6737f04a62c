// A token-file authenticator that follows edits of the file, so `orch init node-token NAME`
// (which appends a line) takes effect without restarting the apiserver, and a removed
// line stops authenticating. The file is checked lazily on authentication, at most once
// per interval, by stat (mtime, size, inode): no watcher to leak, nothing to do while the
// server is idle, one cheap syscall per second under load. A file that does not parse
// (half-written, or a typo) keeps the previous tokens and logs an error once per change,
// so a bad edit never locks everyone out.

import fs from 'node:fs';
import type { Logger } from 'pino';
import { realClock, type Clock } from '../foundation/clock.js';
import { silentLogger } from '../foundation/logger.js';
import { parseTokenFile, tokenAuthenticator, type Authenticator } from './auth.js';

export interface ReloadingTokenFileOptions {
  logger?: Logger;
  clock?: Clock;
  /** Minimum time between two checks of the file. Default 1000 ms. */
  checkIntervalMs?: number;
}

export interface ReloadingAuthenticator extends Authenticator {
  /** Check the file now (tests, SIGHUP); returns true when new tokens were loaded. */
  reload(): boolean;
}

function signature(st: fs.Stats): string {
  return `${st.mtimeMs}:${st.size}:${st.ino}`;
}

/** Loads `file` now (throws if it is missing or broken: a bad start should fail loudly). */
export function reloadingTokenFile(file: string, opts: ReloadingTokenFileOptions = {}): ReloadingAuthenticator {
  const log = opts.logger ?? silentLogger();
  const clock = opts.clock ?? realClock;
  const interval = opts.checkIntervalMs ?? 1000;

  // Stat before reading: if the file changes in between, the next check sees a newer
  // signature and reads again, so no edit is missed.
  let seen = signature(fs.statSync(file));
  let current = tokenAuthenticator(parseTokenFile(fs.readFileSync(file, 'utf8')));
  let lastCheck = clock.now();

  const reload = (): boolean => {
    lastCheck = clock.now();
    let sig: string;
    try {
      sig = signature(fs.statSync(file));
    } catch (err) {
      if (seen !== 'missing') log.error({ file, err: (err as Error).message }, 'token file unreadable; keeping the previous tokens');
      seen = 'missing';
      return false;
    }
    if (sig === seen) return false;
    seen = sig;
    try {
      const entries = parseTokenFile(fs.readFileSync(file, 'utf8'));
      current = tokenAuthenticator(entries);
      log.info({ file, tokens: entries.length }, 'token file reloaded');
      return true;
    } catch (err) {
      log.error({ file, err: (err as Error).message }, 'token file is broken; keeping the previous tokens');
      return false;
    }
  };

  return {
    authenticate(token: string) {
      if (clock.now() - lastCheck >= interval) reload();
      return current.authenticate(token);
    },
    reload,
  };
}
