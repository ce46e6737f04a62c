// Bearer tokens and the static token file: what `orch init` writes and every orch server
// that accepts tokens reads (the apiserver's --token-auth-file, the agent's
// --log-server-token-file, the /metrics token file of every process): one format, one
// parser, Kubernetes' static token file:
//   token,user,uid,"group1,group2"
// At least three columns; the fourth (groups, comma-separated, quoted) is optional. A
// three-column line is token,user,uid, as in Kubernetes: its third column is never groups.
// token-auth.ts turns the entries into an authenticator.

import crypto from 'node:crypto';
import fs from 'node:fs';
import { writeSecretFile } from './secret-file.js';

export interface TokenEntry {
  token: string;
  user: string;
  uid: string;
  groups: string[];
}

/** 32 random bytes, base64url: 43 characters, safe in headers, URLs and CSV. */
export function generateToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * One line of the token file. The groups column is always written (quoted, "" when
 * empty): a three-column line is read as token,user,uid by Kubernetes but as
 * token,user,groups by some readers, and four columns mean the same to both.
 */
export function formatTokenLine(e: TokenEntry): string {
  validateEntry(e);
  const fields = [csvField(e.token), csvField(e.user), csvField(e.uid), `"${e.groups.join(',').replace(/"/g, '""')}"`];
  return fields.join(',');
}

function validateEntry(e: TokenEntry): void {
  if (!e.token) throw new Error('token entry without a token');
  if (!e.user) throw new Error('token entry without a user');
  for (const g of e.groups) {
    if (g.includes(',') || g.trim() !== g || g === '') throw new Error(`invalid group name ${JSON.stringify(g)}`);
  }
}

export function writeTokenFile(file: string, entries: TokenEntry[]): void {
  const header = '# orch bearer tokens (Kubernetes --token-auth-file format): token,user,uid,"group1,group2"\n';
  writeSecretFile(file, header + entries.map((e) => formatTokenLine(e) + '\n').join(''));
}

/** Append entries, keeping what is there (comments included). Creates the file if needed. */
export function appendTokenEntries(file: string, entries: TokenEntry[]): void {
  const existing = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (!existing) return writeTokenFile(file, entries);
  const sep = existing.endsWith('\n') ? '' : '\n';
  writeSecretFile(file, existing + sep + entries.map((e) => formatTokenLine(e) + '\n').join(''));
}

/**
 * Split one CSV record (RFC 4180 quoting: "a,b" and "" for a quote inside quotes).
 * Leading/trailing blanks around fields are dropped, like Go's csv TrimLeadingSpace.
 */
export function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    let value = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new Error('unterminated quoted field');
        const c = line[i]!;
        if (c === '"') {
          if (line[i + 1] === '"') { value += '"'; i += 2; continue; }
          i++;
          break;
        }
        value += c;
        i++;
      }
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (i < line.length && line[i] !== ',') throw new Error('unexpected text after a quoted field');
    } else {
      const end = line.indexOf(',', i);
      const stop = end < 0 ? line.length : end;
      value = line.slice(i, stop).trim();
      if (value.includes('"')) throw new Error('bare quote in an unquoted field');
      i = stop;
    }
    fields.push(value);
    if (i >= line.length) return fields;
    i++; // skip the comma
  }
}

/** Parse token file text. Errors name the line, because a bad token file must stop startup. */
export function parseTokenFile(text: string, source = 'token file'): TokenEntry[] {
  const entries: TokenEntry[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, idx) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${source}:${idx + 1}`;
    let fields: string[];
    try {
      fields = parseCsvLine(line);
    } catch (err) {
      throw new Error(`${where}: ${(err as Error).message}`);
    }
    if (fields.length < 3) throw new Error(`${where}: expected token,user,uid[,"groups"] (got ${fields.length} fields)`);
    const [token, user, uid, groupField] = fields as [string, string, string, string | undefined];
    if (!token) throw new Error(`${where}: empty token`);
    if (!user) throw new Error(`${where}: empty user name`);
    const groups = (groupField ?? '').split(',').map((g) => g.trim()).filter((g) => g.length > 0);
    entries.push({ token, user, uid, groups });
  });
  return entries;
}

export function readTokenFile(file: string): TokenEntry[] {
  return parseTokenFile(fs.readFileSync(file, 'utf8'), file);
}
