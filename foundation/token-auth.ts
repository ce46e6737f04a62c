// Bearer-token authentication from a static token file (token-file.ts), for every orch
// server that takes tokens: the apiserver, the agents' log endpoint and the /metrics of
// the health servers.
//
// Tokens are compared in constant time over their SHA-256 digests, against every entry
// (no early exit), so neither which entry matched, nor a matching prefix, nor the token
// length shows in response times. A token listed twice is refused: with two identities
// for one secret, whichever won would be a surprise.
//
// reloadingTokenFile follows edits of the file, so `orch init node-token NAME` (which
// appends a line) takes effect without a restart and a removed line stops authenticating.
// The file is checked lazily on authentication, at most once per interval, by stat (mtime,
// size, inode): no watcher to leak, nothing to do while idle, one cheap syscall per second
// under load. A file that does not parse (half-written, or a typo) keeps the previous
// tokens and logs an error once per change, so a bad edit never locks everyone out.

import crypto from 'node:crypto';
import fs from 'node:fs';
import { realClock, type Clock } from './clock.js';
import { silentLogger, type Logger } from './logger.js';
import { parseTokenFile, type TokenEntry } from './token-file.js';

export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  /** What the authenticator knows besides (impersonation's Impersonate-Extra-*: keys lowercase). */
  extra?: Record<string, string[]>;
}

export interface Authenticator {
  /** The user a bearer token belongs to, or undefined when no token matches. */
  authenticate(token: string): UserInfo | undefined;
}

const digest = (s: string) => crypto.createHash('sha256').update(s, 'utf8').digest();

export function tokenAuthenticator(entries: readonly TokenEntry[]): Authenticator {
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.token)) throw new Error(`the token of user ${JSON.stringify(e.user)} is listed more than once`);
    seen.add(e.token);
  }
  const table = entries.map((e) => ({ digest: digest(e.token), user: { name: e.user, ...(e.uid ? { uid: e.uid } : {}), groups: [...e.groups] } satisfies UserInfo }));
  return {
    authenticate(token: string) {
      if (!token) return undefined;
      const d = digest(token);
      let found: UserInfo | undefined;
      for (const e of table) if (crypto.timingSafeEqual(d, e.digest) && !found) found = e.user;
      return found;
    },
  };
}

/** An authenticator over a file read once (tests, one-shot tools). */
export function loadTokenFile(file: string): Authenticator {
  return tokenAuthenticator(parseTokenFile(fs.readFileSync(file, 'utf8'), file));
}

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
  const read = () => parseTokenFile(fs.readFileSync(file, 'utf8'), file);

  // Stat before reading: if the file changes in between, the next check sees a newer
  // signature and reads again, so no edit is missed.
  let seen = signature(fs.statSync(file));
  let current = tokenAuthenticator(read());
  let lastCheck = clock.now();

  const reload = (): boolean => {
    lastCheck = clock.now();
    let sig: string;
    try {
      sig = signature(fs.statSync(file));
    } catch (err) {
      if (seen !== 'missing') log.error({ file, err }, 'token file unreadable; keeping the previous tokens');
      seen = 'missing';
      return false;
    }
    if (sig === seen) return false;
    seen = sig;
    try {
      const entries = read();
      current = tokenAuthenticator(entries);
      log.info({ file, tokens: entries.length }, 'token file reloaded');
      return true;
    } catch (err) {
      log.error({ file, err }, 'token file is broken; keeping the previous tokens');
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
