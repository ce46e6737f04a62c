import { describe, expect, test } from 'vitest';
import { bearerToken, parseTokenFile, splitCsvLine, tokenAuthenticator } from './auth.js';

describe('token file', () => {
  test('Kubernetes format token,user,uid,"groups" and the short token,user,groups', () => {
    const entries = parseTokenFile(
      ['# comment', '', 'tok1,admin,uid-1,"system:masters,devs"', 'tok2,system:node:n1,system:nodes', 'tok3,bob'].join('\n'),
    );
    expect(entries).toEqual([
      { token: 'tok1', user: { name: 'admin', uid: 'uid-1', groups: ['system:masters', 'devs'] } },
      { token: 'tok2', user: { name: 'system:node:n1', groups: ['system:nodes'] } },
      { token: 'tok3', user: { name: 'bob', groups: [] } },
    ]);
  });

  test('quoted fields and escaped quotes', () => {
    expect(splitCsvLine('a,"b,c","d ""e"""')).toEqual(['a', 'b,c', 'd "e"']);
    expect(() => splitCsvLine('a,"b')).toThrow(/unterminated/);
  });

  test('malformed lines name the line number', () => {
    expect(() => parseTokenFile('ok,user\nonlytoken\n')).toThrow(/line 2/);
  });

  test('authenticate: exact match only', () => {
    const a = tokenAuthenticator(parseTokenFile('secret-token,alice,1,"g"'));
    expect(a.authenticate('secret-token')?.name).toBe('alice');
    expect(a.authenticate('secret-toke')).toBeUndefined();
    expect(a.authenticate('secret-token2')).toBeUndefined();
    expect(a.authenticate('')).toBeUndefined();
  });

  test('bearer header parsing', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
