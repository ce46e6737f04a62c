import { describe, expect, test } from 'vitest';
import { allowAuthenticated } from './chain.js';
import { authorizersFor, parseAuthorizationMode } from './modes.js';
import { nodeAuthorizer } from './node-rules.js';

describe('--authorization-mode', () => {
  test('parses Kubernetes mode names in order; refuses unknown and repeated ones by name', () => {
    expect(parseAuthorizationMode('Node,RBAC')).toEqual(['Node', 'RBAC']);
    expect(parseAuthorizationMode(' AlwaysAllow ')).toEqual(['AlwaysAllow']);
    expect(() => parseAuthorizationMode('Node,ABAC')).toThrow('--authorization-mode: unknown mode "ABAC" (known: Node, RBAC, AlwaysAllow)');
    expect(() => parseAuthorizationMode('RBAC,RBAC')).toThrow('--authorization-mode: RBAC is given twice');
    expect(() => parseAuthorizationMode('')).toThrow(/at least one/);
  });

  test('maps modes to authorizers', () => {
    const rbac = { name: 'RBAC', authorize: () => ({ allowed: 'no-opinion' as const }) };
    expect(authorizersFor(['Node', 'RBAC'], rbac)).toEqual([nodeAuthorizer, rbac]);
    expect(authorizersFor(['AlwaysAllow'], rbac)).toEqual([allowAuthenticated]);
  });
});
