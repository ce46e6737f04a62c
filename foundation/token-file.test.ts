import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendTokenEntries, generateToken, parseCsvLine, parseTokenFile, readTokenFile, writeTokenFile } from './token-file.js';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-token-file-test-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('tokens', () => {
  it('generateToken gives 32 random bytes, base64url, all different', () => {
    const tokens = new Set(Array.from({ length: 100 }, () => generateToken()));
    expect(tokens.size).toBe(100);
    for (const t of tokens) {
      expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(t, 'base64url').length).toBe(32);
    }
  });

  it('writes the Kubernetes CSV format with mode 0600 and reads it back', () => {
    const file = path.join(tmp, 'tokens.csv');
    const entries = [
      { token: 'tok-admin', user: 'admin', uid: 'u1', groups: ['system:masters'] },
      { token: 'tok-node', user: 'system:node:n1', uid: 'u2', groups: ['system:nodes', 'extra'] },
      { token: 'tok-nogroup', user: 'alice', uid: 'u3', groups: [] },
    ];
    writeTokenFile(file, entries);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain('tok-node,system:node:n1,u2,"system:nodes,extra"\n');
    expect(text).toContain('tok-nogroup,alice,u3,""\n');
    expect(readTokenFile(file)).toEqual(entries);

    appendTokenEntries(file, [{ token: 'tok-new', user: 'bob', uid: 'u4', groups: ['g'] }]);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(readTokenFile(file).map((e) => e.user)).toEqual(['admin', 'system:node:n1', 'alice', 'bob']);
  });

  it('parses comments, blank lines, CRLF, spaces and quoted fields', () => {
    const text = [
      '# a comment',
      '',
      '   ',
      't1,user1,uid1,"g1,g2,g3"',
      '  # indented comment',
      't2, user2 , uid2 , " g1 , g2 "\r',
      't3,"user, with comma",uid3',
      't4,"say ""hi""",uid4,g-single',
      't5,user5,,"" ',
    ].join('\n');
    expect(parseTokenFile(text)).toEqual([
      { token: 't1', user: 'user1', uid: 'uid1', groups: ['g1', 'g2', 'g3'] },
      { token: 't2', user: 'user2', uid: 'uid2', groups: ['g1', 'g2'] },
      { token: 't3', user: 'user, with comma', uid: 'uid3', groups: [] },
      { token: 't4', user: 'say "hi"', uid: 'uid4', groups: ['g-single'] },
      { token: 't5', user: 'user5', uid: '', groups: [] },
    ]);
  });

  it('round-trips awkward user names through write and read', () => {
    const file = path.join(tmp, 'awkward.csv');
    const entries = [{ token: 'a', user: 'x,"y"', uid: ' spaced', groups: ['g:1'] }];
    writeTokenFile(file, entries);
    expect(readTokenFile(file)).toEqual(entries);
  });

  it('rejects malformed lines naming the line', () => {
    expect(() => parseTokenFile('ok,u,uid\nonly,two\n', 'tokens.csv')).toThrow(/tokens\.csv:2: expected token,user,uid/);
    expect(() => parseTokenFile('t,u,uid,"unterminated\n')).toThrow(/:1: unterminated quoted field/);
    expect(() => parseTokenFile(',u,uid\n')).toThrow(/:1: empty token/);
    expect(() => parseTokenFile('t,,uid\n')).toThrow(/:1: empty user/);
    expect(() => parseTokenFile('t,u"x,uid\n')).toThrow(/bare quote/);
    expect(() => parseTokenFile('t,"u"x,uid\n')).toThrow(/after a quoted field/);
  });

  it('parseCsvLine keeps empty fields', () => {
    expect(parseCsvLine('a,,c,')).toEqual(['a', '', 'c', '']);
  });
});
