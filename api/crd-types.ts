// apiextensions.k8s.io/v1 CustomResourceDefinition: its TypeScript shape, and the hooks a
// custom resource's ResourceInfo carries (api/resources.ts `custom`) so that the generic
// write steps (strategies, validation, defaults, tables, /scale) treat a custom kind by
// its CRD instead of by a kind name a built-in could share. The hooks are built in
// apiserver/crd/ (ajv); api/ only knows their shape.

import type { StatusCause } from './errors.js';
import type { KubeObject } from './types.js';
import type { KindTable } from './tables/columns.js';

export const CRD_GROUP = 'apiextensions.k8s.io';
/** Kubernetes' finalizer: the CRD's objects are deleted before the CRD goes. */
export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

/** JSONSchemaProps: the subset of OpenAPI v3 a structural schema may use. */
export interface JSONSchemaProps {
  type?: string;
  format?: string;
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  nullable?: boolean;
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps | boolean;
  items?: JSONSchemaProps;
  required?: string[];
  allOf?: JSONSchemaProps[];
  anyOf?: JSONSchemaProps[];
  oneOf?: JSONSchemaProps[];
  not?: JSONSchemaProps;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: string;
  [k: string]: unknown;
}

export interface CustomResourceColumnDefinition {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

export interface CustomResourceSubresourceScale {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export interface CustomResourceDefinitionVersion {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  schema?: { openAPIV3Schema?: JSONSchemaProps };
  subresources?: { status?: Record<string, never>; scale?: CustomResourceSubresourceScale };
  additionalPrinterColumns?: CustomResourceColumnDefinition[];
}

export interface CustomResourceDefinitionNames {
  plural: string;
  singular?: string;
  kind: string;
  listKind?: string;
  shortNames?: string[];
  categories?: string[];
}

export interface CustomResourceDefinitionSpec {
  group: string;
  names: CustomResourceDefinitionNames;
  scope: 'Namespaced' | 'Cluster';
  versions: CustomResourceDefinitionVersion[];
  conversion?: { strategy: string };
  preserveUnknownFields?: boolean;
}

export interface CustomResourceDefinitionCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface CustomResourceDefinition extends KubeObject {
  spec: CustomResourceDefinitionSpec;
  status?: {
    conditions?: CustomResourceDefinitionCondition[];
    acceptedNames?: CustomResourceDefinitionNames;
    storedVersions?: string[];
  };
}

/** What a custom kind's ResourceInfo carries: its CRD's rules for one served version. */
export interface CustomKindHooks {
  /** The CRD's name (plural.group) and resourceVersion the hooks were built from. */
  crdName: string;
  /** The version objects are stored at (conversion None: only apiVersion differs). */
  storageVersion: string;
  statusSubresource: boolean;
  scale?: CustomResourceSubresourceScale;
  /** Prunes fields the schema does not know and applies its defaults (Kubernetes' order). */
  normalize(obj: KubeObject): void;
  /** Schema defaults for objects read from etcd (absent: the schema has none). */
  readDefaults?(obj: KubeObject): void;
  /** The version's structural schema (OpenAPI, explain). */
  schema: JSONSchemaProps;
  /** Unknown fields of a body (what pruning would drop), for fieldValidation. */
  unknownFields(obj: unknown): string[];
  /** The schema's checks, with field paths as built-in kinds name them. */
  validate(obj: KubeObject): StatusCause[];
  /** Name + additionalPrinterColumns (or Name + Age). */
  table: KindTable;
  /** A Warning for clients of a deprecated version. */
  deprecationWarning?: string;
}
