// The JSONPath subset of additionalPrinterColumns (what CRD authors and kubectl's
// custom-columns write): `.spec.replicas`, `.status.items[0].name`, `.items[*].name`,
// `.metadata.labels['app.kubernetes.io/name']`, `.metadata.labels.app\.kubernetes\.io/name`
// and filters `[?(@.type=="Ready")]` (== and != on one field). Several results print
// comma-separated, as kubectl prints them. A path outside the subset evaluates to
// nothing (an empty cell), never an error: the CRD's validation refuses malformed ones.

type Step = { kind: 'field'; name: string } | { kind: 'index'; index: number } | { kind: 'all' } | { kind: 'filter'; field: string[]; op: '==' | '!='; value: unknown };

export function parseJsonPath(path: string): Step[] | undefined {
  const p = path.trim().replace(/^\{(.*)\}$/, '$1').replace(/^\$/, '');
  const steps: Step[] = [];
  let i = 0;
  while (i < p.length) {
    const c = p[i]!;
    if (c === '.') {
      i++;
      let name = '';
      while (i < p.length && p[i] !== '.' && p[i] !== '[') {
        if (p[i] === '\\' && i + 1 < p.length) {
          name += p[i + 1];
          i += 2;
        } else name += p[i++];
      }
      if (name === '*') steps.push({ kind: 'all' });
      else if (name !== '') steps.push({ kind: 'field', name });
    } else if (c === '[') {
      const end = p.indexOf(']', i);
      if (end < 0) return undefined;
      const inner = p.slice(i + 1, end).trim();
      i = end + 1;
      if (inner === '*') steps.push({ kind: 'all' });
      else if (/^-?\d+$/.test(inner)) steps.push({ kind: 'index', index: Number(inner) });
      else if (/^'.*'$/.test(inner) || /^".*"$/.test(inner)) steps.push({ kind: 'field', name: inner.slice(1, -1) });
      else {
        const m = /^\?\(@((?:\.[A-Za-z0-9_-]+)+)\s*(==|!=)\s*(.+)\)$/.exec(inner);
        if (!m) return undefined;
        let value: unknown = m[3]!.trim();
        const v = value as string;
        if (/^".*"$/.test(v) || /^'.*'$/.test(v)) value = v.slice(1, -1);
        else if (/^-?\d+(\.\d+)?$/.test(v)) value = Number(v);
        else if (v === 'true' || v === 'false') value = v === 'true';
        steps.push({ kind: 'filter', field: m[1]!.slice(1).split('.'), op: m[2] as '==' | '!=', value });
      }
    } else return undefined;
  }
  return steps;
}

function get(v: unknown, name: string): unknown {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>)[name] : undefined;
}

export function evalJsonPath(steps: Step[], obj: unknown): unknown[] {
  let cur: unknown[] = [obj];
  for (const s of steps) {
    const next: unknown[] = [];
    for (const v of cur) {
      if (s.kind === 'field') {
        const x = get(v, s.name);
        if (x !== undefined) next.push(x);
      } else if (s.kind === 'index') {
        if (Array.isArray(v)) {
          const x = v[s.index < 0 ? v.length + s.index : s.index];
          if (x !== undefined) next.push(x);
        }
      } else if (s.kind === 'all') {
        if (Array.isArray(v)) next.push(...v);
        else if (typeof v === 'object' && v !== null) next.push(...Object.values(v));
      } else if (Array.isArray(v)) {
        for (const item of v) {
          let x: unknown = item;
          for (const f of s.field) x = get(x, f);
          if ((x === s.value) === (s.op === '==')) next.push(item);
        }
      }
    }
    cur = next;
  }
  return cur;
}
