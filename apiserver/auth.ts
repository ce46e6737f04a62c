// Bearer-token authentication from a static token file, in the format of Kubernetes'
// --token-auth-file: `token,user,uid,"group1,group2"`. The shorter `token,user,groups`
// (three columns: the third is groups) is accepted too, since that is what `orch init`
// writes. Tokens are compared in constant time over their SHA-256 digests, so neither
// the token length nor a matching prefix shows in response times.

import crypto from 'node:crypto';
import fs from 'node:fs';

export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
}

export interface Authenticator {
  /** The user a bearer token belongs to, or undefined when no token matches. */
  authenticate(token: string): UserInfo | undefined;
}

export interface TokenEntry {
  token: string;
  user: UserInfo;
}

/** Split one CSV line honouring double quotes ("" inside quotes is a literal quote). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (quoted) throw new Error('unterminated quote');
  out.push(cur);
  return out.map((s) => s.trim());
}

function splitGroups(s: string | undefined): string[] {
  return (s ?? '')
    .split(',')
    .map((g) => g.trim())
    .filter((g) => g.length > 0);
}

/** Parse token-file text; throws with the line number on a malformed line. */
export function parseTokenFile(text: string): TokenEntry[] {
  const entries: TokenEntry[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    let cols: string[];
    try {
      cols = splitCsvLine(line);
    } catch (err) {
      throw new Error(`token file line ${i + 1}: ${(err as Error).message}`);
    }
    const [token, name] = cols;
    if (!token || !name) throw new Error(`token file line ${i + 1}: need at least "token,user"`);
    let user: UserInfo;
    if (cols.length <= 2) user = { name, groups: [] };
    else if (cols.length === 3) user = { name, groups: splitGroups(cols[2]) };
    else user = { name, uid: cols[2] || undefined, groups: splitGroups(cols.slice(3).join(',')) };
    entries.push({ token, user });
  });
  return entries;
}

const digest = (s: string) => crypto.createHash('sha256').update(s, 'utf8').digest();

export function tokenAuthenticator(entries: TokenEntry[]): Authenticator {
  const table = entries.map((e) => ({ digest: digest(e.token), user: e.user }));
  return {
    authenticate(token: string) {
      if (!token) return undefined;
      const d = digest(token);
      let found: UserInfo | undefined;
      // Compare against every entry (no early exit) so timing does not reveal which matched.
      for (const e of table) if (crypto.timingSafeEqual(d, e.digest) && !found) found = e.user;
      return found;
    },
  };
}

export function loadTokenFile(file: string): Authenticator {
  return tokenAuthenticator(parseTokenFile(fs.readFileSync(file, 'utf8')));
}

// The header is read by the one parser every orch server shares (foundation/bearer-token.ts):
// the scheme is case-insensitive, the token one word after spaces or tabs.
export { bearerToken } from '../foundation/bearer-token.js';
