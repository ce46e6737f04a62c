// `orch up --pod-security-default LEVEL --pod-security-exempt-namespaces LIST`: passed to
// the apiserver it starts (apiserver/admission/pod-security/flags.ts), checked here first
// so a typo fails `orch up` at once with the apiserver's own message instead of a crash
// loop under the supervisor. Given or not, each `orch up` records them in the cluster's
// apiserver command (cluster.json), so a restarted apiserver keeps them.

import { podSecurityFromFlags } from '../../apiserver/admission/pod-security/flags.js';

export interface UpPodSecurity {
  podSecurityDefault?: string;
  podSecurityExemptNamespaces?: string;
}

/** The apiserver arguments for these flags (none when neither is given: the apiserver's defaults). */
export function podSecurityArgs(f: UpPodSecurity): string[] {
  podSecurityFromFlags(f);
  return [
    ...(f.podSecurityDefault !== undefined ? ['--pod-security-default', f.podSecurityDefault] : []),
    ...(f.podSecurityExemptNamespaces !== undefined ? ['--pod-security-exempt-namespaces', f.podSecurityExemptNamespaces] : []),
  ];
}
