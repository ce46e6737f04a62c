import { describe, expect, it } from 'vitest';
import type { JSONSchemaProps } from '../../api/crd-types.js';
import { applySchemaDefaults, pruneAndDefault, unknownFieldPaths } from './structural.js';
import { compileSchema, schemaCauses } from './schema-validation.js';

const schema: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        a: { type: 'string', default: 'x' },
        n: { type: 'integer', nullable: true },
        m: { type: 'string' },
        obj: { type: 'object', default: {}, properties: { inner: { type: 'integer', default: 5 } } },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        map: { type: 'object', additionalProperties: { type: 'object', properties: { k: { type: 'string' } } } },
        list: { type: 'array', items: { type: 'object', properties: { k: { type: 'string', default: 'd' } } } },
        ios: { 'x-kubernetes-int-or-string': true },
      },
    },
  },
};

describe('pruning and defaults', () => {
  it('drops unknown fields and nulls of non-nullable fields, keeps preserved ones, applies nested defaults', () => {
    const o: Record<string, unknown> = {
      apiVersion: 'g/v1',
      kind: 'K',
      metadata: { name: 'x' },
      top: 1,
      spec: { n: null, m: null, extra: 1, free: { any: { thing: 1 } }, map: { one: { k: 'v', drop: 1 } }, list: [{ drop: 1 }, { k: 'z' }] },
    };
    expect(unknownFieldPaths(o, schema).sort()).toEqual(['spec.extra', 'spec.list[0].drop', 'spec.map.one.drop', 'top']);
    pruneAndDefault(o, schema);
    expect(o).toEqual({
      apiVersion: 'g/v1',
      kind: 'K',
      metadata: { name: 'x' },
      spec: { a: 'x', n: null, obj: { inner: 5 }, free: { any: { thing: 1 } }, map: { one: { k: 'v' } }, list: [{ k: 'd' }, { k: 'z' }] },
    });
  });

  it('defaults objects read from storage without pruning', () => {
    const o: Record<string, unknown> = { spec: { keep: 1 } };
    applySchemaDefaults(o, schema);
    expect(o).toEqual({ spec: { keep: 1, a: 'x', obj: { inner: 5 } } });
  });
});

describe('schema validation with ajv', () => {
  const v = compileSchema(schema);
  it('accepts int-or-string and nullable', () => {
    expect(schemaCauses(v, { spec: { ios: 3, n: null } })).toEqual([]);
    expect(schemaCauses(v, { spec: { ios: 'http' } })).toEqual([]);
  });
  it('names the field of each error as Kubernetes does', () => {
    const causes = schemaCauses(v, { spec: { a: 1, ios: 1.5, list: [{ k: 2 }] } });
    expect(causes.map((c) => c.field)).toEqual(['spec.a', 'spec.list[0].k', 'spec.ios']);
    expect(causes[0]!.message).toBe('Invalid value: "integer": spec.a in body must be of type string: 1');
  });
});
