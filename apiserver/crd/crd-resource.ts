// The CustomResourceDefinition kind itself (apiextensions.k8s.io/v1, cluster scope,
// crd/crds). Kept next to the custom-resource machinery rather than in api/resources.ts:
// its body (JSONSchemaProps, recursive) has no protobuf message in orch's schemas, and
// everything that walks RESOURCES (OpenAPI from those messages, the unimplemented-field
// review) is about kinds that have one. Routing, discovery and storage ask for it here.

import type { ResourceInfo } from '../../api/resources.js';
import { CRD_GROUP } from '../../api/crd-types.js';

export const CRD_RESOURCE: ResourceInfo = {
  group: CRD_GROUP,
  version: 'v1',
  kind: 'CustomResourceDefinition',
  listKind: 'CustomResourceDefinitionList',
  plural: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: ['status'],
};

export function findCrdResource(group: string, version: string, plural: string): ResourceInfo | undefined {
  return group === CRD_RESOURCE.group && version === CRD_RESOURCE.version && plural === CRD_RESOURCE.plural ? CRD_RESOURCE : undefined;
}
