import { describe, expect, it } from 'vitest';
import { structuralSchemaErrors } from './crd-schema.js';
import { builtInGroupReason, validateCustomResourceDefinition } from './crd.js';

const P = 'spec.versions[0].schema.openAPIV3Schema';
const fields = (schema: unknown) => structuralSchemaErrors(schema, P).map((c) => `${c.field} ${c.reason}`);

describe('structural schemas', () => {
  it('accepts a typed schema with int-or-string, preserve-unknown-fields and value validations', () => {
    expect(
      fields({
        type: 'object',
        properties: {
          metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 20 } } },
          spec: {
            type: 'object',
            properties: { port: { 'x-kubernetes-int-or-string': true }, any: { 'x-kubernetes-preserve-unknown-fields': true }, list: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' } },
            anyOf: [{ required: ['port'] }, { required: ['any'] }],
          },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
        },
      }),
    ).toEqual([]);
  });

  it('names what makes a schema non-structural', () => {
    expect(fields(undefined)).toEqual([`${P} FieldValueRequired`]);
    expect(fields({ type: 'object', properties: { a: { properties: {} } } })).toEqual([`${P}.properties[a].type FieldValueRequired`]);
    expect(fields({ type: 'object', properties: { a: { type: 'array' } } })).toEqual([`${P}.properties[a].items FieldValueRequired`]);
    expect(fields({ type: 'object', properties: { a: { type: 'object', properties: {}, additionalProperties: { type: 'string' } } } })).toEqual([`${P}.properties[a].additionalProperties FieldValueForbidden`]);
    expect(fields({ type: 'object', anyOf: [{ type: 'string' }] })).toEqual([`${P}.anyOf[0].type FieldValueForbidden`]);
    expect(fields({ type: 'object', properties: { metadata: { type: 'object', properties: { labels: { type: 'object' } } } } })).toEqual([`${P}.properties[metadata].properties[labels] FieldValueForbidden`]);
    expect(fields({ type: 'string' })).toEqual([`${P}.type FieldValueInvalid`]);
    expect(fields({ type: 'object', properties: { a: { $ref: '#/x' } } })).toContain(`${P}.properties[a].$ref FieldValueForbidden`);
  });

  it('refuses what orch does not implement: CEL rules, embedded resources', () => {
    expect(fields({ type: 'object', 'x-kubernetes-validations': [{ rule: 'true' }] })).toEqual([`${P}.x-kubernetes-validations FieldValueForbidden`]);
    expect(fields({ type: 'object', properties: { e: { type: 'object', 'x-kubernetes-embedded-resource': true } } })).toEqual([`${P}.properties[e].x-kubernetes-embedded-resource FieldValueForbidden`]);
  });
});

describe('CustomResourceDefinition validation', () => {
  const crd = (spec: Record<string, unknown>, name = 'foos.example.com') => ({
    metadata: { name },
    spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'foos', kind: 'Foo' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }], ...spec },
  });
  const causes = (o: Record<string, unknown>) => validateCustomResourceDefinition(o).map((c) => c.field);

  it('accepts a minimal CRD', () => {
    expect(causes(crd({}))).toEqual([]);
  });

  it('checks the name, names, scope, versions and conversion', () => {
    expect(causes(crd({}, 'bars.example.com'))).toEqual(['metadata.name']);
    expect(causes(crd({ names: { plural: 'Foos', kind: 'foo' } }))).toEqual(expect.arrayContaining(['spec.names.plural', 'spec.names.kind']));
    expect(causes(crd({ scope: 'Global' }))).toEqual(['spec.scope']);
    expect(causes(crd({ versions: [] }))).toEqual(['spec.versions']);
    expect(causes(crd({ versions: [{ name: 'v1', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object' } } }] }))).toEqual(['spec.versions']);
    expect(causes(crd({ conversion: { strategy: 'Webhook' } }))).toEqual(['spec.conversion.strategy']);
  });

  it('refuses built-in and reserved groups', () => {
    for (const g of ['', 'apps', 'batch', 'policy', 'coordination.k8s.io', 'x.k8s.io', 'x.kubernetes.io']) expect(builtInGroupReason(g), g).toBeDefined();
    expect(builtInGroupReason('example.com')).toBeUndefined();
    expect(causes(crd({ group: 'apps' }, 'foos.apps'))).toContain('spec.group');
  });
});
