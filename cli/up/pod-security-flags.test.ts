import { describe, expect, it } from 'vitest';
import { podSecurityArgs } from './pod-security-flags.js';

describe('orch up --pod-security-*', () => {
  it('passes the flags given to the apiserver, nothing when none is given', () => {
    expect(podSecurityArgs({})).toEqual([]);
    expect(podSecurityArgs({ podSecurityDefault: 'restricted', podSecurityExemptNamespaces: 'kube-system,ci' })).toEqual([
      '--pod-security-default',
      'restricted',
      '--pod-security-exempt-namespaces',
      'kube-system,ci',
    ]);
    // An empty list exempts nothing (kube-system is then checked too).
    expect(podSecurityArgs({ podSecurityExemptNamespaces: '' })).toEqual(['--pod-security-exempt-namespaces', '']);
  });

  it('refuses a level the apiserver would refuse, before starting anything', () => {
    expect(() => podSecurityArgs({ podSecurityDefault: 'strict' })).toThrow('invalid --pod-security-default strict: one of privileged, baseline, restricted');
  });
});
