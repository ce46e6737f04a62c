import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import {
  labelSelectorToString,
  matchesLabels,
  matchesLabelSelector,
  parseLabelSelector,
  requirementsToString,
  selectorFromLabelSelector,
  type LabelRequirement,
} from './labels.js';

describe('parseLabelSelector', () => {
  it.each<[string, LabelRequirement[]]>([
    ['', []],
    ['   ', []],
    ['a=b', [{ key: 'a', operator: 'Equals', values: ['b'] }]],
    ['a==b', [{ key: 'a', operator: 'Equals', values: ['b'] }]],
    ['a!=b', [{ key: 'a', operator: 'NotEquals', values: ['b'] }]],
    ['a=', [{ key: 'a', operator: 'Equals', values: [''] }]],
    ['a in (x,y)', [{ key: 'a', operator: 'In', values: ['x', 'y'] }]],
    ['a in (y, x, y)', [{ key: 'a', operator: 'In', values: ['x', 'y'] }]],
    ['a notin (x)', [{ key: 'a', operator: 'NotIn', values: ['x'] }]],
    ['a', [{ key: 'a', operator: 'Exists', values: [] }]],
    ['!a', [{ key: 'a', operator: 'DoesNotExist', values: [] }]],
    ['! a', [{ key: 'a', operator: 'DoesNotExist', values: [] }]],
    [
      ' app = web , tier in ( a , b ) ,!canary,env',
      [
        { key: 'app', operator: 'Equals', values: ['web'] },
        { key: 'tier', operator: 'In', values: ['a', 'b'] },
        { key: 'canary', operator: 'DoesNotExist', values: [] },
        { key: 'env', operator: 'Exists', values: [] },
      ],
    ],
    ['example.com/app=v1.2_x-y', [{ key: 'example.com/app', operator: 'Equals', values: ['v1.2_x-y'] }]],
    ['in=in', [{ key: 'in', operator: 'Equals', values: ['in'] }]],
  ])('%j', (s, want) => {
    expect(parseLabelSelector(s)).toEqual(want);
  });

  it.each([
    ['a=b,', /after ','/],
    [',a=b', /expected/],
    ['a b', /expected one of/],
    ['a in x', /expected '\('/],
    ['a in (x', /unterminated/],
    ['a in ()', /can't be empty/],
    ['a notin ()', /can't be empty/],
    ['a=(b)', /expected a value/],
    ['!', /expected identifier/],
    ['!a=b', /expected: ','/],
    ['a=b c', /expected: ','/],
    ['-a=b', /invalid label key/],
    ['a=-b', /invalid label value/],
    ['a=' + 'x'.repeat(64), /invalid label value/],
    ['a/b/c=d', /invalid label key/],
    ['a==', /./],
  ])('rejects %j with 400', (s, msg) => {
    if (s === 'a==') {
      // "a==" is Equals with the empty value, like "a=".
      expect(parseLabelSelector(s)).toEqual([{ key: 'a', operator: 'Equals', values: [''] }]);
      return;
    }
    let err: unknown;
    try {
      parseLabelSelector(s);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(400);
    expect((err as ApiError).message).toMatch(msg);
  });
});

describe('matchesLabels', () => {
  const labels = { app: 'web', tier: 'front', env: '' };
  it.each([
    ['', true],
    ['app=web', true],
    ['app=db', false],
    ['app!=db', true],
    ['app!=web', false],
    ['missing!=x', true],
    ['app in (web,db)', true],
    ['app in (db)', false],
    ['missing in (x)', false],
    ['app notin (db)', true],
    ['app notin (web)', false],
    ['missing notin (x)', true],
    ['app', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['env=', true],
    ['env', true],
    ['app=web,tier=front', true],
    ['app=web,tier=back', false],
  ])('%j → %s', (s, want) => {
    expect(matchesLabels(parseLabelSelector(s), labels)).toBe(want);
  });

  it('treats missing labels as empty', () => {
    expect(matchesLabels(parseLabelSelector('!a'), undefined)).toBe(true);
    expect(matchesLabels(parseLabelSelector('a'), undefined)).toBe(false);
    expect(matchesLabels([], undefined)).toBe(true);
  });

  it('does not see inherited properties as labels', () => {
    expect(matchesLabels(parseLabelSelector('constructor'), {})).toBe(false);
    expect(matchesLabels(parseLabelSelector('toString'), {})).toBe(false);
  });
});

describe('structured LabelSelector', () => {
  const sel = {
    matchLabels: { app: 'web' },
    matchExpressions: [
      { key: 'tier', operator: 'In' as const, values: ['b', 'a'] },
      { key: 'canary', operator: 'DoesNotExist' as const },
      { key: 'env', operator: 'NotIn' as const, values: ['prod'] },
      { key: 'team', operator: 'Exists' as const },
    ],
  };

  it('converts matchLabels and matchExpressions', () => {
    expect(selectorFromLabelSelector(sel)).toEqual([
      { key: 'app', operator: 'Equals', values: ['web'] },
      { key: 'tier', operator: 'In', values: ['b', 'a'] },
      { key: 'canary', operator: 'DoesNotExist', values: [] },
      { key: 'env', operator: 'NotIn', values: ['prod'] },
      { key: 'team', operator: 'Exists', values: [] },
    ]);
  });

  it('prints like Kubernetes (sorted by key, sets sorted)', () => {
    expect(labelSelectorToString(sel)).toBe('app=web,!canary,env notin (prod),team,tier in (a,b)');
    expect(labelSelectorToString({ matchLabels: { b: '2', a: '1' } })).toBe('a=1,b=2');
    expect(labelSelectorToString({})).toBe('');
  });

  it('string form parses back to the same requirements', () => {
    const s = labelSelectorToString(sel);
    expect(requirementsToString(parseLabelSelector(s))).toBe(s);
  });

  it('nil matches nothing, empty matches everything', () => {
    expect(matchesLabelSelector(undefined, { a: 'b' })).toBe(false);
    expect(matchesLabelSelector(null, {})).toBe(false);
    expect(matchesLabelSelector({}, { a: 'b' })).toBe(true);
    expect(matchesLabelSelector({ matchLabels: {} }, undefined)).toBe(true);
  });

  it('matches', () => {
    expect(matchesLabelSelector(sel, { app: 'web', tier: 'a', team: 'x' })).toBe(true);
    expect(matchesLabelSelector(sel, { app: 'web', tier: 'a', team: 'x', canary: 'y' })).toBe(false);
    expect(matchesLabelSelector(sel, { app: 'web', tier: 'c', team: 'x' })).toBe(false);
    expect(matchesLabelSelector(sel, { app: 'web', tier: 'a', team: 'x', env: 'prod' })).toBe(false);
  });

  it('rejects bad operators and value sets with 400', () => {
    expect(() => selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] })).toThrow(ApiError);
    expect(() => selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] })).toThrow(ApiError);
    expect(() => selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Gt' as 'In', values: ['1'] }] })).toThrow(/not a valid label selector operator/);
  });
});
