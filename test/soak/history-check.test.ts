import { describe, expect, it } from 'vitest';
import { checkObject, possibleStates, type Observed } from './history-check.js';
import type { DeploymentFields, Outcome, WriteOp, WriteRecord } from './history.js';

let seq = 0;
function w(op: WriteOp, outcome: Outcome, intent: Partial<DeploymentFields>, ack?: { uid: string; rv: string; state?: DeploymentFields }): WriteRecord {
  return { seq: ++seq, step: 1, at: '', ms: 1, op, namespace: 'ns', name: 'd', intent, outcome, uid: ack?.uid, resourceVersion: ack?.rv, state: ack?.state };
}
const A: DeploymentFields = { replicas: 2, image: 'img:a', revision: '1' };
const obs = (f: DeploymentFields, uid = 'u1', rv = '10', deleting = false): Observed => ({ ...f, uid, resourceVersion: rv, deleting });

describe('history checker', () => {
  it('accepts the state of the last acknowledged write', () => {
    const h = [w('create', 'ok', A, { uid: 'u1', rv: '5', state: A }), w('scale', 'ok', { replicas: 3 }, { uid: 'u1', rv: '7', state: { ...A, replicas: 3 } })];
    expect(checkObject('ns/d', h, obs({ ...A, replicas: 3 }))).toEqual([]);
  });

  it('reports an acknowledged scale that is lost', () => {
    const h = [w('create', 'ok', A, { uid: 'u1', rv: '5', state: A }), w('scale', 'ok', { replicas: 3 }, { uid: 'u1', rv: '7', state: { ...A, replicas: 3 } })];
    const v = checkObject('ns/d', h, obs(A, 'u1', '7'));
    expect(v).toHaveLength(1);
    expect(v[0]).toMatch(/acknowledged write lost: deployment ns\/d .*replicas 2.*allows only \[uid u1 replicas 3/);
  });

  it('reports an acknowledged delete whose object is still there, and a lost create', () => {
    const h = [w('create', 'ok', A, { uid: 'u1', rv: '5', state: A }), w('delete', 'ok', {}, { uid: 'u1', rv: '8' })];
    expect(checkObject('ns/d', h, obs(A))[0]).toMatch(/allows only \[absent\]/);
    expect(checkObject('ns/d', h, obs(A, 'u1', '9', true))).toEqual([]);
    expect(checkObject('ns/d', h.slice(0, 1), null)[0]).toMatch(/deployment ns\/d is absent/);
  });

  it('lets an indeterminate write go either way, and only its way', () => {
    const h = [w('create', 'ok', A, { uid: 'u1', rv: '5', state: A }), w('scale', 'indeterminate', { replicas: 0 }), w('roll', 'indeterminate', { image: 'img:b', revision: '2' })];
    expect(possibleStates(h)).toHaveLength(4);
    expect(checkObject('ns/d', h, obs(A))).toEqual([]);
    expect(checkObject('ns/d', h, obs({ replicas: 0, image: 'img:b', revision: '2' }))).toEqual([]);
    expect(checkObject('ns/d', h, obs({ replicas: 0, image: 'img:a', revision: '1' }))).toEqual([]);
    expect(checkObject('ns/d', h, obs({ replicas: 5, image: 'img:a', revision: '1' }))).toHaveLength(1);
  });

  it('an unanswered create may or may not exist; a refused write must have no effect', () => {
    const h = [w('create', 'indeterminate', A)];
    expect(checkObject('ns/d', h, null)).toEqual([]);
    expect(checkObject('ns/d', h, obs(A, 'any-uid'))).toEqual([]);
    const refused = [w('create', 'ok', A, { uid: 'u1', rv: '5', state: A }), w('scale', 'failed', { replicas: 3 })];
    expect(checkObject('ns/d', refused, obs({ ...A, replicas: 3 }))).toHaveLength(1);
  });

  it('a delete then a re-create: the new uid is required', () => {
    const h = [w('create', 'ok', A, { uid: 'u1', rv: '5', state: A }), w('delete', 'ok', {}, { uid: 'u1', rv: '8' }), w('create', 'ok', A, { uid: 'u2', rv: '9', state: A })];
    expect(checkObject('ns/d', h, obs(A, 'u2', '9'))).toEqual([]);
    expect(checkObject('ns/d', h, obs(A, 'u1', '9'))).toHaveLength(1);
  });

  it('reports a resourceVersion below the acknowledged one', () => {
    const h = [w('create', 'ok', A, { uid: 'u1', rv: '50', state: A })];
    expect(checkObject('ns/d', h, obs(A, 'u1', '49'))).toEqual(['resourceVersion went back: deployment ns/d reads rv 49, a write was acknowledged at rv 50']);
  });
});
