import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import { applyStrategicMergePatch, listStrategy } from './strategic-merge.js';

const pod = () => ({
  metadata: {
    name: 'web',
    labels: { app: 'web' },
    finalizers: ['a', 'b'],
    ownerReferences: [{ uid: 'u1', name: 'rs', kind: 'ReplicaSet', apiVersion: 'apps/v1' }],
  },
  spec: {
    containers: [
      {
        name: 'app',
        image: 'web:1',
        ports: [{ containerPort: 80, name: 'http' }],
        env: [
          { name: 'A', value: '1' },
          { name: 'B', value: '2' },
        ],
        volumeMounts: [{ name: 'data', mountPath: '/data' }],
      },
      { name: 'sidecar', image: 'side:1' },
    ],
    volumes: [{ name: 'data', emptyDir: {} }],
    tolerations: [{ key: 'x', operator: 'Exists' }],
  },
  status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'PodScheduled', status: 'True' }] },
});

type P = ReturnType<typeof pod>;
const apply = (patch: unknown) => applyStrategicMergePatch(pod(), patch) as P;

describe('applyStrategicMergePatch', () => {
  it('kubectl set image: merges containers by name', () => {
    const out = apply({ spec: { containers: [{ name: 'app', image: 'web:2' }] } });
    expect(out.spec.containers).toHaveLength(2);
    expect(out.spec.containers[0]!.image).toBe('web:2');
    expect(out.spec.containers[0]!.ports).toEqual([{ containerPort: 80, name: 'http' }]);
    expect(out.spec.containers[1]!.image).toBe('side:1');
  });

  it('appends a container with a new name', () => {
    const out = apply({ spec: { containers: [{ name: 'extra', image: 'x:1' }] } });
    expect(out.spec.containers.map((c) => c.name)).toEqual(['app', 'sidecar', 'extra']);
  });

  it('merges env by name, ports by containerPort, volumeMounts by mountPath inside a container', () => {
    const out = apply({
      spec: {
        containers: [
          {
            name: 'app',
            env: [{ name: 'B', value: '22' }, { name: 'C', value: '3' }],
            ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 443 }],
            volumeMounts: [{ mountPath: '/data', readOnly: true }],
          },
        ],
      },
    });
    const c = out.spec.containers[0]!;
    expect(c.env).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '22' },
      { name: 'C', value: '3' },
    ]);
    expect(c.ports).toEqual([{ containerPort: 80, name: 'http', protocol: 'TCP' }, { containerPort: 443 }]);
    expect(c.volumeMounts).toEqual([{ name: 'data', mountPath: '/data', readOnly: true }]);
  });

  it('$patch: delete removes a list element by key', () => {
    const out = apply({ spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } });
    expect(out.spec.containers.map((c) => c.name)).toEqual(['app']);
  });

  it('$patch: replace on a list replaces it', () => {
    const out = apply({ spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'o:1' }] } });
    expect(out.spec.containers).toEqual([{ name: 'only', image: 'o:1' }]);
  });

  it('$patch: replace on a map replaces it', () => {
    const out = apply({ metadata: { labels: { $patch: 'replace', tier: 'x' } } });
    expect(out.metadata.labels).toEqual({ tier: 'x' });
  });

  it('$patch: delete on a map removes it', () => {
    const out = apply({ spec: { $patch: 'delete' } }) as Partial<P>;
    expect(out.spec).toBeUndefined();
  });

  it('tolerations are replaced, not merged', () => {
    const out = apply({ spec: { tolerations: [{ key: 'y', operator: 'Exists' }] } });
    expect(out.spec.tolerations).toEqual([{ key: 'y', operator: 'Exists' }]);
  });

  it('finalizers are set-merged and $deleteFromPrimitiveList removes', () => {
    expect(apply({ metadata: { finalizers: ['b', 'c'] } }).metadata.finalizers).toEqual(['a', 'b', 'c']);
    expect(apply({ metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }).metadata.finalizers).toEqual(['b']);
  });

  it('conditions merge by type, ownerReferences by uid', () => {
    const out = apply({
      metadata: { ownerReferences: [{ uid: 'u2', name: 'other', kind: 'ReplicaSet', apiVersion: 'apps/v1' }] },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    });
    expect(out.status.conditions).toEqual([{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }]);
    expect(out.metadata.ownerReferences.map((r) => r.uid)).toEqual(['u1', 'u2']);
  });

  it('null deletes map keys, like merge patch', () => {
    const out = apply({ metadata: { labels: { app: null, x: 'y' } } });
    expect(out.metadata.labels).toEqual({ x: 'y' });
  });

  it('ignores $setElementOrder directives', () => {
    const out = apply({
      spec: {
        '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'app' }],
        containers: [{ name: 'app', image: 'web:3' }],
      },
    });
    expect(out.spec.containers.map((c) => c.image)).toEqual(['web:3', 'side:1']);
    expect(out.spec).not.toHaveProperty('$setElementOrder/containers');
  });

  it('$retainKeys clears the other keys of a union (kubectl apply: RollingUpdate → Recreate)', () => {
    const dep = { spec: { replicas: 2, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } } };
    const out = applyStrategicMergePatch(dep, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } });
    expect(out).toEqual({ spec: { replicas: 2, strategy: { type: 'Recreate' } } });
    const vol = apply({ spec: { volumes: [{ name: 'data', $retainKeys: ['configMap', 'name'], configMap: { name: 'cfg' } }] } });
    expect(vol.spec.volumes).toEqual([{ name: 'data', configMap: { name: 'cfg' } }]);
    expect(() => applyStrategicMergePatch(dep, { spec: { $retainKeys: 'type' } })).toThrow(/\$retainKeys/);
    // What kubectl sends for that switch: the dropped key as null, which $retainKeys need not list.
    expect(applyStrategicMergePatch(dep, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } } })).toEqual(out);
  });

  it('merges into a missing list and drops delete directives there', () => {
    const out = applyStrategicMergePatch({ spec: {} }, { spec: { volumes: [{ name: 'a', emptyDir: {} }, { name: 'b', $patch: 'delete' }] } });
    expect(out).toEqual({ spec: { volumes: [{ name: 'a', emptyDir: {} }] } });
  });

  it('service ports merge by port', () => {
    const svc = { spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } };
    expect(applyStrategicMergePatch(svc, { spec: { ports: [{ port: 80, targetPort: 9090 }] } })).toEqual({
      spec: { ports: [{ port: 80, targetPort: 9090 }, { port: 443 }] },
    });
  });

  it('kubectl scale / edit style patch on a Deployment', () => {
    const dep = { spec: { replicas: 1, template: { spec: { containers: [{ name: 'a', image: 'x:1' }] } } } };
    expect(applyStrategicMergePatch(dep, { spec: { replicas: 5 } })).toEqual({ spec: { replicas: 5, template: dep.spec.template } });
  });

  it('does not mutate inputs', () => {
    const target = pod();
    const patch = { spec: { containers: [{ name: 'app', image: 'z' }] } };
    const snapT = JSON.stringify(target);
    const snapP = JSON.stringify(patch);
    applyStrategicMergePatch(target, patch);
    expect(JSON.stringify(target)).toBe(snapT);
    expect(JSON.stringify(patch)).toBe(snapP);
  });

  const REJECTED: [unknown, RegExp][] = [
    [{ spec: { containers: [{ image: 'no-name' }] } }, /merge key "name"/],
    [{ spec: { containers: ['x'] } }, /must be objects/],
    [{ spec: { $patch: 'frob' } }, /unknown patch directive/],
    // Regressions: garbage directives used to be applied or dropped silently.
    [{ spec: { containers: [{ name: 'app', args: [{ $patch: 'bogus' }] }] } }, /unknown patch directive "\$patch: bogus"/],
    [{ spec: { $patch: 'replace', tolerations: [], x: { $patch: 'zz' } } }, /unknown patch directive/],
    [{ spec: { $patch: 7 } }, /unknown patch directive/],
    [{ spec: { $setElementOrder: 5 } }, /unknown patch directive "\$setElementOrder"/],
    [{ spec: { $frob: 1 } }, /unknown patch directive/],
    [{ spec: { '$setElementOrder/containers': 'x' } }, /setElementOrder\/containers at spec must be a list/],
    [{ spec: { '$setElementOrder/containers': [], containers: { name: 'app' } } }, /not a list in the patch/],
    [{ metadata: { '$setElementOrder/name': ['web'] } }, /"name" is not a list/],
    [{ metadata: { '$deleteFromPrimitiveList/finalizers': 'a' } }, /must be a list/],
    [{ metadata: { '$deleteFromPrimitiveList/finalizers': [{ a: 1 }] } }, /primitive values/],
    [{ metadata: { '$deleteFromPrimitiveList/name': ['web'] } }, /"name" is not a list/],
    [{ metadata: { '$deleteFromPrimitiveList/': [] } }, /must be a list/],
    [{ spec: { $patch: 'replace', $retainKeys: 5 } }, /\$retainKeys must be a list of strings/],
    [{ spec: { $retainKeys: [1] } }, /\$retainKeys must be a list of strings/],
    [{ spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: { maxSurge: 1 } } } }, /does not list "rollingUpdate"/],
    ['string', /JSON object/],
    [JSON.parse('{"metadata":{"__proto__":{"x":1}}}'), /forbidden key/],
  ];
  // Plain titles: it.each would read the `$patch` in a printed patch as a placeholder.
  for (const [patch, msg] of REJECTED) {
    it(`rejects ${JSON.stringify(patch).slice(0, 120)} with 400`, () => {
      let err: unknown;
      try {
        applyStrategicMergePatch(pod(), patch);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).code).toBe(400);
      expect((err as ApiError).message).toMatch(msg);
    });
  }

  it('listStrategy knows the well-known paths', () => {
    expect(listStrategy(['spec', 'containers'])).toEqual({ kind: 'merge', key: 'name' });
    expect(listStrategy(['spec', 'template', 'spec', 'containers', 'ports'])).toEqual({ kind: 'merge', key: 'containerPort' });
    expect(listStrategy(['spec', 'ports'])).toEqual({ kind: 'merge', key: 'port' });
    expect(listStrategy(['metadata', 'finalizers'])).toEqual({ kind: 'set' });
    expect(listStrategy(['spec', 'tolerations'])).toEqual({ kind: 'replace' });
    expect(listStrategy(['spec', 'containers', 'args'])).toEqual({ kind: 'replace' });
  });
});
