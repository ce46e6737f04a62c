import { describe, expect, it } from 'vitest';
import { ApiError } from './errors.js';
import { parsePodLogOptions, podLogQuery, sinceUnixSeconds } from './pod-log-options.js';

const parse = (qs: string) => {
  const p = new URLSearchParams(qs);
  return parsePodLogOptions((n) => p.get(n) ?? undefined, 'web-1');
};
const statusOf = (qs: string) => {
  try {
    parse(qs);
  } catch (err) {
    if (err instanceof ApiError) return err.status;
    throw err;
  }
  throw new Error(`${qs} was accepted`);
};

describe('PodLogOptions', () => {
  it('reads what kubectl sends and writes it on unchanged', () => {
    const o = parse('container=c&follow=true&previous=1&timestamps=True&tailLines=10&sinceSeconds=60&limitBytes=100');
    expect(o).toEqual({ container: 'c', follow: true, previous: true, timestamps: true, tailLines: 10, sinceSeconds: 60, sinceTime: undefined, limitBytes: 100 });
    expect(podLogQuery(o).toString()).toBe('follow=true&previous=true&timestamps=true&tailLines=10&sinceSeconds=60&limitBytes=100');
    expect(parse('')).toEqual({ container: undefined, follow: false, previous: false, timestamps: false, tailLines: undefined, sinceSeconds: undefined, sinceTime: undefined, limitBytes: undefined });
    expect(parse('sinceTime=2024-05-01T10:00:00.5%2B02:00').sinceTime).toBe('2024-05-01T10:00:00.5+02:00');
  });

  it('unreadable values are 400 BadRequest naming the parameter', () => {
    for (const qs of ['tailLines=ten', 'tailLines=1.5', 'sinceSeconds=99999999999999999999', 'limitBytes=0x10', 'follow=yes', 'sinceTime=2024-05-01', 'sinceTime=2024-13-45T99:00:00Z']) {
      const s = statusOf(qs);
      expect([qs, s.code, s.reason]).toEqual([qs, 400, 'BadRequest']);
      expect(s.message).toContain(qs.split('=')[0]);
    }
  });

  it('out-of-range values are 422 Invalid with the causes Kubernetes gives', () => {
    const s = statusOf('tailLines=-1&limitBytes=0&sinceSeconds=0');
    expect(s).toMatchObject({ code: 422, reason: 'Invalid', details: { kind: 'PodLogOptions', name: 'web-1' } });
    expect(s.details!.causes).toEqual([
      { reason: 'FieldValueInvalid', field: 'tailLines', message: 'Invalid value: -1: must be greater than or equal to 0' },
      { reason: 'FieldValueInvalid', field: 'limitBytes', message: 'Invalid value: 0: must be greater than 0' },
      { reason: 'FieldValueInvalid', field: 'sinceSeconds', message: 'Invalid value: 0: must be greater than 0' },
    ]);
    expect(statusOf('sinceSeconds=5&sinceTime=2024-01-01T00:00:00Z').details!.causes).toEqual([
      { reason: 'FieldValueForbidden', field: '', message: 'Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified' },
    ]);
  });

  it('the largest int64 values mean "everything" and still read back as int64', () => {
    const o = parse('tailLines=9223372036854775807&sinceSeconds=9223372036854775807');
    const back = podLogQuery(o);
    expect(back.get('tailLines')).toBe(String(Number.MAX_SAFE_INTEGER));
    expect(() => parse(back.toString())).not.toThrow();
    expect(sinceUnixSeconds(o, Date.now())).toBeUndefined();
    expect(sinceUnixSeconds(parse('sinceSeconds=60'), 1_000_000_000)).toBe(999_940);
    expect(sinceUnixSeconds(parse('sinceTime=1970-01-01T00:01:40Z'), 0)).toBe(100);
  });
});
