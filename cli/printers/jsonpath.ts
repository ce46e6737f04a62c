// kubectl's JSONPath templates (k8s.io/client-go/util/jsonpath), as `-o jsonpath=`,
// custom-columns and --sort-by use them: literal text with {actions} in it — field paths
// (.items[*].metadata.name, ['a.b'], [0], [-1], [1:3], [*], .., unions [0,1]), filters
// [?(@.type=="Ready")], quoted strings ({"\n"}), and {range EXPR}...{end}.
// Written here because the npm JSONPath libraries (jsonpath-plus, jsonpath, RFC 9535 ones)
// evaluate one bare expression: none has kubectl's template text, range/end, or its way
// of printing results (space-separated, maps and lists as compact JSON with sorted keys).
// Missing keys print nothing, as kubectl's default --allow-missing-template-keys=true.

export class JsonPathError extends Error {}

type Step =
  | { kind: 'field'; names: string[] } // one name, or a union ['a','b']
  | { kind: 'wildcard' }
  | { kind: 'recursive' }
  | { kind: 'index'; indices: number[] }
  | { kind: 'slice'; start?: number; end?: number; step?: number }
  | { kind: 'filter'; left: Step[]; op?: string; right?: Step[] | { literal: unknown } };

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'path'; steps: Step[] }
  | { kind: 'range'; steps: Step[]; body: Node[] };

export interface JsonPathTemplate {
  nodes: Node[];
  source: string;
}

/** Splits the template into text and {actions}, nesting range...end. */
export function parseJsonPath(template: string): JsonPathTemplate {
  const stack: Node[][] = [[]];
  const ranges: Step[][] = [];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    if (open < 0) {
      stack.at(-1)!.push({ kind: 'text', text: template.slice(i) });
      break;
    }
    if (open > i) stack.at(-1)!.push({ kind: 'text', text: template.slice(i, open) });
    const close = findClose(template, open + 1);
    if (close < 0) throw new JsonPathError(`error parsing jsonpath ${template}, unclosed action`);
    const inner = template.slice(open + 1, close).trim();
    i = close + 1;
    if (inner === 'end') {
      const steps = ranges.pop();
      if (!steps) throw new JsonPathError(`error parsing jsonpath ${template}, not in range, nothing to end`);
      const body = stack.pop()!;
      stack.at(-1)!.push({ kind: 'range', steps, body });
      continue;
    }
    if (inner.startsWith('range ') || inner === 'range') {
      ranges.push(parsePath(inner.slice(5).trim(), template));
      stack.push([]);
      continue;
    }
    const quoted = /^(["'])((?:\\.|(?!\1).)*)\1$/s.exec(inner);
    if (quoted) stack.at(-1)!.push({ kind: 'text', text: unescape(quoted[2]!) });
    else stack.at(-1)!.push({ kind: 'path', steps: parsePath(inner, template) });
  }
  if (ranges.length) throw new JsonPathError(`error parsing jsonpath ${template}, unclosed range`);
  return { nodes: stack[0]!, source: template };
}

/** The index of the '}' that closes an action opened before `from` (quotes may hold braces). */
function findClose(s: string, from: number): number {
  let quote: string | undefined;
  for (let j = from; j < s.length; j++) {
    const c = s[j]!;
    if (quote) {
      if (c === '\\') j++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '}') return j;
    else if (c === '{') return -1;
  }
  return -1;
}

function unescape(s: string): string {
  return s.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', r: '\r', '0': '\0' })[c] ?? c);
}

/** `.a.b[*]['c.d'][?(@.x=="y")]..e` → steps. A leading `$` or `@` is the root/current value. */
function parsePath(src: string, template: string): Step[] {
  const fail = (why: string): never => {
    throw new JsonPathError(`error parsing jsonpath ${template}, ${why}`);
  };
  const steps: Step[] = [];
  let i = 0;
  if (src[0] === '$' || src[0] === '@') i = 1;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '.') {
      if (src[i + 1] === '.') {
        // `..name`: the second dot starts the field that is looked for at every depth.
        steps.push({ kind: 'recursive' });
        i += 1;
        continue;
      }
      i++;
      if (i >= src.length) break; // `{.}`: the value itself
      if (src[i] === '[') continue; // `..[0]`
      if (src[i] === '*') {
        steps.push({ kind: 'wildcard' });
        i++;
        continue;
      }
      let name = '';
      while (i < src.length && !'.[]{}()=!<> ,'.includes(src[i]!)) {
        if (src[i] === '\\' && i + 1 < src.length) i++;
        name += src[i++];
      }
      if (!name) fail(`unrecognized character in action: ${JSON.stringify(src[i] ?? '')}`);
      steps.push({ kind: 'field', names: [name] });
    } else if (c === '[') {
      const end = bracketEnd(src, i);
      if (end < 0) fail('unterminated array');
      steps.push(parseBracket(src.slice(i + 1, end).trim(), fail, template));
      i = end + 1;
    } else if (/\s/.test(c)) i++;
    else {
      // kubectl accepts a bare first field name (`{metadata.name}` is an error there, but
      // custom-columns' relaxed form adds the dot before it reaches here).
      fail(`unrecognized character in action: ${JSON.stringify(c)}`);
    }
  }
  return steps;
}

function bracketEnd(s: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let j = open; j < s.length; j++) {
    const c = s[j]!;
    if (quote) {
      if (c === '\\') j++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') {
      depth--;
      if (depth === 0 && c === ']') return j;
    }
  }
  return -1;
}

function parseBracket(inner: string, fail: (why: string) => never, template: string): Step {
  if (inner === '*') return { kind: 'wildcard' };
  if (inner.startsWith('?')) {
    const m = /^\?\s*\((.*)\)$/s.exec(inner);
    if (!m) fail(`unterminated filter ${inner}`);
    return parseFilter(m![1]!.trim(), fail, template);
  }
  const parts = splitTopLevel(inner, ',');
  if (parts.every((p) => /^(["']).*\1$/s.test(p))) return { kind: 'field', names: parts.map((p) => unescape(p.slice(1, -1))) };
  if (parts.length === 1 && parts[0]!.includes(':')) {
    const [a, b, c] = parts[0]!.split(':').map((x) => x.trim());
    const num = (x: string | undefined) => {
      if (x === undefined || x === '') return undefined;
      if (!/^-?\d+$/.test(x)) fail(`invalid array index ${x}`);
      return Number(x);
    };
    return { kind: 'slice', start: num(a), end: num(b), step: num(c) };
  }
  const indices = parts.map((p) => {
    if (!/^-?\d+$/.test(p)) fail(`invalid array index ${p}`);
    return Number(p);
  });
  return { kind: 'index', indices };
}

function splitTopLevel(s: string, sep: string): string[] {
  const out: string[] = [];
  let quote: string | undefined;
  let cur = '';
  for (let j = 0; j < s.length; j++) {
    const c = s[j]!;
    if (quote) {
      if (c === '\\') {
        cur += c + (s[j + 1] ?? '');
        j++;
        continue;
      }
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === sep) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  out.push(cur.trim());
  return out;
}

const OPS = ['==', '!=', '<=', '>=', '<', '>'];

function parseFilter(expr: string, fail: (why: string) => never, template: string): Step {
  let quote: string | undefined;
  for (let j = 0; j < expr.length; j++) {
    const c = expr[j]!;
    if (quote) {
      if (c === '\\') j++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      continue;
    }
    const op = OPS.find((o) => expr.startsWith(o, j));
    if (!op) continue;
    return { kind: 'filter', left: operand(expr.slice(0, j).trim()), op, right: rightOperand(expr.slice(j + op.length).trim()) };
  }
  return { kind: 'filter', left: operand(expr) };

  function operand(s: string): Step[] {
    if (!s.startsWith('@')) fail(`unrecognized filter operand ${s}`);
    return parsePath(s, template);
  }
  function rightOperand(s: string): Step[] | { literal: unknown } {
    if (s.startsWith('@')) return operand(s);
    const q = /^(["'])(.*)\1$/s.exec(s);
    if (q) return { literal: unescape(q[2]!) };
    if (s === 'true' || s === 'false') return { literal: s === 'true' };
    if (s !== '' && Number.isFinite(Number(s))) return { literal: Number(s) };
    return fail(`unrecognized filter literal ${s}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function applyStep(values: unknown[], step: Step): unknown[] {
  const out: unknown[] = [];
  for (const v of values) {
    switch (step.kind) {
      case 'field':
        if (isObject(v)) for (const n of step.names) if (Object.hasOwn(v, n)) out.push(v[n]);
        break;
      case 'wildcard':
        if (Array.isArray(v)) out.push(...v);
        else if (isObject(v)) for (const k of Object.keys(v).sort()) out.push(v[k]);
        break;
      case 'recursive':
        collectAll(v, out);
        break;
      case 'index':
        if (Array.isArray(v)) {
          for (const ix of step.indices) {
            const k = ix < 0 ? v.length + ix : ix;
            if (k < 0 || k >= v.length) throw new JsonPathError(`array index out of bounds: index ${ix}, length ${v.length}`);
            out.push(v[k]);
          }
        }
        break;
      case 'slice':
        if (Array.isArray(v)) {
          const norm = (x: number) => Math.min(v.length, Math.max(0, x < 0 ? v.length + x : x));
          const start = norm(step.start ?? 0);
          const end = norm(step.end ?? v.length);
          const by = step.step && step.step > 0 ? step.step : 1;
          for (let k = start; k < end; k += by) out.push(v[k]);
        }
        break;
      case 'filter': {
        const items = Array.isArray(v) ? v : [v];
        for (const item of items) if (filterMatches(item, step)) out.push(item);
        break;
      }
    }
  }
  return out;
}

/** `..`: the value and everything below it, so the next step finds fields at any depth. */
function collectAll(v: unknown, out: unknown[]): void {
  out.push(v);
  if (Array.isArray(v)) for (const x of v) collectAll(x, out);
  else if (isObject(v)) for (const k of Object.keys(v).sort()) collectAll(v[k], out);
}

function filterMatches(item: unknown, f: Extract<Step, { kind: 'filter' }>): boolean {
  const left = evalSteps(item, f.left);
  if (!f.op) return left.length > 0;
  const right = Array.isArray(f.right) ? evalSteps(item, f.right) : [(f.right as { literal: unknown }).literal];
  if (!left.length || !right.length) return false;
  const [a, b] = [left[0], right[0]];
  switch (f.op) {
    case '==':
      return a === b || (typeof a !== 'object' && String(a) === String(b) && typeof a === typeof b);
    case '!=':
      return a !== b;
    default: {
      if (typeof a !== typeof b || (typeof a !== 'number' && typeof a !== 'string')) return false;
      const [x, y] = [a as number | string, b as number | string];
      return f.op === '<' ? x < y : f.op === '>' ? x > y : f.op === '<=' ? x <= y : x >= y;
    }
  }
}

function evalSteps(root: unknown, steps: Step[]): unknown[] {
  let values = [root];
  for (const s of steps) values = applyStep(values, s);
  return values;
}

/** The values a single-expression template finds (custom-columns, --sort-by). */
export function findResults(t: JsonPathTemplate, data: unknown): unknown[] {
  const out: unknown[] = [];
  const walk = (nodes: Node[], cur: unknown) => {
    for (const n of nodes) {
      if (n.kind === 'path') out.push(...evalSteps(cur, n.steps));
      else if (n.kind === 'range') for (const v of evalSteps(cur, n.steps)) walk(n.body, v);
    }
  };
  walk(t.nodes, data);
  return out;
}

/** Go's encoding/json of a decoded value: map keys sorted, <, > and & escaped. */
export function goJson(v: unknown): string {
  const sort = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(sort);
    if (isObject(x)) return Object.fromEntries(Object.keys(x).sort().map((k) => [k, sort(x[k])]));
    return x;
  };
  return JSON.stringify(sort(v)).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** One result as kubectl's -o jsonpath prints it: maps and lists as JSON, the rest as text. */
function resultText(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'object') return goJson(v);
  return String(v);
}

/** The template executed on `data`, as `kubectl -o jsonpath=...` prints it. */
export function executeJsonPath(t: JsonPathTemplate, data: unknown): string {
  let out = '';
  const walk = (nodes: Node[], cur: unknown) => {
    for (const n of nodes) {
      if (n.kind === 'text') out += n.text;
      else if (n.kind === 'path') out += evalSteps(cur, n.steps).map(resultText).join(' ');
      else for (const v of evalSteps(cur, n.steps)) walk(n.body, v);
    }
  };
  walk(t.nodes, data);
  return out;
}

/** kubectl's RelaxedJSONPathExpression: `.a.b`, `a.b`, `{a.b}` and `{.a.b}` all mean `{.a.b}`. */
export function relaxedJsonPath(expr: string): JsonPathTemplate {
  const m = /^\{\.?([^{}]+)\}$|^\.?([^{}]+)$/.exec(expr);
  if (!m) throw new JsonPathError(`unexpected path string ${JSON.stringify(expr)}, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'`);
  const spec = m[1] ?? m[2]!;
  return parseJsonPath(spec.startsWith('[') ? `{${spec}}` : `{.${spec}}`);
}
