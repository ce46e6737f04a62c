import { describe, expect, it } from 'vitest';
import type { StatusCause } from '../errors.js';
import { validateObject } from './index.js';
import { expectCause, res, validPod, type AnyObj } from '../testing/validation-fixtures.js';

const causes = (obj: AnyObj): StatusCause[] => validateObject(res('Pod'), obj);

describe('pod DNS validation', () => {
  it('accepts every policy, and dnsConfig merged with any of them', () => {
    for (const dnsPolicy of ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default']) {
      const p = validPod();
      p.spec.dnsPolicy = dnsPolicy;
      p.spec.dnsConfig = { nameservers: ['1.1.1.1', 'fd00::53'], searches: ['corp.example', 'example.com.'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] };
      expect(causes(p)).toEqual([]);
    }
    const none = validPod();
    none.spec.dnsPolicy = 'None';
    none.spec.dnsConfig = { nameservers: ['10.0.0.53'] };
    expect(causes(none)).toEqual([]);
  });

  type Case = [string, (p: AnyObj) => void, string, string, RegExp?];
  it.each<Case>([
    ['unknown policy', (p) => (p.spec.dnsPolicy = 'Cluster'), 'spec.dnsPolicy', 'FieldValueNotSupported', /"ClusterFirst"/],
    ['None without dnsConfig', (p) => (p.spec.dnsPolicy = 'None'), 'spec.dnsConfig', 'FieldValueRequired', /dnsPolicy/],
    ['None without nameservers', (p) => ((p.spec.dnsPolicy = 'None'), (p.spec.dnsConfig = { searches: ['a.b'] })), 'spec.dnsConfig.nameservers', 'FieldValueRequired', /at least one/],
    ['4 nameservers', (p) => (p.spec.dnsConfig = { nameservers: ['1.1.1.1', '1.1.1.2', '1.1.1.3', '1.1.1.4'] }), 'spec.dnsConfig.nameservers', 'FieldValueInvalid', /more than 3/],
    ['nameserver not an IP', (p) => (p.spec.dnsConfig = { nameservers: ['dns.example'] }), 'spec.dnsConfig.nameservers[0]', 'FieldValueInvalid', /IP address/],
    ['33 searches', (p) => (p.spec.dnsConfig = { searches: Array.from({ length: 33 }, (_, i) => `s${i}.example`) }), 'spec.dnsConfig.searches', 'FieldValueInvalid', /more than 32/],
    ['search list too long', (p) => (p.spec.dnsConfig = { searches: Array.from({ length: 12 }, (_, i) => `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.x${i}`) }), 'spec.dnsConfig.searches', 'FieldValueInvalid', /2048 characters/],
    ['invalid search', (p) => (p.spec.dnsConfig = { searches: ['Bad_Domain'] }), 'spec.dnsConfig.searches[0]', 'FieldValueInvalid'],
    ['option without name', (p) => (p.spec.dnsConfig = { options: [{ value: '1' }] }), 'spec.dnsConfig.options[0].name', 'FieldValueRequired'],
    ['option name with a colon', (p) => (p.spec.dnsConfig = { options: [{ name: 'ndots:5' }] }), 'spec.dnsConfig.options[0].name', 'FieldValueInvalid'],
    ['dnsConfig not an object', (p) => (p.spec.dnsConfig = 'x'), 'spec.dnsConfig', 'FieldValueInvalid'],
  ])('%s', (_name, mutate, field, reason, message) => {
    const p = validPod();
    mutate(p);
    expectCause(causes(p), field, reason, message);
  });
});
