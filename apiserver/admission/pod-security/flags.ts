// The apiserver flags of Pod Security admission, parsed into its config (clear errors for
// bad values, as every orch flag):
//   --pod-security-default <level>            enforce level of unlabelled namespaces (baseline)
//   --pod-security-exempt-namespaces <list>   not checked (kube-system)
//   --pod-security-exempt-users <list>        not checked (none)
//   --pod-security-allowed-host-paths <list>  hostPath prefixes baseline allows (none; never the Docker socket)

import { LEVELS, type Level } from './checks.js';
import { DEFAULT_POD_SECURITY, type PodSecurityConfig } from './admission.js';

export interface PodSecurityFlags {
  podSecurityDefault?: string;
  podSecurityExemptNamespaces?: string;
  podSecurityExemptUsers?: string;
  podSecurityAllowedHostPaths?: string;
}

const list = (v: string | undefined, dflt: readonly string[]) => (v === undefined ? [...dflt] : v.split(',').map((s) => s.trim()).filter(Boolean));

export function podSecurityFromFlags(f: PodSecurityFlags): PodSecurityConfig {
  const level = f.podSecurityDefault ?? DEFAULT_POD_SECURITY.defaultLevel;
  if (!(LEVELS as readonly string[]).includes(level)) throw new Error(`invalid --pod-security-default ${level}: one of ${LEVELS.join(', ')}`);
  const hostPaths = list(f.podSecurityAllowedHostPaths, DEFAULT_POD_SECURITY.allowedHostPaths);
  for (const p of hostPaths) if (!p.startsWith('/') || p.split('/').includes('..')) throw new Error(`invalid --pod-security-allowed-host-paths entry ${p}: an absolute path without '..'`);
  return {
    defaultLevel: level as Level,
    exemptNamespaces: list(f.podSecurityExemptNamespaces, DEFAULT_POD_SECURITY.exemptNamespaces),
    exemptUsers: list(f.podSecurityExemptUsers, DEFAULT_POD_SECURITY.exemptUsers),
    allowedHostPaths: hostPaths,
  };
}
