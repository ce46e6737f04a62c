import { describe, expect, test } from 'vitest';
import { apiErrorOf as err } from '../test/helpers/api-error.js';
import { parseDryRun, parseWriteQuery } from './write-options.js';


describe('write query parameters', () => {
  test('dryRun: "All", possibly repeated; absent is a real write', () => {
    expect(parseWriteQuery({}).dryRun).toBe(false);
    expect(parseWriteQuery({ dryRun: 'All' }).dryRun).toBe(true);
    expect(parseWriteQuery({ dryRun: ['All', 'All'] }).dryRun).toBe(true);
    expect(parseDryRun([])).toBe(false);
  });

  test.each([['all'], ['Bogus'], [''], [['All', 'all']]])('dryRun=%j is a 400 naming the value', (v) => {
    const e = err(() => parseWriteQuery({ dryRun: v }));
    expect(e?.code).toBe(400);
    expect(e?.message).toMatch(/^dryRun: Unsupported value: ".*": supported values: "All"$/);
    expect(e?.status.details?.causes?.[0]).toMatchObject({ field: 'dryRun', reason: 'FieldValueNotSupported' });
  });

  test('fieldValidation: Ignore, Warn, Strict or nothing; anything else is a 400', () => {
    for (const v of ['Ignore', 'Warn', 'Strict']) expect(parseWriteQuery({ fieldValidation: v }).fieldValidation).toBe(v);
    expect(parseWriteQuery({ fieldValidation: '' }).fieldValidation).toBeUndefined();
    const e = err(() => parseWriteQuery({ fieldValidation: 'strict' }));
    expect(e?.code).toBe(400);
    expect(e?.message).toBe('fieldValidation: Unsupported value: "strict": supported values: "Ignore", "Warn", "Strict"');
  });
});
