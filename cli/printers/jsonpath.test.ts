import { describe, expect, test } from 'vitest';
import { executeJsonPath, parseJsonPath, relaxedJsonPath, findResults, JsonPathError } from './jsonpath.js';
import { compareSortValues, goValue, parseCustomColumns, parseCustomColumnsFile, printCustomColumns, sortByJsonPath } from './custom-columns.js';

// The example object of kubectl's JSONPath reference page.
const data = {
  kind: 'List',
  items: [
    {
      kind: 'None',
      metadata: { name: '127.0.0.1', labels: { 'kubernetes.io/hostname': '127.0.0.1', app: 'a' } },
      status: {
        capacity: { cpu: '4' },
        addresses: [{ type: 'LegacyHostIP', address: '127.0.0.1' }],
      },
    },
    {
      kind: 'None',
      metadata: { name: '127.0.0.2' },
      status: {
        capacity: { cpu: '8' },
        addresses: [
          { type: 'LegacyHostIP', address: '127.0.0.2' },
          { type: 'another', address: '127.0.0.3' },
        ],
      },
    },
  ],
  users: [
    { name: 'myself', user: {} },
    { name: 'e2e', user: { username: 'admin', password: 'secret' } },
  ],
};

const run = (t: string) => executeJsonPath(parseJsonPath(t), data);

describe('kubectl JSONPath templates', () => {
  test('the examples of the kubectl reference, with kubectl\'s output', () => {
    expect(run('{.kind}')).toBe('List');
    expect(run('{[\'kind\']}')).toBe('List');
    expect(run('{.items[0].metadata.name}')).toBe('127.0.0.1');
    expect(run('{.items[*].metadata.name}')).toBe('127.0.0.1 127.0.0.2');
    expect(run('{..name}')).toBe('127.0.0.1 127.0.0.2 myself e2e');
    expect(run('{.items[-1:].metadata.name}')).toBe('127.0.0.2');
    expect(run('{.items[0:1].metadata.name}')).toBe('127.0.0.1');
    expect(run('{.items[*][\'metadata.name\', \'status.capacity\']}')).toBe('');
    expect(run('{.users[?(@.name=="e2e")].user.password}')).toBe('secret');
    expect(run('{.users[?(@.user.username)].name}')).toBe('e2e');
    expect(run('{range .items[*]}[{.metadata.name}, {.status.capacity}] {end}')).toBe('[127.0.0.1, {"cpu":"4"}] [127.0.0.2, {"cpu":"8"}] ');
    expect(run('{range .items[*]}{.metadata.name}{"\\t"}{.status.addresses[?(@.type=="LegacyHostIP")].address}{"\\n"}{end}')).toBe('127.0.0.1\t127.0.0.1\n127.0.0.2\t127.0.0.2\n');
    expect(run("{.items[0].metadata.labels.kubernetes\\.io/hostname}")).toBe('127.0.0.1');
    expect(run("{.items[0].metadata.labels['kubernetes\\.io/hostname']}")).toBe('127.0.0.1');
    expect(run("{.items[0].metadata.labels['kubernetes.io/hostname', 'app']}")).toBe('127.0.0.1 a');
    expect(run('name: {.items[1].metadata.name}')).toBe('name: 127.0.0.2');
  });

  test('maps and lists print as compact JSON with sorted keys, scalars as text, missing keys as nothing', () => {
    expect(run('{.items[0].metadata.labels}')).toBe('{"app":"a","kubernetes.io/hostname":"127.0.0.1"}');
    expect(run('{.items[1].status.addresses[*].type}')).toBe('LegacyHostIP another');
    expect(run('{.nope.deeper}')).toBe('');
    expect(run('{.items[*].metadata.labels.app}')).toBe('a');
    expect(executeJsonPath(parseJsonPath('{.n} {.b} {.s}'), { n: 3, b: true, s: '<x>' })).toBe('3 true <x>');
    expect(executeJsonPath(parseJsonPath('{.m}'), { m: { a: '<&>' } })).toBe('{"a":"\\u003c\\u0026\\u003e"}');
  });

  test('filters compare numbers, strings and other fields', () => {
    const d = { xs: [{ n: 1, s: 'a' }, { n: 5, s: 'b' }, { n: 10, s: 'b' }] };
    const f = (t: string) => executeJsonPath(parseJsonPath(t), d);
    expect(f('{.xs[?(@.n>2)].n}')).toBe('5 10');
    expect(f('{.xs[?(@.n<=5)].n}')).toBe('1 5');
    expect(f("{.xs[?(@.s!='b')].n}")).toBe('1');
    expect(f('{.xs[?(@.s=="b")].n}')).toBe('5 10');
    expect(f('{.xs[0,2].n}')).toBe('1 10');
  });

  test('bad templates are errors that say what is wrong', () => {
    expect(() => parseJsonPath('{.a')).toThrow(/unclosed action/);
    expect(() => parseJsonPath('{range .items[*]}{.a}')).toThrow(/unclosed range/);
    expect(() => parseJsonPath('{end}')).toThrow(/not in range/);
    expect(() => parseJsonPath('{.a[x]}')).toThrow(/invalid array index x/);
    expect(() => parseJsonPath('{.a[?(@.x==)]}')).toThrow(/filter literal/);
    expect(() => run('{.items[5]}')).toThrow(JsonPathError);
  });

  test('relaxed expressions (custom-columns, --sort-by) accept a.b, .a.b, {a.b} and {.a.b}', () => {
    for (const e of ['metadata.name', '.metadata.name', '{metadata.name}', '{.metadata.name}']) expect(findResults(relaxedJsonPath(e), data.items[0])).toEqual(['127.0.0.1']);
    expect(() => relaxedJsonPath('{a}{b}')).toThrow(/unexpected path string/);
  });
});

describe('custom columns and --sort-by', () => {
  test('parses HEADER:PATH pairs and the two-line file form', () => {
    const cols = parseCustomColumns('NAME:.metadata.name,CPU:status.capacity.cpu');
    expect(cols.map((c) => c.header)).toEqual(['NAME', 'CPU']);
    expect(() => parseCustomColumns('NAME')).toThrow(/expected <header>:<json-path-expr>/);
    expect(parseCustomColumnsFile('NAME   CPU\n.metadata.name   .status.capacity.cpu\n').map((c) => c.header)).toEqual(['NAME', 'CPU']);
    expect(() => parseCustomColumnsFile('A B\n.a\n')).toThrow(/expected 2 columns, got 1/);
  });

  test('prints every value comma-joined, Go-formatted, <none> when missing, aligned like kubectl', () => {
    const cols = parseCustomColumns('NAME:.metadata.name,IP:.status.addresses[*].address,L:.metadata.labels,X:.nope');
    expect(printCustomColumns(cols, data.items).split('\n')).toEqual([
      'NAME        IP                    L                                             X',
      '127.0.0.1   127.0.0.1             map[app:a kubernetes.io/hostname:127.0.0.1]   <none>',
      '127.0.0.2   127.0.0.2,127.0.0.3   <none>                                        <none>',
    ]);
    expect(printCustomColumns(parseCustomColumns('A:.a,B:.b'), [{ a: 1, b: 'x' }], true)).toBe('1     x');
    expect(goValue([1, 'a', null])).toBe('[1 a <nil>]');
  });

  test('sorts numbers numerically, strings lexically, missing values first, stably', () => {
    const items = [{ n: 10, s: 'b' }, { n: 9, s: 'a' }, { s: 'c' }, { n: 9, s: 'd' }];
    expect(sortByJsonPath(items, '.n').map((x) => x.s)).toEqual(['c', 'a', 'd', 'b']);
    expect(sortByJsonPath(items, '{.s}').map((x) => x.s)).toEqual(['a', 'b', 'c', 'd']);
    expect(compareSortValues('2026-01-01T00:00:00Z', '2025-12-31T23:59:59Z')).toBeGreaterThan(0);
  });
});
