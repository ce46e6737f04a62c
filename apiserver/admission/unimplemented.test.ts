// Every field of every kind a client may write is classified in
// api/validation/unimplemented-fields.ts (implemented, or refused with why): a field added
// to a schema later fails here, naming it, until someone decides. Plus the walk itself.

import { describe, expect, it } from 'vitest';
import { RESOURCES } from '../../api/resources.js';
import { definitionName } from '../../api/schema/kinds.js';
import { FIELD_SUPPORT, shortName, unclassifiedFields, unimplementedFields } from '../../api/validation/unimplemented-fields.js';
import { schemaModel } from '../routes/openapi-model.js';

const roots = RESOURCES.map((r) => definitionName(r.group, r.version, r.kind));
const POD = definitionName('', 'v1', 'Pod');
const DEPLOY = definitionName('apps', 'v1', 'Deployment');

describe('the list of unimplemented fields', () => {
  it('classifies every field of every served kind', () => {
    expect(unclassifiedFields(schemaModel(), roots)).toEqual([]);
  });

  it('names only definitions and fields that exist', () => {
    const m = schemaModel();
    const stale: string[] = [];
    const byShort = new Map([...m.types.keys()].map((k) => [shortName(k), m.types.get(k)!]));
    for (const [def, fields] of Object.entries(FIELD_SUPPORT)) {
      const t = byShort.get(def);
      if (!t) stale.push(def);
      else for (const f of Object.keys(fields)) if (!Object.hasOwn(t.fields, f)) stale.push(`${def}.${f}`);
    }
    expect(stale).toEqual([]);
  });

  it('would fail for a field nobody classified', () => {
    const m = schemaModel();
    const spec = m.types.get(definitionName('', 'v1', 'PodSpec'))!;
    const types = new Map(m.types);
    types.set(spec.name, { ...spec, fields: { ...spec.fields, newThing: { name: 'newThing', description: '', type: { kind: 'scalar', type: 'string' } } } });
    expect(unclassifiedFields({ ...m, types }, roots)).toEqual(['core.v1.PodSpec.newThing']);
  });
});

describe('unimplementedFields', () => {
  const pod = (spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }], ...spec } });

  it('refuses set fields with their path and why; zero values and allowed defaults pass', () => {
    const causes = unimplementedFields(schemaModel(), POD, pod({ volumes: [{ name: 'v', csi: { driver: 'x' } }], shareProcessNamespace: true, hostAliases: [] }));
    expect(causes).toEqual([
      { reason: 'FieldValueForbidden', field: 'spec.volumes[0].csi', message: expect.stringMatching(/^Forbidden: not implemented by orch: csi volumes/) },
      { reason: 'FieldValueForbidden', field: 'spec.shareProcessNamespace', message: expect.stringContaining('shared process namespace') },
    ]);
    expect(unimplementedFields(schemaModel(), POD, pod({ shareProcessNamespace: false, os: { name: 'linux' }, containers: [{ name: 'c', image: 'i', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' }] }))).toEqual([]);
    expect(unimplementedFields(schemaModel(), POD, pod({ containers: [{ name: 'c', image: 'i', terminationMessagePolicy: 'FallbackToLogsOnError' }] }))[0]?.field).toBe('spec.containers[0].terminationMessagePolicy');
  });

  it('walks pod templates, and not status', () => {
    const d = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: { spec: { containers: [{ name: 'c', image: 'i', securityContext: { seLinuxOptions: { level: 's0' } } }] } } }, status: { anything: 1 } };
    expect(unimplementedFields(schemaModel(), DEPLOY, d).map((c) => c.field)).toEqual(['spec.template.spec.containers[0].securityContext.seLinuxOptions']);
  });

  it('an update refuses only what it changes', () => {
    const old = pod({ topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'k', whenUnsatisfiable: 'DoNotSchedule' }] });
    expect(unimplementedFields(schemaModel(), POD, { ...old, metadata: { name: 'p', labels: { a: 'b' } } }, old)).toEqual([]);
    expect(unimplementedFields(schemaModel(), POD, pod({ topologySpreadConstraints: [{ maxSkew: 2, topologyKey: 'k', whenUnsatisfiable: 'DoNotSchedule' }] }), old)).toHaveLength(1);
  });

  it('accepts what the service-accounts admission adds: the token projected volume', () => {
    const sa = pod({
      serviceAccountName: 'default',
      automountServiceAccountToken: true,
      volumes: [{ name: 'kube-api-access', projected: { defaultMode: 420, sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3607 } }, { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }, { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } }] } }],
    });
    expect(unimplementedFields(schemaModel(), POD, sa)).toEqual([]);
  });
});
