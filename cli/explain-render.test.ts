import { describe, expect, it } from 'vitest';
import { ExplainError, renderExplain, typeName } from './explain-render.js';

const ref = (n: string) => ({ $ref: `#/components/schemas/${n}` });
const doc = {
  components: {
    schemas: {
      'x.v1.Thing': {
        description: 'A thing.',
        type: 'object',
        required: ['spec'],
        properties: {
          spec: { allOf: [ref('x.v1.ThingSpec')], description: 'What the thing should be.' },
          when: { allOf: [ref('x.Time')], description: 'When.' },
        },
        'x-kubernetes-group-version-kind': [{ group: 'x', version: 'v1', kind: 'Thing' }],
      },
      'x.v1.ThingSpec': {
        description: 'ThingSpec is the spec.',
        type: 'object',
        properties: {
          parts: { type: 'array', items: ref('x.v1.ThingSpec'), description: 'Parts, which are things too.' },
          labels: { type: 'object', additionalProperties: { type: 'string' }, description: 'Labels.' },
          port: { allOf: [ref('x.IntOrString')], description: 'A port.' },
        },
      },
      'x.Time': { type: 'string', format: 'date-time', description: 'A time.' },
      'x.IntOrString': { oneOf: [{ type: 'integer' }, { type: 'string' }], format: 'int-or-string', description: 'Int or string.' },
    },
  },
};
const schemas = doc.components.schemas as Record<string, Record<string, unknown>>;

describe('explain rendering', () => {
  it('names types as kubectl does', () => {
    expect(typeName({ type: 'array', items: ref('x.v1.ThingSpec') }, schemas)).toBe('[]ThingSpec');
    expect(typeName({ type: 'object', additionalProperties: { type: 'string' } }, schemas)).toBe('map[string]string');
    expect(typeName({ allOf: [ref('x.Time')] }, schemas)).toBe('string');
    expect(typeName({ allOf: [ref('x.IntOrString')] }, schemas)).toBe('IntOrString');
  });

  it('prints the kind, a field with both descriptions, and its fields sorted with types', () => {
    const out = renderExplain(doc, { group: 'x', version: 'v1', kind: 'Thing', path: ['spec'] });
    expect(out).toBe(
      'GROUP:      x\nKIND:       Thing\nVERSION:    v1\n\nFIELD: spec <ThingSpec>\n\nDESCRIPTION:\n    What the thing should be.\n    ThingSpec is the spec.\n\n' +
        'FIELDS:\n  labels\t<map[string]string>\n    Labels.\n\n  parts\t<[]ThingSpec>\n    Parts, which are things too.\n\n  port\t<IntOrString>\n    A port.\n',
    );
    expect(renderExplain(doc, { group: 'x', version: 'v1', kind: 'Thing', path: [] })).toContain('  spec\t<ThingSpec> -required-\n');
  });

  it('--recursive shows a type that contains itself once, and steps into list items', () => {
    const out = renderExplain(doc, { group: 'x', version: 'v1', kind: 'Thing', path: [], recursive: true });
    expect(out.split('\n').filter((l) => l.includes('\t'))).toEqual(['  spec\t<ThingSpec> -required-', '    labels\t<map[string]string>', '    parts\t<[]ThingSpec>', '    port\t<IntOrString>', '  when\t<string>']);
    expect(renderExplain(doc, { group: 'x', version: 'v1', kind: 'Thing', path: ['spec', 'parts', 'port'] })).toContain('FIELD: port <IntOrString>');
  });

  it('an unknown field or kind is an ExplainError', () => {
    expect(() => renderExplain(doc, { group: 'x', version: 'v1', kind: 'Thing', path: ['nope'] })).toThrow(new ExplainError('field "nope" does not exist'));
    expect(() => renderExplain(doc, { group: 'x', version: 'v2', kind: 'Thing', path: [] })).toThrow(ExplainError);
  });

  it('wraps long descriptions under 80 columns', () => {
    const long = { ...doc, components: { schemas: { ...schemas, 'x.v1.Thing': { ...schemas['x.v1.Thing'], description: 'word '.repeat(40) } } } };
    const lines = renderExplain(long, { group: 'x', version: 'v1', kind: 'Thing', path: [] }).split('\n');
    expect(lines.filter((l) => l.startsWith('    word')).length).toBeGreaterThan(2);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(81);
  });
});
