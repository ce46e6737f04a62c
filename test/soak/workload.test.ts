// The workload's choices depend on the seed only, never on the API's answers: a run where
// every write fails makes the same writes as one where every write succeeds.
import { describe, expect, it } from 'vitest';
import type { Cluster } from '../cluster/harness.js';
import { ApiError, makeStatus } from '../../api/errors.js';
import { Prng } from './prng.js';
import { Workload } from './workload.js';

function fakeCluster(answer: 'ok' | 'fail'): Cluster {
  const reply = async (obj?: unknown) => {
    if (answer === 'fail') throw new ApiError(makeStatus(503, 'ServiceUnavailable', 'down'));
    return obj ?? { kind: 'Deployment', metadata: { uid: 'u', resourceVersion: '1' }, spec: { replicas: 1, template: { spec: { containers: [] } } } };
  };
  const deployments = { create: reply, patch: () => reply(), delete: () => reply() };
  return { client: { deployments } } as unknown as Cluster;
}

async function run(answer: 'ok' | 'fail', seed: number) {
  const w = new Workload(fakeCluster(answer), Prng.forStream(seed, 'workload'));
  for (let k = 0; k < 40; k++) await w.act(1);
  return w.history.writes.map((x) => [x.op, x.namespace, x.name, x.intent]);
}

describe('soak workload', () => {
  it('makes the same writes for the same seed whatever the answers', async () => {
    const a = await run('ok', 5);
    expect(a).toEqual(await run('fail', 5));
    expect(a).not.toEqual(await run('ok', 6));
    expect(new Set(a.map((x) => x[0]))).toEqual(new Set(['create', 'scale', 'roll', 'delete']));
  });
});
