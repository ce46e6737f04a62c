import { describe, expect, it } from 'vitest';
import { podOf, svcOf } from '../testing/service-fixtures.js';
import { endpointConditions, isEndpointCandidate, podEndpointPorts, resolveTargetPort, serviceAddressTypes } from './service-pods.js';

describe('port resolution', () => {
  const pod = podOf('p1', { port: 9090 });
  it('numbers as is, absent = the service port, digit strings as numbers', () => {
    expect(resolveTargetPort({ port: 80, targetPort: 8000 }, pod)).toBe(8000);
    expect(resolveTargetPort({ port: 80 }, pod)).toBe(80);
    expect(resolveTargetPort({ port: 80, targetPort: '7000' }, pod)).toBe(7000);
  });
  it('names are looked up in the pod with the same protocol', () => {
    expect(resolveTargetPort({ port: 80, targetPort: 'http' }, pod)).toBe(9090);
    expect(resolveTargetPort({ port: 53, targetPort: 'dns', protocol: 'UDP' }, pod)).toBe(53);
    expect(resolveTargetPort({ port: 53, targetPort: 'dns', protocol: 'TCP' }, pod)).toBeUndefined();
    expect(resolveTargetPort({ port: 80, targetPort: 'nope' }, pod)).toBeUndefined();
  });
  it('a port the pod cannot resolve is left out of its mapping', () => {
    const svc = svcOf({ ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'admin', port: 81, targetPort: 'admin', appProtocol: 'http' }] });
    expect(podEndpointPorts(svc, pod)).toEqual([{ name: 'http', protocol: 'TCP', port: 9090 }]);
  });
});

describe('conditions', () => {
  const svc = svcOf();
  it('ready = serving && !terminating', () => {
    expect(endpointConditions(podOf('a'), svc)).toEqual({ ready: true, serving: true, terminating: false });
    expect(endpointConditions(podOf('a', { ready: false }), svc)).toEqual({ ready: false, serving: false, terminating: false });
    expect(endpointConditions(podOf('a', { deleting: true }), svc)).toEqual({ ready: false, serving: true, terminating: true });
  });
  it('publishNotReadyAddresses makes every endpoint ready (serving still tells the truth, as in Kubernetes)', () => {
    const pub = svcOf({ publishNotReadyAddresses: true });
    expect(endpointConditions(podOf('a', { ready: false }), pub)).toEqual({ ready: true, serving: false, terminating: false });
    expect(endpointConditions(podOf('a', { deleting: true }), pub)).toEqual({ ready: true, serving: true, terminating: true });
  });
  it('candidates: on a node, with an IP, not finished; terminating only when asked', () => {
    expect(isEndpointCandidate(podOf('a'), false)).toBe(true);
    expect(isEndpointCandidate(podOf('a', { ip: [] }), true)).toBe(false);
    expect(isEndpointCandidate(podOf('a', { phase: 'Succeeded' }), true)).toBe(false);
    expect(isEndpointCandidate(podOf('a', { phase: 'Failed' }), true)).toBe(false);
    expect(isEndpointCandidate(podOf('a', { deleting: true }), true)).toBe(true);
    expect(isEndpointCandidate(podOf('a', { deleting: true }), false)).toBe(false);
    const unbound = podOf('a');
    delete unbound.spec.nodeName;
    expect(isEndpointCandidate(unbound, true)).toBe(false);
  });
});

describe('address types', () => {
  it('from ipFamilies, else the cluster IP, else the pods', () => {
    expect(serviceAddressTypes(svcOf({ ipFamilies: ['IPv6', 'IPv4'] }), [])).toEqual(['IPv6', 'IPv4']);
    expect(serviceAddressTypes(svcOf({ clusterIP: 'fd00::10' }), [])).toEqual(['IPv6']);
    expect(serviceAddressTypes(svcOf({ clusterIP: 'None' }), [podOf('a', { ip: ['10.244.0.1', 'fd00::1'] })])).toEqual(['IPv4', 'IPv6']);
    expect(serviceAddressTypes(svcOf({ clusterIP: 'None' }), [])).toEqual(['IPv4']);
  });
});
