import { describe, expect, test } from 'vitest';
import { parseDeleteOptions } from './delete-options.js';
import { apiErrorOf } from '../../test/helpers/api-error.js';

describe('parseDeleteOptions', () => {
  test('body over query, orphanDependents, dryRun', () => {
    expect(parseDeleteOptions({ propagationPolicy: 'Foreground', gracePeriodSeconds: 5 }, { propagationPolicy: 'Orphan' })).toEqual({
      dryRun: false,
      propagationPolicy: 'Foreground',
      gracePeriodSeconds: 5,
    });
    expect(parseDeleteOptions(undefined, { orphanDependents: 'true', dryRun: 'All' })).toMatchObject({ propagationPolicy: 'Orphan', dryRun: true });
    expect(parseDeleteOptions(undefined, { gracePeriodSeconds: '-1' }).gracePeriodSeconds).toBe(0);
  });
  test('dryRun: only "All", as often as given; anything else is 400 naming the value', () => {
    expect(parseDeleteOptions(undefined, { dryRun: ['All', 'All'] }).dryRun).toBe(true);
    expect(parseDeleteOptions({ dryRun: ['All'] }, {}).dryRun).toBe(true);
    expect(parseDeleteOptions({ dryRun: [] }, {}).dryRun).toBe(false);
    const code = (body: unknown, q: Record<string, unknown>) => {
      const e = apiErrorOf(() => parseDeleteOptions(body, q));
      return e ? [e.code, e.message] : [200, ''];
    };
    // Regression: these deleted for real.
    expect(code(undefined, { dryRun: 'all' })).toEqual([400, 'dryRun: Unsupported value: "all": supported values: "All"']);
    expect(code(undefined, { dryRun: ['All', 'Bogus'] })[0]).toBe(400);
    expect(code({ dryRun: ['Bogus'] }, {})[0]).toBe(400);
    expect(code({ dryRun: 'All' }, {})[0]).toBe(400);
  });

  test('gracePeriodSeconds is an int64: beyond 2^53 - 1 it is a 400 naming it', () => {
    expect(parseDeleteOptions(undefined, { gracePeriodSeconds: '9007199254740991' }).gracePeriodSeconds).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => parseDeleteOptions(undefined, { gracePeriodSeconds: '9007199254740993' })).toThrow(/gracePeriodSeconds: Invalid value/);
    expect(() => parseDeleteOptions({ gracePeriodSeconds: 1e20 }, {})).toThrow(/gracePeriodSeconds: Invalid value/);
    expect(() => parseDeleteOptions({ gracePeriodSeconds: 1.5 }, {})).toThrow(/gracePeriodSeconds: Invalid value: 1.5: must be an integer/);
    expect(() => parseDeleteOptions(undefined, { gracePeriodSeconds: '1.5' })).toThrow(/gracePeriodSeconds/);
  });

  test('bad values are 400', () => {
    expect(() => parseDeleteOptions({ propagationPolicy: 'All' }, {})).toThrow(/propagationPolicy/);
    expect(() => parseDeleteOptions({ gracePeriodSeconds: 'x' }, {})).toThrow(/gracePeriodSeconds/);
    expect(() => parseDeleteOptions([1], {})).toThrow(/DeleteOptions/);
    expect(() => parseDeleteOptions({ kind: 'Pod' }, {})).toThrow(/DeleteOptions/);
  });
});
