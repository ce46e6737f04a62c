// Which definitions are the bodies of which kinds: every resource of api/resources.ts
// (a kind added there is in the OpenAPI as soon as its protobuf message exists, e.g.
// policy/v1 PodDisruptionBudget), its list, and the bodies of subresources and errors.

import { RESOURCES, type ResourceInfo } from '../resources.js';
import type { KindDef, MessageShape, ShapeField } from './build.js';
import type { GroupVersionKind } from './model.js';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

/** Upstream's definition name: io.k8s.api.{package}.{version}.{Kind}, package = the group's first label. */
export function definitionName(group: string, version: string, kind: string): string {
  return `io.k8s.api.${group === '' ? 'core' : group.split('.')[0]}.${version}.${kind}`;
}

/** Bodies of subresources, not resources of their own. */
const SUBRESOURCE_BODIES: GroupVersionKind[] = [
  { group: '', version: 'v1', kind: 'Binding' },
  { group: 'autoscaling', version: 'v1', kind: 'Scale' },
  // Served as a converted view of the stored autoscaling/v2 object (apiserver/registry/converted-kinds.ts).
  { group: 'autoscaling', version: 'v1', kind: 'HorizontalPodAutoscaler' },
  { group: 'policy', version: 'v1', kind: 'Eviction' },
  { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' },
];

export function servedKindDefs(resources: readonly ResourceInfo[] = RESOURCES): KindDef[] {
  const defs: KindDef[] = [];
  const groupVersions = new Map<string, GroupVersionKind>();
  for (const r of resources) {
    defs.push({ name: definitionName(r.group, r.version, r.kind), gvks: [{ group: r.group, version: r.version, kind: r.kind }] });
    defs.push({
      name: definitionName(r.group, r.version, r.listKind),
      gvks: [{ group: r.group, version: r.version, kind: r.listKind }],
      listOf: definitionName(r.group, r.version, r.kind),
    });
    groupVersions.set(`${r.group}/${r.version}`, { group: r.group, version: r.version, kind: 'DeleteOptions' });
  }
  for (const g of SUBRESOURCE_BODIES) {
    defs.push({ name: definitionName(g.group, g.version, g.kind), gvks: [g] });
    groupVersions.set(`${g.group}/${g.version}`, { group: g.group, version: g.version, kind: 'DeleteOptions' });
  }
  defs.push({ name: `${META}.Status`, gvks: [{ group: '', version: 'v1', kind: 'Status' }] });
  defs.push({ name: `${META}.DeleteOptions`, gvks: [...groupVersions.values()] });
  return defs;
}

function f(jsonName: string, type: string, more: Partial<ShapeField> = {}): ShapeField {
  const message = type.includes('.');
  return { jsonName, type, message, repeated: false, map: false, inline: false, ...more };
}

/**
 * Messages orch answers with but never decodes from protobuf, so they are not in its
 * protobuf schemas: written here with upstream's fields (meta/v1 types.go).
 */
export const ANSWER_SHAPES: readonly MessageShape[] = [
  { name: `${META}.ListMeta`, fields: [f('selfLink', 'string'), f('resourceVersion', 'string'), f('continue', 'string'), f('remainingItemCount', 'int64')] },
  {
    name: `${META}.Status`,
    fields: [f('metadata', `${META}.ListMeta`), f('status', 'string'), f('message', 'string'), f('reason', 'string'), f('details', `${META}.StatusDetails`), f('code', 'int32')],
  },
  {
    name: `${META}.StatusDetails`,
    fields: [f('name', 'string'), f('group', 'string'), f('kind', 'string'), f('uid', 'string'), f('causes', `${META}.StatusCause`, { repeated: true }), f('retryAfterSeconds', 'int32')],
  },
  { name: `${META}.StatusCause`, fields: [f('reason', 'string'), f('message', 'string'), f('field', 'string')] },
];
