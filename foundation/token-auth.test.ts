import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Clock } from './clock.js';
import { bearerToken } from './bearer-token.js';
import { parseTokenFile, writeTokenFile } from './token-file.js';
import { loadTokenFile, reloadingTokenFile, tokenAuthenticator } from './token-auth.js';

let dir: string;
let file: string;
let now = 1_000_000;
const clock: Clock = { now: () => now, sleep: async () => {} };

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-token-file-'));
  file = path.join(dir, 'tokens.csv');
  fs.writeFileSync(file, 'tok-a,alice,,"g1"\n');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('reloadingTokenFile', () => {
  test('fails at start on a missing or broken file', () => {
    expect(() => reloadingTokenFile(path.join(dir, 'nope.csv'), { clock })).toThrow();
    fs.writeFileSync(file, '"broken\n');
    expect(() => reloadingTokenFile(file, { clock })).toThrow(/tokens\.csv:1: unterminated quoted field/);
  });

  test('picks up appended and removed tokens, checking at most once per interval', () => {
    const auth = reloadingTokenFile(file, { clock, checkIntervalMs: 1000 });
    expect(auth.authenticate('tok-a')?.name).toBe('alice');
    fs.appendFileSync(file, 'tok-b,bob,uid-b,system:nodes\n');
    // Inside the interval the file is not looked at.
    now += 500;
    expect(auth.authenticate('tok-b')).toBeUndefined();
    now += 500;
    expect(auth.authenticate('tok-b')).toEqual({ name: 'bob', uid: 'uid-b', groups: ['system:nodes'] });
    fs.writeFileSync(file, 'tok-b,bob,uid-b,system:nodes\n');
    now += 1000;
    expect(auth.authenticate('tok-a')).toBeUndefined();
    expect(auth.authenticate('tok-b')?.name).toBe('bob');
  });

  test('a broken or missing file keeps the previous tokens; a fixed one is loaded', () => {
    const auth = reloadingTokenFile(file, { clock });
    fs.writeFileSync(file, 'tok-a,alice,1\n"tok-c,carol,2\n');
    expect(auth.reload()).toBe(false);
    expect(auth.authenticate('tok-a')?.name).toBe('alice');
    fs.rmSync(file);
    expect(auth.reload()).toBe(false);
    expect(auth.authenticate('tok-a')?.name).toBe('alice');
    fs.writeFileSync(file, 'tok-c,carol,3\n');
    expect(auth.reload()).toBe(true);
    expect(auth.authenticate('tok-a')).toBeUndefined();
    expect(auth.authenticate('tok-c')?.name).toBe('carol');
  });
});

describe('tokenAuthenticator', () => {
  test('exact match only', () => {
    const a = tokenAuthenticator(parseTokenFile('secret-token,alice,1,"g"'));
    expect(a.authenticate('secret-token')).toEqual({ name: 'alice', uid: '1', groups: ['g'] });
    expect(a.authenticate('secret-toke')).toBeUndefined();
    expect(a.authenticate('secret-token2')).toBeUndefined();
    expect(a.authenticate('')).toBeUndefined();
  });

  test('refuses a token listed twice', () => {
    expect(() => tokenAuthenticator(parseTokenFile('t1,a,1\nt1,b,2\n'))).toThrow(/user "b" is listed more than once/);
  });

  // Regression: the apiserver had its own parser that read a three-column line as
  // token,user,groups, so `t,bob,system:masters` made bob an admin there while Kubernetes
  // (and orch init, and the agents) read system:masters as bob's uid.
  test('a three-column line is token,user,uid as in Kubernetes: the third column is never groups', () => {
    const a = tokenAuthenticator(parseTokenFile('tok,bob,system:masters\n'));
    expect(a.authenticate('tok')).toEqual({ name: 'bob', uid: 'system:masters', groups: [] });
  });

  test('fewer than three columns is an error naming the line, not a user without groups', () => {
    expect(() => parseTokenFile('# header\ntok,bob\n', 'tokens.csv')).toThrow('tokens.csv:2: expected token,user,uid[,"groups"] (got 2 fields)');
    expect(() => parseTokenFile('just-a-token\n', 'agent-log.token')).toThrow('agent-log.token:1: expected token,user,uid[,"groups"] (got 1 fields)');
  });

  test('reads what writeTokenFile writes (uid and groups intact)', () => {
    writeTokenFile(file, [
      { token: 'tA', user: 'admin', uid: 'uid-a', groups: ['system:masters'] },
      { token: 'tB', user: 'system:node:n1', uid: 'uid-b', groups: ['system:nodes', 'x'] },
      { token: 'tC', user: 'nogroups', uid: '', groups: [] },
    ]);
    const auth = loadTokenFile(file);
    expect(auth.authenticate('tA')).toEqual({ name: 'admin', uid: 'uid-a', groups: ['system:masters'] });
    expect(auth.authenticate('tB')).toEqual({ name: 'system:node:n1', uid: 'uid-b', groups: ['system:nodes', 'x'] });
    expect(auth.authenticate('tC')).toEqual({ name: 'nogroups', groups: [] });
    expect(auth.authenticate('wrong')).toBeUndefined();
  });
});

describe('bearerToken', () => {
  test('scheme in any case, one word after spaces or tabs', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer abc ')).toBe('abc');
    expect(bearerToken('BEARER\tabc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
