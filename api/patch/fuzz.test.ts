// A malformed patch must fail with an ApiError (400/422), never with a TypeError that
// would become a 500. Deterministic pseudo-random patches against a realistic object.

import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import { applyJsonPatch } from './json-patch.js';
import { applyMergePatch } from './merge-patch.js';
import { applyStrategicMergePatch } from './strategic-merge.js';
import { rng } from '../../test/helpers/fuzz.js';

const target = {
  metadata: { name: 'web', labels: { app: 'web' }, finalizers: ['x'] },
  spec: {
    replicas: 2,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } },
    template: { spec: { containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 80 }], env: [{ name: 'E', value: '1' }] }], volumes: [{ name: 'v', emptyDir: {} }] } },
  },
};

const KEYS = ['metadata', 'spec', 'labels', 'finalizers', 'template', 'containers', 'ports', 'env', 'volumes', 'name', 'image', '$patch', '$retainKeys', '$setElementOrder/containers', '$deleteFromPrimitiveList/finalizers', 'containerPort', 'replicas'];
const LEAVES: unknown[] = [null, 1, 'x', true, 'delete', 'replace', 'merge', [], [null], ['x']];

function randomValue(rand: () => number, depth: number): unknown {
  const r = rand();
  if (depth > 4 || r < 0.35) return LEAVES[Math.floor(rand() * LEAVES.length)];
  if (r < 0.7) {
    const o: Record<string, unknown> = {};
    const n = 1 + Math.floor(rand() * 3);
    for (let i = 0; i < n; i++) o[KEYS[Math.floor(rand() * KEYS.length)]!] = randomValue(rand, depth + 1);
    return o;
  }
  return Array.from({ length: Math.floor(rand() * 3) }, () => randomValue(rand, depth + 1));
}

const POINTERS = ['', '/', '/spec', '/spec/replicas', '/spec/template/spec/containers/0', '/spec/template/spec/containers/-', '/spec/template/spec/containers/9', '/metadata/labels/app', '/nope/deeper', '/spec/replicas/x', '/metadata/finalizers/0', '/a~1b', '/~2'];
const OPS = ['add', 'remove', 'replace', 'move', 'copy', 'test', 'bogus', 5];

function expectOnlyApiErrors(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(ApiError);
    expect([400, 422]).toContain((e as ApiError).code);
  }
}

describe('patches fail cleanly on garbage', () => {
  it('strategic merge and merge patch', () => {
    const rand = rng(7);
    const snap = JSON.stringify(target);
    for (let i = 0; i < 2000; i++) {
      const patch = randomValue(rand, 0);
      expectOnlyApiErrors(() => applyStrategicMergePatch(target, patch));
      expectOnlyApiErrors(() => applyMergePatch(target, patch));
    }
    expect(JSON.stringify(target)).toBe(snap);
  });

  it('json patch', () => {
    const rand = rng(11);
    const snap = JSON.stringify(target);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
    for (let i = 0; i < 2000; i++) {
      const ops = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => {
        const op: Record<string, unknown> = { op: pick(OPS) };
        if (rand() < 0.9) op.path = pick(POINTERS);
        if (rand() < 0.6) op.from = pick(POINTERS);
        if (rand() < 0.7) op.value = randomValue(rand, 2);
        return op;
      });
      expectOnlyApiErrors(() => applyJsonPatch(target, rand() < 0.05 ? ops[0] : ops));
    }
    expect(JSON.stringify(target)).toBe(snap);
  });
});
