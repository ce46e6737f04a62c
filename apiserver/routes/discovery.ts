// Discovery documents, generated from api/resources.ts so a new kind shows up by itself.
// Shapes follow Kubernetes' legacy (unaggregated) discovery, which kubectl falls back to
// when the server answers aggregated-discovery requests with plain application/json.

import { RESOURCES, apiVersionOf, type ResourceInfo } from '../../api/resources.js';
import type { DiscoveryPath } from '../request-info.js';
import { VIRTUAL_RESOURCES } from '../registry/virtual-kinds.js';
import { CONVERTED_RESOURCES } from '../registry/converted-kinds.js';
import { CRD_RESOURCE } from '../crd/crd-resource.js';

/** Stored kinds (first: a group's preferred version), the CRD kind, converted views, then the create-only reviews (registry/virtual-kinds.ts). */
const SERVED: readonly ResourceInfo[] = [...RESOURCES, CRD_RESOURCE, ...CONVERTED_RESOURCES, ...VIRTUAL_RESOURCES];

export const KUBE_COMPAT_VERSION = { major: '1', minor: '32' };

export function versionInfo(version: string): Record<string, string> {
  return {
    major: KUBE_COMPAT_VERSION.major,
    minor: KUBE_COMPAT_VERSION.minor,
    gitVersion: `v${KUBE_COMPAT_VERSION.major}.${KUBE_COMPAT_VERSION.minor}.0-orch.${version}`,
    gitCommit: 'orch',
    gitTreeState: 'clean',
    buildDate: '1970-01-01T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'tsc',
    platform: `${process.platform}/${process.arch}`,
    orchVersion: version,
  };
}

const SUB_VERBS: Record<string, { verbs: string[]; kind?: string; group?: string; version?: string }> = {
  status: { verbs: ['get', 'patch', 'update'] },
  approval: { verbs: ['get', 'patch', 'update'] },
  scale: { verbs: ['get', 'patch', 'update'], kind: 'Scale', group: 'autoscaling', version: 'v1' },
  binding: { verbs: ['create'], kind: 'Binding', group: '', version: 'v1' },
  log: { verbs: ['get'], kind: 'Pod' },
  // kubectl drain looks for this entry (group and version set) before it evicts.
  eviction: { verbs: ['create'], kind: 'Eviction', group: 'policy', version: 'v1' },
  exec: { verbs: ['create', 'get'], kind: 'PodExecOptions' },
  attach: { verbs: ['create', 'get'], kind: 'PodAttachOptions' },
  portforward: { verbs: ['create', 'get'], kind: 'PodPortForwardOptions' },
  token: { verbs: ['create'], kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1' },
};

function apiResources(group: string, version: string, served: readonly ResourceInfo[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const r of served.filter((x) => x.group === group && x.version === version)) {
    const entry: Record<string, unknown> = {
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: [...r.verbs].sort(),
    };
    if (r.shortNames.length > 0) entry.shortNames = r.shortNames;
    if (r.categories) entry.categories = r.categories;
    out.push(entry);
    for (const sub of r.subresources) {
      const s = SUB_VERBS[sub]!;
      const e: Record<string, unknown> = { name: `${r.plural}/${sub}`, singularName: '', namespaced: r.namespaced, kind: s.kind ?? r.kind, verbs: s.verbs };
      if (s.group !== undefined) e.group = s.group;
      if (s.version !== undefined) e.version = s.version;
      out.push(e);
    }
  }
  return out;
}

function groupEntry(group: string, served: readonly ResourceInfo[]): Record<string, unknown> {
  const versions = [...new Set(served.filter((r) => r.group === group).map((r) => r.version))];
  const gv = (v: string) => ({ groupVersion: apiVersionOf({ group, version: v }), version: v });
  return { name: group, versions: versions.map(gv), preferredVersion: gv(versions[0]!) };
}

function groupsOf(resources: readonly ResourceInfo[]): string[] {
  return [...new Set(resources.map((r) => r.group).filter((g) => g !== ''))];
}

/** `custom`: the custom resources of CRDs (crd/crd-registry.ts), listed after the built-in kinds. */
export function discoveryDocument(p: DiscoveryPath, serverAddress: string, custom: readonly ResourceInfo[] = []): Record<string, unknown> {
  const served = custom.length === 0 ? SERVED : [...SERVED, ...custom];
  switch (p.type) {
    case 'core-versions':
      return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
    case 'groups':
      return { kind: 'APIGroupList', apiVersion: 'v1', groups: groupsOf(served).map((g) => groupEntry(g, served)) };
    case 'group':
      return { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(p.group, served) };
    case 'resources':
      return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(p), resources: apiResources(p.group, p.version, served) };
  }
}
