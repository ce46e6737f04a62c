import { describe, expect, it } from 'vitest';
import { podSecurityFromFlags } from './flags.js';

describe('--pod-security-* flags', () => {
  it('defaults: baseline, kube-system exempt, no users, no hostPaths', () => {
    expect(podSecurityFromFlags({})).toEqual({ defaultLevel: 'baseline', exemptNamespaces: ['kube-system'], exemptUsers: [], allowedHostPaths: [] });
  });
  it('lists are comma-separated; empty means none', () => {
    expect(podSecurityFromFlags({ podSecurityDefault: 'restricted', podSecurityExemptNamespaces: '', podSecurityExemptUsers: 'ops, ci', podSecurityAllowedHostPaths: '/srv/data,/var/log' })).toEqual({
      defaultLevel: 'restricted',
      exemptNamespaces: [],
      exemptUsers: ['ops', 'ci'],
      allowedHostPaths: ['/srv/data', '/var/log'],
    });
  });
  it('refuses unknown levels and relative or .. paths', () => {
    expect(() => podSecurityFromFlags({ podSecurityDefault: 'strict' })).toThrow('invalid --pod-security-default strict: one of privileged, baseline, restricted');
    expect(() => podSecurityFromFlags({ podSecurityAllowedHostPaths: 'srv' })).toThrow(/--pod-security-allowed-host-paths entry srv/);
    expect(() => podSecurityFromFlags({ podSecurityAllowedHostPaths: '/srv/../etc' })).toThrow(/without '\.\.'/);
  });
});
