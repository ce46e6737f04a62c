// The schemas cover what orch serves, and carry only the options the decoder knows.

import { describe, expect, test } from 'vitest';
import protobuf from 'protobufjs';
import { apiVersionOf, RESOURCES } from '../../api/resources.js';
import { messageFor, protobufKinds, schemaRoot } from './schemas.js';

const OBJECT_META = '.k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta';

function allTypes(ns: protobuf.NamespaceBase): protobuf.Type[] {
  const out: protobuf.Type[] = [];
  for (const nested of ns.nestedArray) {
    if (nested instanceof protobuf.Type) out.push(nested);
    if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) out.push(...allTypes(nested));
  }
  return out;
}

describe('protobuf schemas', () => {
  test('every served kind and subresource body has a message with metadata = 1', () => {
    const kinds = [...RESOURCES.map((r) => [apiVersionOf(r), r.kind]), ['v1', 'Binding'], ['autoscaling/v1', 'Scale'], ['policy/v1', 'Eviction'], ['policy/v1beta1', 'Eviction'], ['authentication.k8s.io/v1', 'TokenRequest']];
    const missing = kinds.filter(([v, k]) => messageFor(v!, k!)?.fieldsById[1]?.resolvedType?.fullName !== OBJECT_META);
    expect(missing).toEqual([]);
    expect(protobufKinds()).toHaveLength(kinds.length + 1);
  });

  test('kinds orch does not serve have none, even where a message of that name exists', () => {
    expect(messageFor('networking.k8s.io/v1', 'NetworkPolicy')).toBeUndefined();
    expect(messageFor('batch/v1', 'Job')?.name).toBe('Job');
    expect(schemaRoot().lookup('k8s.io.api.core.v1.PodTemplateSpec')).not.toBeNull();
    expect(messageFor('v1', 'PodTemplateSpec')).toBeUndefined(); // a message of core/v1, not a served kind
    expect(messageFor('v1', 'ObjectMeta')).toBeUndefined();
    expect(messageFor('apps/v1', 'DeleteOptions')?.name).toBe('DeleteOptions');
  });

  test('only the options the decoder reads, where they make sense', () => {
    const wrong: string[] = [];
    for (const t of allTypes(schemaRoot())) {
      for (const f of t.fieldsArray) {
        const opts = Object.keys(f.options ?? {});
        const where = `${t.fullName}.${f.name}`;
        for (const o of opts) if (!['(keep_zero)', '(inline)', '(json)'].includes(o)) wrong.push(`${where}: unknown option ${o}`);
        if (f.options?.['(inline)'] && !(f.resolvedType instanceof protobuf.Type)) wrong.push(`${where}: inline on a scalar`);
        if (f.options?.['(keep_zero)'] && (f.repeated || f.map)) wrong.push(`${where}: keep_zero on a list or map`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
