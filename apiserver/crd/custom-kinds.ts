// From one CustomResourceDefinition to the ResourceInfos it serves (one per served
// version), each with its hooks (api/crd-types.ts CustomKindHooks): the version's schema
// compiled once with ajv, pruning/defaulting, the table of its additionalPrinterColumns,
// /status and /scale as declared. Built again only when the CRD's resourceVersion moves.

import type { ResourceInfo, Subresource } from '../../api/resources.js';
import type { KubeObject } from '../../api/types.js';
import type { CustomKindHooks, CustomResourceColumnDefinition, CustomResourceDefinition, CustomResourceDefinitionVersion, JSONSchemaProps } from '../../api/crd-types.js';
import { AGE, column, NAME, type Cell, type KindTable, type TableColumnDefinition } from '../../api/tables/columns.js';
import { timestampAge } from '../../api/tables/duration.js';
import { evalJsonPath, parseJsonPath } from '../../api/tables/jsonpath.js';
import { compileSchema, schemaCauses } from './schema-validation.js';
import { applySchemaDefaults, hasDefaults, pruneAndDefault, unknownFieldPaths } from './structural.js';

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;

function cellOf(col: CustomResourceColumnDefinition, steps: ReturnType<typeof parseJsonPath>, obj: KubeObject, now: number): Cell {
  if (!steps) return '';
  const values = evalJsonPath(steps, obj);
  if (values.length === 0) return '<none>';
  if (col.type === 'date') return values.length === 1 && typeof values[0] === 'string' ? timestampAge(values[0], now) : '<invalid>';
  if (values.length === 1) {
    const v = values[0];
    if (col.type === 'integer' && typeof v === 'number') return v;
    if (col.type === 'number' && typeof v === 'number') return v;
    if (col.type === 'boolean' && typeof v === 'boolean') return v;
  }
  return values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(',');
}

function tableOf(cols: CustomResourceColumnDefinition[] | undefined): KindTable {
  if (!cols || cols.length === 0)
    return { columns: [NAME, AGE], row: (o, now) => [o.metadata.name ?? '', timestampAge(o.metadata.creationTimestamp, now)] };
  const parsed = cols.map((c) => ({ c, steps: parseJsonPath(c.jsonPath) }));
  const defs: TableColumnDefinition[] = [
    NAME,
    ...cols.map((c) => ({
      // Dates go out as ages (as the Age column of built-in kinds), so as strings.
      ...column(c.name, c.type === 'date' ? 'string' : (c.type as TableColumnDefinition['type'])),
      format: c.format ?? '',
      description: c.description ?? '',
      priority: c.priority ?? 0,
    })),
  ];
  return { columns: defs, row: (o, now) => [o.metadata.name ?? '', ...parsed.map(({ c, steps }) => cellOf(c, steps, o, now))] };
}

function hooksFor(crd: CustomResourceDefinition, v: CustomResourceDefinitionVersion, storageVersion: string): CustomKindHooks {
  const schema = (v.schema?.openAPIV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }) as JSONSchemaProps;
  const validate = compileSchema(schema);
  const defaults = hasDefaults(schema);
  return {
    crdName: crd.metadata.name!,
    storageVersion,
    statusSubresource: v.subresources?.status !== undefined,
    scale: v.subresources?.scale,
    normalize: (obj) => pruneAndDefault(obj as Record<string, unknown>, schema),
    readDefaults: defaults ? (obj) => applySchemaDefaults(obj as Record<string, unknown>, schema) : undefined,
    unknownFields: (obj) => unknownFieldPaths(obj, schema),
    validate: (obj) => schemaCauses(validate, obj),
    table: tableOf(v.additionalPrinterColumns),
    deprecationWarning: v.deprecated ? (v.deprecationWarning ?? `${crd.spec.group}/${v.name} ${crd.spec.names.kind} is deprecated`) : undefined,
    schema,
  };
}

/** The served versions of a CRD as resources (none while its spec is unusable). */
export function customResources(crd: CustomResourceDefinition): ResourceInfo[] {
  const spec = crd.spec;
  const storage = spec.versions.find((v) => v.storage)?.name;
  if (!storage) return [];
  // Served under the names accepted for it (crd-naming.ts): an established CRD whose new
  // kind or short name clashes in its group keeps the names it had.
  const accepted = crd.status?.acceptedNames;
  const names = accepted?.plural && accepted.kind ? { ...accepted, plural: spec.names.plural } : spec.names;
  const out: ResourceInfo[] = [];
  for (const v of spec.versions) {
    if (!v.served) continue;
    const subresources: Subresource[] = [];
    if (v.subresources?.status) subresources.push('status');
    if (v.subresources?.scale) subresources.push('scale');
    out.push({
      group: spec.group,
      version: v.name,
      kind: names.kind,
      listKind: names.listKind ?? `${names.kind}List`,
      plural: names.plural,
      singular: names.singular ?? names.kind.toLowerCase(),
      namespaced: spec.scope === 'Namespaced',
      shortNames: names.shortNames ?? [],
      categories: names.categories,
      verbs: [...ALL_VERBS],
      subresources,
      custom: hooksFor(crd, v, storage),
    });
  }
  return out;
}
