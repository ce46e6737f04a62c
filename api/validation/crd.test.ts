import { describe, expect, it } from 'vitest';
import { structuralSchemaErrors } from './crd-schema.js';
import { crdStrategy } from '../strategies/crd.js';
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

describe('CRD validation never throws on junk', () => {
  const JUNK: unknown[] = [null, 0, -1, 1.5, '', 'x', 'Not A_Name', true, [], {}, [null], { type: 5 }, 'a'.repeat(300)];
  const valid = () => ({
    metadata: { name: 'foos.example.com', finalizers: ['a'] },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'foos', kind: 'Foo', shortNames: ['f'], categories: ['all'] },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {}, scale: { specReplicasPath: '.spec.r', statusReplicasPath: '.status.r' } },
          additionalPrinterColumns: [{ name: 'R', type: 'integer', jsonPath: '.spec.r' }],
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { r: { type: 'integer' }, l: { type: 'array', items: { type: 'string' } } } } } } },
        },
      ],
      conversion: { strategy: 'None' },
    },
  });
  /** Every path to a value in `o`. */
  const pathsOf = (o: unknown, at: (string | number)[] = []): (string | number)[][] => {
    if (typeof o !== 'object' || o === null) return [at];
    const out: (string | number)[][] = [at];
    for (const [k, v] of Object.entries(o)) out.push(...pathsOf(v, [...at, Array.isArray(o) ? Number(k) : k]));
    return out;
  };
  it('every path × every junk value gives causes, never an exception', () => {
    for (const p of pathsOf(valid())) {
      // checkBody answers 400 for a metadata that is no object, before any of this runs.
      if (p.length === 0 || (p.length === 1 && p[0] === 'metadata')) continue;
      for (const junk of JUNK) {
        const o = valid() as Record<string, unknown>;
        let at: Record<string | number, unknown> = o;
        for (const k of p.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
        at[p[p.length - 1]!] = junk;
        expect(() => {
          crdStrategy.prepareForCreate!(o as never);
          validateCustomResourceDefinition(o);
        }, `${p.join('.')} = ${JSON.stringify(junk)}`).not.toThrow();
      }
    }
  });
});
