import { describe, expect, it } from 'vitest';
import { listStrategy } from '../../api/patch/strategic-merge.js';
import { RESOURCES } from '../../api/resources.js';
import { definitionName } from '../../api/schema/kinds.js';
import { kindSchema, type FieldSchema, type FieldType } from '../../api/schema/model.js';
import { unknownFields } from '../../api/schema/unknown-fields.js';
import { schemaModel } from './openapi-model.js';

const CORE = 'io.k8s.api.core.v1';
const field = (type: string, name: string): FieldSchema => {
  const f = schemaModel().types.get(type)?.fields[name];
  if (!f) throw new Error(`no field ${type}.${name}`);
  return f;
};

describe('the schema model', () => {
  it('has a definition for every served kind and its list, with its group-version-kind', () => {
    const m = schemaModel();
    expect(m.missing).toEqual([]);
    for (const r of RESOURCES) {
      const t = kindSchema(m, r);
      expect(t, r.kind).toBeDefined();
      expect(t!.gvks).toContainEqual({ group: r.group, version: r.version, kind: r.kind });
      expect(Object.keys(t!.fields).slice(0, 3)).toEqual(['apiVersion', 'kind', 'metadata']);
      const list = kindSchema(m, { group: r.group, version: r.version, kind: r.listKind });
      expect(list?.fields.items?.type).toEqual({ kind: 'array', items: { kind: 'ref', name: definitionName(r.group, r.version, r.kind) } });
    }
  });

  // Upstream's markers (k8s.io/api v0.32.9): kubectl's strategic merge patches and a
  // later server-side apply depend on them being exact.
  it.each([
    [`${CORE}.PodSpec`, 'containers', { listType: 'map', listMapKeys: ['name'], patchStrategy: 'merge', patchMergeKey: 'name' }],
    [`${CORE}.PodSpec`, 'volumes', { listType: 'map', listMapKeys: ['name'], patchStrategy: 'merge,retainKeys', patchMergeKey: 'name' }],
    [`${CORE}.PodSpec`, 'tolerations', { listType: 'atomic' }],
    [`${CORE}.PodSpec`, 'nodeSelector', { mapType: 'atomic' }],
    [`${CORE}.Container`, 'ports', { listType: 'map', listMapKeys: ['containerPort', 'protocol'], patchStrategy: 'merge', patchMergeKey: 'containerPort' }],
    [`${CORE}.Container`, 'env', { listType: 'map', listMapKeys: ['name'], patchStrategy: 'merge', patchMergeKey: 'name' }],
    [`${CORE}.Container`, 'volumeMounts', { listType: 'map', listMapKeys: ['mountPath'], patchStrategy: 'merge', patchMergeKey: 'mountPath' }],
    [`${CORE}.Container`, 'command', { listType: 'atomic' }],
    [`${CORE}.ServiceSpec`, 'ports', { listType: 'map', listMapKeys: ['port', 'protocol'], patchStrategy: 'merge', patchMergeKey: 'port' }],
    ['io.k8s.api.apps.v1.DeploymentSpec', 'strategy', { patchStrategy: 'retainKeys' }],
    ['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'finalizers', { listType: 'set', patchStrategy: 'merge' }],
    ['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'ownerReferences', { listType: 'map', listMapKeys: ['uid'], patchStrategy: 'merge', patchMergeKey: 'uid' }],
  ])('%s.%s merges as upstream declares', (type, name, expected) => {
    expect(field(type, name)).toMatchObject(expected);
  });

  it('inlines embedded structs (a volume source, a probe handler) and marks required fields', () => {
    expect(field(`${CORE}.Volume`, 'configMap').type).toEqual({ kind: 'ref', name: `${CORE}.ConfigMapVolumeSource` });
    expect(field(`${CORE}.Probe`, 'httpGet').type).toEqual({ kind: 'ref', name: `${CORE}.HTTPGetAction` });
    expect(field(`${CORE}.Container`, 'name').required).toBe(true);
    expect(field(`${CORE}.Container`, 'image').required).toBeUndefined();
    expect(field(`${CORE}.ServicePort`, 'targetPort').type).toEqual({ kind: 'ref', name: 'io.k8s.apimachinery.pkg.util.intstr.IntOrString' });
    expect(schemaModel().types.get('io.k8s.apimachinery.pkg.util.intstr.IntOrString')?.primitive).toBe('int-or-string');
    for (const t of schemaModel().types.values()) {
      expect(t.description, t.name).not.toBe('');
      for (const f of Object.values(t.fields)) expect(f.description, `${t.name}.${f.name}`).not.toBe('');
    }
  });
});

describe("the server's strategic merge", () => {
  // kubectl computes a patch from the published extensions (a list merged by a key sends
  // only the changed items); a server that replaced that list instead would lose the rest.
  it('merges every list of every kind as the published schema says', () => {
    const m = schemaModel();
    const differences = new Set<string>();
    const walk = (name: string, path: string[], depth: number): void => {
      const t = m.types.get(name);
      if (!t || depth > 12) return;
      for (const f of Object.values(t.fields)) {
        const p = [...path, f.name];
        let type: FieldType = f.type;
        if (type.kind === 'array') {
          const published = f.patchStrategy?.split(',').includes('merge') ? (f.patchMergeKey ? `merge:${f.patchMergeKey}` : 'set') : 'replace';
          const s = listStrategy(p);
          const server = s.kind === 'merge' ? `merge:${s.key}` : s.kind;
          if (published !== server) differences.add(`${name}.${f.name} at ${p.join('.')}: published ${published}, server ${server}`);
          type = type.items;
        }
        if (type.kind === 'map') type = type.values;
        if (type.kind === 'ref') walk(type.name, p, depth + 1);
      }
    };
    for (const r of RESOURCES) walk(definitionName(r.group, r.version, r.kind), [], 0);
    expect([...differences]).toEqual([]);
  });
});

describe('unknownFields', () => {
  const pod = definitionName('', 'v1', 'Pod');
  it('names unknown fields by path through objects, lists and maps', () => {
    const obj = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', labels: { a: 'b' }, bogus: 1 },
      spec: { containers: [{ name: 'a', image: 'x', env: [{ name: 'E', value: '1', nope: true }] }], overhead: { cpu: '1' } },
      status: { phase: 'Running', extra: {} },
    };
    expect(unknownFields(schemaModel(), pod, obj)).toEqual(['metadata.bogus', 'spec.containers[0].env[0].nope', 'status.extra']);
  });

  it("skips a strategic merge patch's directives only when told it is one", () => {
    const patch = { spec: { $setElementOrder: [], containers: [{ name: 'a', $patch: 'delete' }], '$retainKeys': ['x'] } };
    expect(unknownFields(schemaModel(), pod, patch, { patch: true })).toEqual([]);
    expect(unknownFields(schemaModel(), pod, patch)).toEqual(['spec.$setElementOrder', 'spec.containers[0].$patch', 'spec.$retainKeys']);
  });

  it('does not look inside free-form values (times, quantities) or values of the wrong type', () => {
    const obj = { metadata: { creationTimestamp: { odd: 1 } }, spec: { containers: 'not a list', nodeSelector: 'x' } };
    expect(unknownFields(schemaModel(), pod, obj)).toEqual([]);
  });
});
