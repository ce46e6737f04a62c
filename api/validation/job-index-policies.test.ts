// Job validation of backoffLimitPerIndex, maxFailedIndexes, FailIndex, successPolicy and
// managedBy: each mistake names its field, as Kubernetes 1.32's ValidateJob does.

import { describe, expect, it } from 'vitest';
import { validSamples, expectCause, type AnyObj } from '../testing/validation-fixtures.js';
import { validateJob, validateJobUpdate } from './job.js';
import { indexListErrors } from './job-index-policies.js';

const job = (): AnyObj => validSamples.find(([k]) => k === 'Job')![1]();
const errorsOf = (mutate: (spec: AnyObj) => void) => {
  const j = job();
  mutate(j.spec);
  return validateJob(j);
};

describe('Indexed Job policies', () => {
  it('accepts the valid sample', () => {
    expect(validateJob(job())).toEqual([]);
  });

  it('backoffLimitPerIndex needs Indexed; maxFailedIndexes needs it and fits completions', () => {
    expectCause(errorsOf((s) => (s.completionMode = 'NonIndexed')), 'spec.backoffLimitPerIndex', 'FieldValueInvalid', /requires indexed completion mode/);
    expectCause(errorsOf((s) => delete s.backoffLimitPerIndex), 'spec.backoffLimitPerIndex', 'FieldValueRequired');
    expectCause(errorsOf((s) => (s.maxFailedIndexes = 4)), 'spec.maxFailedIndexes', 'FieldValueInvalid', /less than or equal to completions/);
    expectCause(errorsOf((s) => (s.backoffLimitPerIndex = -1)), 'spec.backoffLimitPerIndex', 'FieldValueInvalid');
  });

  it('FailIndex needs backoffLimitPerIndex', () => {
    const errs = errorsOf((s) => {
      delete s.backoffLimitPerIndex;
      delete s.maxFailedIndexes;
      s.podFailurePolicy.rules[0].action = 'FailIndex';
    });
    expectCause(errs, 'spec.podFailurePolicy.rules[0].action', 'FieldValueInvalid', /requires the backoffLimitPerIndex/);
  });

  it('successPolicy rules: indexes parsed, counts bounded, at least one of the two', () => {
    expectCause(errorsOf((s) => (s.successPolicy.rules = [{}])), 'spec.successPolicy.rules[0]', 'FieldValueRequired');
    expectCause(errorsOf((s) => (s.successPolicy.rules = [])), 'spec.successPolicy.rules', 'FieldValueRequired');
    expectCause(errorsOf((s) => (s.successPolicy.rules = [{ succeededIndexes: '2,1' }])), 'spec.successPolicy.rules[0].succeededIndexes', 'FieldValueInvalid', /ordered/);
    expectCause(errorsOf((s) => (s.successPolicy.rules = [{ succeededIndexes: '0-5' }])), 'spec.successPolicy.rules[0].succeededIndexes', 'FieldValueInvalid', /less than completions/);
    expectCause(errorsOf((s) => (s.successPolicy.rules = [{ succeededIndexes: '0', succeededCount: 2 }])), 'spec.successPolicy.rules[0].succeededCount', 'FieldValueInvalid', /number of indexes/);
    expectCause(errorsOf((s) => (s.completionMode = 'NonIndexed')), 'spec.successPolicy', 'FieldValueInvalid', /requires indexed/);
  });

  it('managedBy is a domain-prefixed path of at most 63 characters, and immutable', () => {
    expectCause(errorsOf((s) => (s.managedBy = 'no-slash')), 'spec.managedBy', 'FieldValueInvalid', /domain-prefixed path/);
    expectCause(errorsOf((s) => (s.managedBy = `example.com/${'x'.repeat(60)}`)), 'spec.managedBy', 'FieldValueTooLong');
    const old = job();
    const cur = job();
    cur.spec.managedBy = 'kueue.x-k8s.io/multikueue';
    expectCause(validateJobUpdate(cur, old), 'spec.managedBy', 'FieldValueInvalid', /immutable/);
  });

  it('elastic Indexed Jobs: completions changes only together with parallelism, to the same value', () => {
    const indexed = () => {
      const j = job();
      j.spec.completions = 3;
      j.spec.parallelism = 3;
      j.spec.maxFailedIndexes = 1;
      return j;
    };
    const old = indexed();
    const grown = indexed();
    grown.spec.completions = 5;
    grown.spec.parallelism = 5;
    expect(validateJobUpdate(grown, old)).toEqual([]);
    const alone = indexed();
    alone.spec.completions = 2;
    expectCause(validateJobUpdate(alone, old), 'spec.completions', 'FieldValueInvalid', /can only be modified in tandem with spec.parallelism/);
    const nonIndexed = indexed();
    nonIndexed.spec.completionMode = 'NonIndexed';
    const grownNonIndexed = indexed();
    grownNonIndexed.spec.completionMode = 'NonIndexed';
    grownNonIndexed.spec.completions = 5;
    grownNonIndexed.spec.parallelism = 5;
    expectCause(validateJobUpdate(grownNonIndexed, nonIndexed), 'spec.completions', 'FieldValueInvalid', /immutable/);
  });

  it('index lists', () => {
    expect(indexListErrors('0,2-4,7', 8)).toEqual([]);
    expect(indexListErrors('1-1', 2)).toEqual([]);
    expect(indexListErrors('3-2', 8)[0]).toMatch(/increasing/);
    expect(indexListErrors('a', 8)[0]).toMatch(/cannot parse/);
    expect(indexListErrors('0-2,2', 8)[0]).toMatch(/overlap/);
  });
});
