import { describe, expect, test } from 'vitest';
import type { ServerContext } from '../context.js';
import type { RulesResolver } from '../authorization/types.js';
import { rulesReviewStatus } from './rules-review.js';

const ctx = (rulesResolver?: RulesResolver) => ({ rulesResolver }) as unknown as ServerContext;
const jane = { name: 'jane', groups: ['dev'] };

describe('rulesReviewStatus', () => {
  test('without a rules resolver: nothing listed, incomplete, and why', () => {
    expect(rulesReviewStatus(ctx(), jane, { namespace: 'dev' })).toEqual({
      resourceRules: [],
      nonResourceRules: [],
      incomplete: true,
      evaluationError: 'this apiserver has no rules resolver (authorization without RBAC): the rules cannot be listed',
    });
  });

  test("the resolver's rules, split into resource and non-resource rules", () => {
    const resolver: RulesResolver = {
      rulesFor: (u, ns) => ({
        rules: u.name === 'jane' && ns === 'dev' ? [{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: [] }, { verbs: ['get'], nonResourceURLs: ['/api/*'] }] : [],
        incomplete: false,
      }),
    };
    expect(rulesReviewStatus(ctx(resolver), jane, { namespace: 'dev' })).toEqual({
      resourceRules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }],
      nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/api/*'] }],
      incomplete: false,
    });
    // A node: the Node authorizer's part cannot be listed.
    const node = rulesReviewStatus(ctx(resolver), { name: 'system:node:n1', groups: ['system:nodes'] }, { namespace: 'dev' });
    expect(node).toMatchObject({ incomplete: true, evaluationError: 'node authorizer does not support user rule resolution' });
  });

  test('a namespace is required', () => {
    expect(() => rulesReviewStatus(ctx(), jane, {})).toThrow('no namespace on request');
  });
});
