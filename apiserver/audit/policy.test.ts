// Audit policy matching: first matching rule wins, every given field must match,
// Kubernetes' resource / subresource / non-resource URL forms, and the Metadata cap for
// Secrets whatever a rule says.

import { describe, expect, test } from 'vitest';
import { decide, DEFAULT_POLICY_YAML, parseAuditPolicy, ruleMatches, type AuditAttributes } from './policy.js';

const alice = { name: 'alice', groups: ['dev', 'system:authenticated'] };
const get = (resource: string, extra: Partial<NonNullable<AuditAttributes['resource']>> = {}, verb = 'get'): AuditAttributes => ({
  user: alice,
  verb,
  path: '/api/v1/x',
  resource: { group: '', resource, namespace: 'default', name: 'x', ...extra },
});

function policy(rules: string): ReturnType<typeof parseAuditPolicy> {
  return parseAuditPolicy(`apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n${rules}`);
}

describe('rule matching', () => {
  test('users, userGroups, verbs', () => {
    expect(ruleMatches({ level: 'Metadata', users: ['alice'] }, get('pods'))).toBe(true);
    expect(ruleMatches({ level: 'Metadata', users: ['bob'] }, get('pods'))).toBe(false);
    expect(ruleMatches({ level: 'Metadata', userGroups: ['dev'] }, get('pods'))).toBe(true);
    expect(ruleMatches({ level: 'Metadata', userGroups: ['ops'] }, get('pods'))).toBe(false);
    expect(ruleMatches({ level: 'Metadata', verbs: ['list', 'get'] }, get('pods'))).toBe(true);
    expect(ruleMatches({ level: 'Metadata', verbs: ['create'] }, get('pods'))).toBe(false);
    expect(ruleMatches({ level: 'Metadata', users: ['alice'] }, { verb: 'get', path: '/api' })).toBe(false);
  });

  test('resources: group, names, subresources, resourceNames', () => {
    const pods = [{ group: '', resources: ['pods'], resourceNames: [] }];
    expect(ruleMatches({ level: 'Metadata', resources: pods }, get('pods'))).toBe(true);
    expect(ruleMatches({ level: 'Metadata', resources: pods }, get('pods', { subresource: 'log' }))).toBe(false);
    expect(ruleMatches({ level: 'Metadata', resources: [{ group: '', resources: ['pods/log'], resourceNames: [] }] }, get('pods', { subresource: 'log' }))).toBe(true);
    expect(ruleMatches({ level: 'Metadata', resources: [{ group: '', resources: ['*/status'], resourceNames: [] }] }, get('deployments', { group: 'apps', subresource: 'status' }))).toBe(false);
    expect(ruleMatches({ level: 'Metadata', resources: [{ group: 'apps', resources: ['*/status'], resourceNames: [] }] }, get('deployments', { group: 'apps', subresource: 'status' }))).toBe(true);
    expect(ruleMatches({ level: 'Metadata', resources: [{ group: '', resources: ['pods/*'], resourceNames: [] }] }, get('pods', { subresource: 'exec' }))).toBe(true);
    expect(ruleMatches({ level: 'Metadata', resources: [{ group: 'apps', resources: [], resourceNames: [] }] }, get('deployments', { group: 'apps' }))).toBe(true);
    expect(ruleMatches({ level: 'Metadata', resources: [{ group: 'apps', resources: [], resourceNames: [] }] }, get('pods'))).toBe(false);
    expect(ruleMatches({ level: 'Metadata', resources: [{ group: '', resources: ['configmaps'], resourceNames: ['x'] }] }, get('configmaps'))).toBe(true);
    expect(ruleMatches({ level: 'Metadata', resources: [{ group: '', resources: ['configmaps'], resourceNames: ['y'] }] }, get('configmaps'))).toBe(false);
    // A resource rule never matches a non-resource request.
    expect(ruleMatches({ level: 'Metadata', resources: pods }, { user: alice, verb: 'get', path: '/healthz' })).toBe(false);
  });

  test('namespaces: "" is cluster-scoped', () => {
    expect(ruleMatches({ level: 'Metadata', namespaces: ['default'] }, get('pods'))).toBe(true);
    expect(ruleMatches({ level: 'Metadata', namespaces: ['kube-system'] }, get('pods'))).toBe(false);
    expect(ruleMatches({ level: 'Metadata', namespaces: [''] }, get('nodes', { namespace: undefined }))).toBe(true);
  });

  test('nonResourceURLs: exact and prefix*', () => {
    const path = (p: string): AuditAttributes => ({ user: alice, verb: 'get', path: p });
    expect(ruleMatches({ level: 'None', nonResourceURLs: ['/healthz*'] }, path('/healthz/etcd'))).toBe(true);
    expect(ruleMatches({ level: 'None', nonResourceURLs: ['/version'] }, path('/version'))).toBe(true);
    expect(ruleMatches({ level: 'None', nonResourceURLs: ['/version'] }, path('/versions'))).toBe(false);
    expect(ruleMatches({ level: 'None', nonResourceURLs: ['*'] }, get('pods'))).toBe(false);
  });
});

describe('decide', () => {
  test('first matching rule wins; no match is None', () => {
    const p = policy(`  - level: None\n    users: [alice]\n    verbs: [watch]\n  - level: RequestResponse\n    resources: [{ group: "", resources: [pods] }]\n  - level: Metadata\n    namespaces: [default]\n`);
    expect(decide(p, get('pods', {}, 'watch')).level).toBe('None');
    expect(decide(p, get('pods')).level).toBe('RequestResponse');
    expect(decide(p, get('configmaps')).level).toBe('Metadata');
    expect(decide(p, get('configmaps', { namespace: 'other' })).level).toBe('None');
  });

  test('Secrets, token requests and token reviews never above Metadata', () => {
    const p = policy('  - level: RequestResponse\n');
    expect(decide(p, get('secrets')).level).toBe('Metadata');
    expect(decide(p, get('serviceaccounts', { subresource: 'token' }, 'create')).level).toBe('Metadata');
    expect(decide(p, get('tokenreviews', { group: 'authentication.k8s.io' }, 'create')).level).toBe('Metadata');
    expect(decide(p, get('configmaps')).level).toBe('RequestResponse');
    expect(decide(policy('  - level: None\n'), get('secrets')).level).toBe('None');
  });

  test('omitManagedFields: policy-wide, a rule overrides', () => {
    const p = parseAuditPolicy('apiVersion: audit.k8s.io/v1\nkind: Policy\nomitManagedFields: true\nrules:\n  - level: Request\n    verbs: [create]\n    omitManagedFields: false\n  - level: Request\n');
    expect(decide(p, get('pods', {}, 'create')).omitManagedFields).toBe(false);
    expect(decide(p, get('pods')).omitManagedFields).toBe(true);
  });

  test('omitStages: policy-wide and per rule', () => {
    const p = parseAuditPolicy('apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n  - level: Metadata\n    omitStages: [ResponseStarted]\n');
    expect([...decide(p, get('pods')).omitStages].sort()).toEqual(['RequestReceived', 'ResponseStarted']);
  });

  test('the default policy: leases and events at None, probes at None, the rest Metadata', () => {
    const p = parseAuditPolicy(DEFAULT_POLICY_YAML);
    expect(decide(p, get('leases', { group: 'coordination.k8s.io' }, 'update')).level).toBe('None');
    expect(decide(p, get('leases', { group: 'coordination.k8s.io' }, 'delete')).level).toBe('Metadata');
    expect(decide(p, get('events', {}, 'create')).level).toBe('None');
    expect(decide(p, { verb: 'get', path: '/readyz' }).level).toBe('None');
    expect(decide(p, get('secrets', {}, 'list')).level).toBe('Metadata');
  });
});

describe('policy file errors name the field', () => {
  const cases: [string, RegExp][] = [
    ['apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules: []\n', /apiVersion: must be audit.k8s.io\/v1/],
    ['apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: Everything\n', /rules\[0\]\.level: must be one of None, Metadata, Request, RequestResponse/],
    ['apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: None\n    user: [x]\n', /rules\[0\]\.user: unknown field/],
    ['apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: None\n    omitStages: [Started]\n', /rules\[0\]\.omitStages\[0\]: unknown stage/],
    ['apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: None\n    verbs: get\n', /rules\[0\]\.verbs: must be a list of strings/],
    ['apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: None\n    nonResourceURLs: [/x]\n    namespaces: [a]\n', /rules\[0\]: nonResourceURLs cannot be combined/],
  ];
  for (const [text, re] of cases) test(re.source, () => expect(() => parseAuditPolicy(text)).toThrow(re));
});
