import { describe, expect, test } from 'vitest';
import { authorizerChain } from '../authorization/chain.js';
import type { Authorizer } from '../authorization/types.js';
import { impersonate } from './impersonation.js';

// Who may impersonate what, recorded so the checks made are visible.
const asked: string[] = [];
const rules: Authorizer = {
  name: 'test',
  authorize: (u, r) => {
    asked.push(`${r.verb} ${r.resource.group}/${r.resource.plural}${r.subresource ? '/' + r.subresource : ''} ${r.namespace ?? '-'} ${r.name}`);
    return u.name === 'boss' ? { allowed: true } : { allowed: 'no-opinion' };
  },
};
const chain = authorizerChain([rules]);
const boss = { name: 'boss', groups: ['ops'] };

describe('impersonate', () => {
  test('no headers: the caller, untouched, nothing asked', () => {
    asked.length = 0;
    expect(impersonate(chain, boss, { accept: 'x' })).toBe(boss);
    expect(asked).toEqual([]);
  });

  test('each part is checked with the verb impersonate, as Kubernetes', () => {
    asked.length = 0;
    const raw = ['Impersonate-User', 'jane', 'Impersonate-Group', 'a', 'Impersonate-Group', 'b', 'Impersonate-Uid', '42', 'Impersonate-Extra-Scopes', 'x'];
    const headers = { 'impersonate-user': 'jane', 'impersonate-group': 'a, b', 'impersonate-uid': '42', 'impersonate-extra-scopes': 'x' };
    expect(impersonate(chain, boss, headers, raw)).toEqual({ name: 'jane', groups: ['a', 'b', 'system:authenticated'], uid: '42', extra: { scopes: ['x'] } });
    expect(asked).toEqual([
      'impersonate /users - jane',
      'impersonate /groups - a',
      'impersonate /groups - b',
      'impersonate authentication.k8s.io/uids - 42',
      'impersonate authentication.k8s.io/userextras/scopes - x',
    ]);
  });

  test('system:authenticated is not added when asked for explicitly or for system:unauthenticated; anonymous gets system:unauthenticated', () => {
    const as = (user: string, groups: string[]) => {
      const raw = ['Impersonate-User', user, ...groups.flatMap((g) => ['Impersonate-Group', g])];
      return impersonate(chain, boss, { 'impersonate-user': user, ...(groups.length ? { 'impersonate-group': groups.join(', ') } : {}) }, raw).groups;
    };
    expect(as('jane', ['system:authenticated'])).toEqual(['system:authenticated']);
    expect(as('jane', ['system:unauthenticated'])).toEqual(['system:unauthenticated']);
    expect(as('system:anonymous', [])).toEqual(['system:unauthenticated']);
    expect(as('system:serviceaccount:ns1:robot', [])).toEqual(['system:serviceaccounts', 'system:serviceaccounts:ns1', 'system:authenticated']);
  });

  test('refusals: 403 naming the part; malformed requests 400', () => {
    const jane = { name: 'jane', groups: [] };
    expect(() => impersonate(chain, jane, { 'impersonate-user': 'boss' }, ['Impersonate-User', 'boss'])).toThrow('users "boss" is forbidden: User "jane" cannot impersonate resource "users" in API group ""');
    asked.length = 0;
    expect(() => impersonate(chain, jane, { 'impersonate-user': 'system:serviceaccount:ns1:robot' }, ['Impersonate-User', 'system:serviceaccount:ns1:robot'])).toThrow(/cannot impersonate resource "serviceaccounts" in API group "" in the namespace "ns1"/);
    expect(asked).toEqual(['impersonate /serviceaccounts ns1 robot']);
    expect(() => impersonate(chain, boss, { 'impersonate-group': 'g' }, ['Impersonate-Group', 'g'])).toThrow('requested [groups] without impersonating a user');
    expect(() => impersonate(chain, boss, { 'impersonate-user': 'system:serviceaccount:only-ns' }, ['Impersonate-User', 'system:serviceaccount:only-ns'])).toThrow(/not a service account name/);
    expect(() => impersonate(chain, boss, { 'impersonate-user': '' }, ['Impersonate-User', ''])).toThrow(/empty user name/);
  });
});
