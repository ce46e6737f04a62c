// Robustness: a client's malformed body must produce field errors, never an exception
// (an exception would surface as a 500). Deterministic pseudo-random mutations of valid
// objects of every kind, run through defaults, create validation and update validation.

import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../defaults.js';
import { deepClone } from '../meta.js';
import { validateObject } from './index.js';
import { paths, rng } from '../../test/helpers/fuzz.js';
import { res, validSamples as samples, type AnyObj } from '../testing/validation-fixtures.js';

const JUNK: unknown[] = [null, undefined, 0, -1, 1.5, 70000, 2 ** 31, 9007199254740994, 1e300, '', 'x', '-bad-', '100Gi', true, [], [null], ['x'], {}, { a: 1 }, [{}], { $patch: 'delete' }];

function setAt(obj: AnyObj, path: (string | number)[], value: unknown): void {
  let cur = obj as unknown as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (value === undefined) delete cur[last];
  else cur[last] = value;
}

describe('validation never throws on malformed input', () => {
  it.each(samples)('%s: every path × every junk value', (kind, make) => {
    const base = make();
    expect(validateObject(res(kind), base)).toEqual([]);
    let checked = 0;
    for (const path of paths(base)) {
      for (const junk of JUNK) {
        const obj = deepClone(base);
        setAt(obj, path, deepClone(junk));
        const old = deepClone(base);
        expect(() => {
          applyDefaults(res(kind), obj);
          validateObject(res(kind), obj);
          validateObject(res(kind), obj, old);
          validateObject(res(kind), old, obj);
        }, `${kind} ${path.join('.')} = ${JSON.stringify(junk)}`).not.toThrow();
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('random multi-point mutations', () => {
    const rand = rng(42);
    for (let i = 0; i < 1500; i++) {
      const [kind, make] = samples[Math.floor(rand() * samples.length)]!;
      const obj = make();
      const all = paths(obj);
      for (let j = 0; j < 3; j++) {
        const live = paths(obj);
        if (live.length === 0) break;
        setAt(obj, live[Math.floor(rand() * live.length)]!, deepClone(JUNK[Math.floor(rand() * JUNK.length)]));
      }
      expect(all.length).toBeGreaterThan(0);
      expect(() => {
        applyDefaults(res(kind), obj);
        validateObject(res(kind), obj, make());
      }).not.toThrow();
    }
  });
});
