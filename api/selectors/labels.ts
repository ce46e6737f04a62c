// Label selectors: the string form used in `?labelSelector=` and by kubectl, and the
// structured LabelSelector (matchLabels + matchExpressions) found in Deployment,
// ReplicaSet and Service specs. Both reduce to a list of LabelRequirements (ANDed).

import { errors } from '../errors.js';
import type { LabelSelector } from '../types.js';
import { isLabelValue, isQualifiedName } from '../validation/names.js';
import { text } from '../validation/field-errors.js';

export type LabelOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Equals' | 'NotEquals';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

type Token =
  | { kind: 'id'; text: string; pos: number }
  | { kind: '=' | '==' | '!=' | '!' | '(' | ')' | ','; pos: number };

const SPECIAL = new Set(['=', '!', '(', ')', ',']);

function lex(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '=') {
      if (s[i + 1] === '=') {
        out.push({ kind: '==', pos: i });
        i += 2;
      } else {
        out.push({ kind: '=', pos: i });
        i++;
      }
      continue;
    }
    if (c === '!') {
      if (s[i + 1] === '=') {
        out.push({ kind: '!=', pos: i });
        i += 2;
      } else {
        out.push({ kind: '!', pos: i });
        i++;
      }
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      out.push({ kind: c, pos: i });
      i++;
      continue;
    }
    const start = i;
    while (i < s.length && !SPECIAL.has(s[i]!) && !/\s/.test(s[i]!)) i++;
    out.push({ kind: 'id', text: s.slice(start, i), pos: start });
  }
  return out;
}

function bad(selector: string, why: string): never {
  throw errors.badRequest(`unable to parse requirement: ${why} (in label selector "${selector}")`);
}

function describe(t: Token | undefined): string {
  if (!t) return 'end of string';
  return t.kind === 'id' ? `identifier "${t.text}"` : `"${t.kind}"`;
}

function checkKey(selector: string, key: string): void {
  const errs = isQualifiedName(key);
  if (errs.length) bad(selector, `invalid label key "${key}": ${errs.join('; ')}`);
}

function checkValue(selector: string, value: string): void {
  const errs = isLabelValue(value);
  if (errs.length) bad(selector, `invalid label value: "${value}": ${errs.join('; ')}`);
}

/**
 * Parses "a=b,c!=d,e in (x,y),f notin (z),g,!h". Whitespace is ignored between tokens.
 * The empty string selects everything (no requirements). Throws ApiError 400.
 */
export function parseLabelSelector(s: string): LabelRequirement[] {
  const toks = lex(s);
  const reqs: LabelRequirement[] = [];
  if (toks.length === 0) return reqs;
  let i = 0;
  const peek = () => toks[i];
  const next = () => toks[i++];
  const atSeparator = () => i >= toks.length || toks[i]!.kind === ',';

  for (;;) {
    let t = next();
    if (t?.kind === '!') {
      t = next();
      if (t?.kind !== 'id') bad(s, `expected identifier after '!', found ${describe(t)}`);
      checkKey(s, t.text);
      reqs.push({ key: t.text, operator: 'DoesNotExist', values: [] });
    } else if (t?.kind === 'id') {
      const key = t.text;
      checkKey(s, key);
      if (atSeparator()) {
        reqs.push({ key, operator: 'Exists', values: [] });
      } else {
        const op = next()!;
        if (op.kind === '=' || op.kind === '==' || op.kind === '!=') {
          let value = '';
          if (!atSeparator()) {
            const v = next()!;
            if (v.kind !== 'id') bad(s, `expected a value after '${op.kind}', found ${describe(v)}`);
            value = v.text;
          }
          checkValue(s, value);
          reqs.push({ key, operator: op.kind === '!=' ? 'NotEquals' : 'Equals', values: [value] });
        } else if (op.kind === 'id' && (op.text === 'in' || op.text === 'notin')) {
          const open = next();
          if (open?.kind !== '(') bad(s, `expected '(' after '${op.text}', found ${describe(open)}`);
          const values: string[] = [];
          // Values separated by commas; an empty slot ("(a,)") is the empty value, as in Kubernetes.
          let expectValue = true;
          for (;;) {
            const v = next();
            if (!v) bad(s, `unterminated value set for key "${key}": expected ')'`);
            if (v.kind === ')') {
              if (expectValue && values.length > 0) values.push('');
              break;
            }
            if (v.kind === ',') {
              if (expectValue) values.push('');
              expectValue = true;
              continue;
            }
            if (v.kind !== 'id' || !expectValue) bad(s, `unexpected ${describe(v)} in value set for key "${key}"`);
            values.push(v.text);
            expectValue = false;
          }
          if (values.length === 0) bad(s, `for '${op.text}' operator, values set can't be empty (key "${key}")`);
          for (const v of values) checkValue(s, v);
          reqs.push({ key, operator: op.text === 'in' ? 'In' : 'NotIn', values: [...new Set(values)].sort() });
        } else {
          bad(s, `found ${describe(op)}, expected one of: '=', '==', '!=', 'in', 'notin', ','`);
        }
      }
    } else {
      bad(s, `found ${describe(t)}, expected: !, identifier`);
    }
    if (i >= toks.length) break;
    const sep = next()!;
    if (sep.kind !== ',') bad(s, `found ${describe(sep)}, expected: ','`);
    if (peek() === undefined) bad(s, "found end of string, expected: identifier after ','");
  }
  return reqs;
}

/** Whether labels satisfy every requirement. Missing labels count as an empty map. */
export function matchesLabels(reqs: readonly LabelRequirement[], labels?: Record<string, string> | null): boolean {
  const l = labels ?? {};
  for (const r of reqs) {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = has ? l[r.key] : undefined;
    switch (r.operator) {
      case 'Equals':
      case 'In':
        if (!has || !r.values.includes(v!)) return false;
        break;
      case 'NotEquals':
      case 'NotIn':
        // Kubernetes: a missing key satisfies != and notin.
        if (has && r.values.includes(v!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Requirements of a structured selector; throws ApiError 400 for an unknown operator. */
export function selectorFromLabelSelector(sel: LabelSelector): LabelRequirement[] {
  const reqs: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) {
    reqs.push({ key, operator: 'Equals', values: [value] });
  }
  for (const e of sel.matchExpressions ?? []) {
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (!e.values || e.values.length === 0) throw errors.badRequest(`for '${e.operator}' operator, values set can't be empty (key "${e.key}")`);
        reqs.push({ key: e.key, operator: e.operator, values: [...e.values] });
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (e.values && e.values.length > 0) throw errors.badRequest(`values set must be empty for '${e.operator}' (key "${e.key}")`);
        reqs.push({ key: e.key, operator: e.operator, values: [] });
        break;
      default:
        throw errors.badRequest(`"${text((e as { operator: unknown }).operator)}" is not a valid label selector operator`);
    }
  }
  return reqs;
}

/** One requirement as Kubernetes prints it. */
export function requirementToString(r: LabelRequirement): string {
  switch (r.operator) {
    case 'Equals':
      return `${r.key}=${r.values[0] ?? ''}`;
    case 'NotEquals':
      return `${r.key}!=${r.values[0] ?? ''}`;
    case 'In':
      return `${r.key} in (${[...r.values].sort().join(',')})`;
    case 'NotIn':
      return `${r.key} notin (${[...r.values].sort().join(',')})`;
    case 'Exists':
      return r.key;
    case 'DoesNotExist':
      return `!${r.key}`;
  }
}

export function requirementsToString(reqs: readonly LabelRequirement[]): string {
  // Sorted by key like Kubernetes' internalSelector.String(), so the output is stable.
  return [...reqs]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(requirementToString)
    .join(',');
}

/** String form of a structured selector: what /scale status.selector and kubectl show. */
export function labelSelectorToString(sel: LabelSelector): string {
  return requirementsToString(selectorFromLabelSelector(sel));
}

/**
 * Kubernetes semantics: a missing (undefined/null) selector matches nothing, an empty
 * selector object `{}` matches everything. Controllers rely on the first to never adopt
 * every pod in a namespace by accident.
 */
export function matchesLabelSelector(sel: LabelSelector | undefined | null, labels?: Record<string, string> | null): boolean {
  if (sel === undefined || sel === null) return false;
  return matchesLabels(selectorFromLabelSelector(sel), labels);
}
