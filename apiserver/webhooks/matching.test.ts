// Kubernetes' webhook matching rules, case by case (pure functions, no server).

import { describe, expect, test } from 'vitest';
import { findResource } from '../../api/resources.js';
import { selectorFromLabelSelector } from '../../api/selectors/labels.js';
import type { KubeObject } from '../../api/types.js';
import { deniedError } from './dispatcher.js';
import { isExempt, namespaceMatches, objectMatches, ruleMatches, targetOf } from './matching.js';
import { resolveService } from './service-resolver.js';

const pods = findResource('', 'v1', 'pods')!;
const namespaces = findResource('', 'v1', 'namespaces')!;
const nodes = findResource('', 'v1', 'nodes')!;
const rule = (resources: string[], extra: object = {}) => ({ operations: ['CREATE' as const], apiGroups: [''], apiVersions: ['v1'], resources, ...extra });
const obj = (labels?: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'X', metadata: { name: 'x', labels } });

describe('rules', () => {
  test('resources with and without subresources', () => {
    const main = targetOf(pods, undefined);
    const status = targetOf(pods, 'status');
    expect(ruleMatches(rule(['pods']), 'CREATE', main)).toBe(true);
    expect(ruleMatches(rule(['pods']), 'CREATE', status)).toBe(false);
    expect(ruleMatches(rule(['pods/status']), 'CREATE', status)).toBe(true);
    expect(ruleMatches(rule(['pods/status']), 'CREATE', main)).toBe(false);
    expect(ruleMatches(rule(['pods/*']), 'CREATE', status)).toBe(true);
    expect(ruleMatches(rule(['*']), 'CREATE', main)).toBe(true);
    expect(ruleMatches(rule(['*']), 'CREATE', status)).toBe(false);
    expect(ruleMatches(rule(['*/*']), 'CREATE', status)).toBe(true);
    expect(ruleMatches(rule(['*/status']), 'CREATE', status)).toBe(true);
  });
  test('operations, groups, versions and scope', () => {
    const main = targetOf(pods, undefined);
    expect(ruleMatches(rule(['pods']), 'UPDATE', main)).toBe(false);
    expect(ruleMatches(rule(['pods'], { operations: ['*'] }), 'DELETE', main)).toBe(true);
    expect(ruleMatches(rule(['pods'], { apiGroups: ['apps'] }), 'CREATE', main)).toBe(false);
    expect(ruleMatches(rule(['pods'], { apiVersions: ['v2'] }), 'CREATE', main)).toBe(false);
    expect(ruleMatches(rule(['pods'], { scope: 'Cluster' }), 'CREATE', main)).toBe(false);
    expect(ruleMatches(rule(['pods'], { scope: 'Namespaced' }), 'CREATE', main)).toBe(true);
    expect(ruleMatches(rule(['nodes'], { scope: 'Cluster' }), 'CREATE', targetOf(nodes, undefined))).toBe(true);
  });
  test('webhook configurations are exempt', () => {
    expect(isExempt({ group: 'admissionregistration.k8s.io' })).toBe(true);
    expect(isExempt({ group: '' })).toBe(false);
  });
});

describe('selectors', () => {
  const sel = selectorFromLabelSelector({ matchLabels: { team: 'a' } });
  test('namespaceSelector: the namespace\'s labels; a Namespace its own; other cluster-scoped kinds always', () => {
    expect(namespaceMatches(sel, { resource: pods, operation: 'CREATE', namespaceObject: obj({ team: 'a' }) })).toBe(true);
    expect(namespaceMatches(sel, { resource: pods, operation: 'CREATE', namespaceObject: obj({ team: 'b' }) })).toBe(false);
    expect(namespaceMatches(sel, { resource: namespaces, operation: 'CREATE', object: obj({ team: 'a' }) })).toBe(true);
    expect(namespaceMatches(sel, { resource: namespaces, operation: 'DELETE', oldObject: obj({ team: 'a' }) })).toBe(true);
    expect(namespaceMatches(sel, { resource: namespaces, operation: 'CREATE', object: obj() })).toBe(false);
    expect(namespaceMatches(sel, { resource: nodes, operation: 'CREATE', object: obj() })).toBe(true);
    expect(namespaceMatches(undefined, { resource: pods, operation: 'CREATE' })).toBe(true);
  });
  test('objectSelector: new or old labels', () => {
    expect(objectMatches(sel, { object: obj({ team: 'a' }) })).toBe(true);
    expect(objectMatches(sel, { object: obj(), oldObject: obj({ team: 'a' }) })).toBe(true);
    expect(objectMatches(sel, { object: obj(), oldObject: obj() })).toBe(false);
  });
});

describe('refusals and service references', () => {
  test("Kubernetes' ToStatusErr wording and codes", () => {
    expect(deniedError('w.x.y', { code: 403, message: 'no' }).status).toMatchObject({ code: 403, reason: 'Forbidden', message: 'admission webhook "w.x.y" denied the request: no' });
    expect(deniedError('w.x.y', undefined).status).toMatchObject({ code: 400, message: 'admission webhook "w.x.y" denied the request without explanation' });
    expect(deniedError('w.x.y', { code: 200, reason: 'Because' as never }).status).toMatchObject({ code: 400, message: 'admission webhook "w.x.y" denied the request: Because' });
  });
  test('a Service reference resolves to its cluster IP, TLS name <svc>.<ns>.svc', async () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'hook', namespace: 'ns' }, spec: { clusterIP: '10.96.0.20', ports: [{ port: 443 }, { port: 8443 }] } };
    const lookup = async (ns: string, name: string) => (ns === 'ns' && name === 'hook' ? svc : undefined);
    expect(await resolveService({ namespace: 'ns', name: 'hook', path: '/v', port: 8443 }, lookup)).toEqual({ host: '10.96.0.20', port: 8443, path: '/v', servername: 'hook.ns.svc' });
    expect(await resolveService({ namespace: 'ns', name: 'hook' }, lookup)).toMatchObject({ port: 443, path: '/' });
    await expect(resolveService({ namespace: 'ns', name: 'gone' }, lookup)).rejects.toThrow('service "ns/gone" not found');
    await expect(resolveService({ namespace: 'ns', name: 'hook', port: 9 }, lookup)).rejects.toThrow('has no port 9');
  });
});
