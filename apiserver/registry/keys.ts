// etcd key layout, as the storage layer expects it (apiserver/storage/keys.ts):
// /registry/{group}/{plural}/{namespace}/{name}, with no group segment for the core
// group (so core keys read /registry/pods/default/web, as in Kubernetes). The storage
// `prefix` option replaces the leading /registry. Collection prefixes end in '/' so
// namespace "a" never matches namespace "ab".

import type { ResourceInfo } from '../../api/resources.js';

export function collectionPrefix(r: Pick<ResourceInfo, 'group' | 'plural' | 'namespaced'>, namespace?: string): string {
  const base = r.group === '' ? `/registry/${r.plural}/` : `/registry/${r.group}/${r.plural}/`;
  return r.namespaced && namespace !== undefined ? `${base}${namespace}/` : base;
}

export function objectKeyFor(r: Pick<ResourceInfo, 'group' | 'plural' | 'namespaced'>, namespace: string | undefined, name: string): string {
  return `${collectionPrefix(r, namespace)}${name}`;
}
