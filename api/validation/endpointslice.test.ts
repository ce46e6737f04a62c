import { describe, expect, it } from 'vitest';
import { expectCause, res, validEndpointSlice, type AnyObj } from '../testing/validation-fixtures.js';
import { applyDefaults } from '../defaults.js';
import { validateObject } from './index.js';

const v = (o: AnyObj, old?: AnyObj) => validateObject(res('EndpointSlice'), o, old);

describe('EndpointSlice validation', () => {
  it('accepts a slice as the controller writes it, and an empty one', () => {
    expect(v(validEndpointSlice())).toEqual([]);
    const empty = validEndpointSlice();
    empty.endpoints = [];
    delete empty.ports;
    expect(v(empty)).toEqual([]);
    const v6 = validEndpointSlice();
    v6.addressType = 'IPv6';
    v6.endpoints[0].addresses = ['fd00:10:244::7'];
    expect(v(v6)).toEqual([]);
    const fqdn = validEndpointSlice();
    fqdn.addressType = 'FQDN';
    fqdn.endpoints[0].addresses = ['db.example.com'];
    expect(v(fqdn)).toEqual([]);
  });

  it.each<[string, (s: AnyObj) => void, string, string]>([
    ['addressType missing', (s) => delete s.addressType, 'addressType', 'FieldValueRequired'],
    ['addressType unknown', (s) => (s.addressType = 'IPv5'), 'addressType', 'FieldValueNotSupported'],
    ['IPv6 address in an IPv4 slice', (s) => (s.endpoints[0].addresses = ['fd00::1']), 'endpoints[0].addresses[0]', 'FieldValueInvalid'],
    ['garbage address', (s) => (s.endpoints[0].addresses = ['10.0.0.300']), 'endpoints[0].addresses[0]', 'FieldValueInvalid'],
    ['IPv4 address in an IPv6 slice', (s) => ((s.addressType = 'IPv6'), (s.endpoints[0].addresses = ['10.0.0.1'])), 'endpoints[0].addresses[0]', 'FieldValueInvalid'],
    ['bad FQDN', (s) => ((s.addressType = 'FQDN'), (s.endpoints[0].addresses = ['Not_A_Name'])), 'endpoints[0].addresses[0]', 'FieldValueInvalid'],
    ['no addresses', (s) => (s.endpoints[0].addresses = []), 'endpoints[0].addresses', 'FieldValueRequired'],
    ['addresses absent', (s) => delete s.endpoints[0].addresses, 'endpoints[0].addresses', 'FieldValueRequired'],
    ['101 addresses', (s) => (s.endpoints[0].addresses = Array.from({ length: 101 }, (_, i) => `10.0.${i >> 8}.${i & 255}`)), 'endpoints[0].addresses', 'FieldValueInvalid'],
    ['1001 endpoints', (s) => (s.endpoints = Array.from({ length: 1001 }, () => ({ addresses: ['10.0.0.1'] }))), 'endpoints', 'FieldValueInvalid'],
    ['condition not a boolean', (s) => (s.endpoints[0].conditions.ready = 'yes'), 'endpoints[0].conditions.ready', 'FieldValueInvalid'],
    ['terminating not a boolean', (s) => (s.endpoints[0].conditions.terminating = 1), 'endpoints[0].conditions.terminating', 'FieldValueInvalid'],
    ['bad nodeName', (s) => (s.endpoints[0].nodeName = 'Node_1'), 'endpoints[0].nodeName', 'FieldValueInvalid'],
    ['bad hostname', (s) => (s.endpoints[0].hostname = 'web.0'), 'endpoints[0].hostname', 'FieldValueInvalid'],
    ['port name not a DNS label', (s) => (s.ports[0].name = 'HTTP'), 'ports[0].name', 'FieldValueInvalid'],
    ['duplicate port name', (s) => s.ports.push({ name: 'http', port: 81, protocol: 'TCP' }), 'ports[1].name', 'FieldValueDuplicate'],
    ['two unnamed ports', (s) => (s.ports = [{ port: 80 }, { port: 81 }]), 'ports[1].name', 'FieldValueDuplicate'],
    ['protocol', (s) => (s.ports[0].protocol = 'ICMP'), 'ports[0].protocol', 'FieldValueNotSupported'],
    ['port 0', (s) => (s.ports[0].port = 0), 'ports[0].port', 'FieldValueInvalid'],
    ['port 65536', (s) => (s.ports[0].port = 65536), 'ports[0].port', 'FieldValueInvalid'],
    ['101 ports', (s) => (s.ports = Array.from({ length: 101 }, (_, i) => ({ name: `p${i}`, port: 1000 + i }))), 'ports', 'FieldValueInvalid'],
    ['endpoints not an array', (s) => (s.endpoints = {}), 'endpoints', 'FieldValueInvalid'],
  ])('%s', (_n, mutate, field, reason) => {
    const s = validEndpointSlice();
    mutate(s);
    expectCause(v(s), field, reason);
  });

  it('addressType is immutable; the rest may change', () => {
    const old = validEndpointSlice();
    const moved = validEndpointSlice();
    moved.addressType = 'FQDN';
    moved.endpoints = [];
    expectCause(v(moved, old), 'addressType', 'FieldValueInvalid', /field is immutable/);
    const changed = validEndpointSlice();
    changed.endpoints[0].addresses = ['10.244.1.8'];
    expect(v(changed, old)).toEqual([]);
  });

  it('defaults: endpoints [] and port protocol TCP', () => {
    const s: AnyObj = { metadata: { name: 'x', namespace: 'default' }, addressType: 'IPv4', ports: [{ name: 'a', port: 53 }] };
    applyDefaults(res('EndpointSlice'), s);
    expect(s.endpoints).toEqual([]);
    expect(s.ports[0].protocol).toBe('TCP');
    expect(v(s)).toEqual([]);
  });
});
