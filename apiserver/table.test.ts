import { describe, expect, test } from 'vitest';
import { includeObjectOf, wantsTable } from './table.js';

describe('server-side printing: what a request asks for', () => {
  test('kubectl Accept header asks for a Table; plain JSON does not', () => {
    expect(wantsTable('application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json')).toBe(true);
    expect(wantsTable('application/json')).toBe(false);
    expect(wantsTable(undefined)).toBe(false);
  });

  test('includeObject: Metadata by default, None or Object on request, anything else 400', () => {
    expect(includeObjectOf({})).toBe('Metadata');
    expect(includeObjectOf({ includeObject: 'Object' })).toBe('Object');
    expect(() => includeObjectOf({ includeObject: 'All' })).toThrow(/includeObject: Unsupported value/);
  });
});
