// JSON Patch (RFC 6902) with JSON Pointers (RFC 6901). Works on a deep copy, so a failed
// operation never leaves the input half-patched. Malformed operations are 400; an
// operation that does not apply to this document (missing path, failed test) is 422,
// as the Kubernetes apiserver answers.
//
// A patch is small but its operations compound: `add` at the end of a long path or
// `copy` of a subtree into itself deepens and grows the document with every step. So,
// as in Kubernetes, a patch has at most 10,000 operations and may copy at most 3 MiB in
// all, and here the document may not nest deeper than the body parser allows
// (MAX_JSON_DEPTH), checked as the operations run so no later step recurses too deep.

import { ApiError, errors, makeStatus } from '../errors.js';
import { deepClone, deepEqual } from '../meta.js';
import { jsonDepth, MAX_JSON_DEPTH } from '../validation/unsafe-keys.js';
import { text } from '../validation/field-errors.js';

/** Kubernetes' limits (maxJSONPatchOperations, JSONPatchMaxCopyBytes). */
export const MAX_JSON_PATCH_OPERATIONS = 10_000;
export const MAX_JSON_PATCH_COPY_BYTES = 3 * 1024 * 1024;

type Json = unknown;
type Container = Record<string, Json> | Json[];

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

function unprocessable(message: string): ApiError {
  return new ApiError(makeStatus(422, 'Invalid', `the server rejected our request due to an error in our request: ${message}`));
}

/** Splits "/a/b~1c/~0d" into ["a", "b/c", "~d"]. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw errors.badRequest(`invalid JSON pointer "${pointer}": must be empty or start with '/'`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => {
      if (/~[^01]|~$/.test(t)) throw errors.badRequest(`invalid JSON pointer "${pointer}": bad escape in "${t}"`);
      return t.replace(/~1/g, '/').replace(/~0/g, '~');
    });
}

function isContainer(v: unknown): v is Container {
  return typeof v === 'object' && v !== null;
}

function arrayIndex(arr: Json[], token: string, pointer: string, forAdd: boolean): number {
  if (forAdd && token === '-') return arr.length;
  if (!/^(0|[1-9]\d*)$/.test(token)) throw unprocessable(`invalid array index "${token}" in path "${pointer}"`);
  const i = Number(token);
  const max = forAdd ? arr.length : arr.length - 1;
  if (i > max) throw unprocessable(`array index ${i} out of bounds in path "${pointer}"`);
  return i;
}

/** Parent container and last token of a pointer; every intermediate must exist. */
function resolveParent(doc: Json, tokens: string[], pointer: string): { parent: Container; key: string } {
  let cur: Json = doc;
  for (let i = 0; i < tokens.length - 1; i++) {
    const t = tokens[i]!;
    if (Array.isArray(cur)) cur = cur[arrayIndex(cur, t, pointer, false)];
    else if (isContainer(cur) && Object.prototype.hasOwnProperty.call(cur, t)) cur = (cur as Record<string, Json>)[t];
    else throw unprocessable(`path "${pointer}" does not exist`);
  }
  if (!isContainer(cur)) throw unprocessable(`path "${pointer}" does not exist`);
  return { parent: cur, key: tokens[tokens.length - 1]! };
}

function getValue(doc: Json, pointer: string): Json {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return doc;
  const { parent, key } = resolveParent(doc, tokens, pointer);
  if (Array.isArray(parent)) return parent[arrayIndex(parent, key, pointer, false)];
  if (!Object.prototype.hasOwnProperty.call(parent, key)) throw unprocessable(`path "${pointer}" does not exist`);
  return parent[key];
}

function checkKey(key: string): void {
  if (key === '__proto__') throw errors.badRequest(`forbidden key "${key}" in JSON patch path`);
}

/** Returns the new document root. */
function add(doc: Json, pointer: string, value: Json): Json {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const { parent, key } = resolveParent(doc, tokens, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, pointer, true), 0, value);
  else {
    checkKey(key);
    parent[key] = value;
  }
  return doc;
}

function remove(doc: Json, pointer: string): { doc: Json; removed: Json } {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) throw unprocessable('cannot remove the document root');
  const { parent, key } = resolveParent(doc, tokens, pointer);
  if (Array.isArray(parent)) {
    const [removed] = parent.splice(arrayIndex(parent, key, pointer, false), 1);
    return { doc, removed };
  }
  if (!Object.prototype.hasOwnProperty.call(parent, key)) throw unprocessable(`unable to remove nonexistent key: ${key}: missing value at "${pointer}"`);
  const removed = parent[key];
  delete parent[key];
  return { doc, removed };
}

function field(op: Record<string, unknown>, name: string, index: number): string {
  const v = op[name];
  if (typeof v !== 'string') throw errors.badRequest(`JSON patch operation ${index} ("${text(op.op)}") is missing the string member "${name}"`);
  return v;
}

function tooDeep(path: string): ApiError {
  return unprocessable(`the patched object would nest more than ${MAX_JSON_DEPTH} levels deep (at "${path}")`);
}

export function applyJsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw errors.badRequest('a JSON patch must be an array of operations');
  if (ops.length > MAX_JSON_PATCH_OPERATIONS)
    throw new ApiError(makeStatus(413, 'RequestEntityTooLarge', `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${ops.length}`));
  let doc: Json = deepClone(target);
  // An upper bound of the document's depth, kept without walking the document again:
  // a value placed under a path of n tokens adds at most n levels to its own depth.
  let depth = jsonDepth(doc).depth;
  const place = (path: string, valueDepth: number) => {
    depth = Math.max(depth, parsePointer(path).length + valueDepth);
    if (depth > MAX_JSON_DEPTH) throw tooDeep(path);
  };
  let copied = 0;
  ops.forEach((raw, index) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw errors.badRequest(`JSON patch operation ${index} is not an object`);
    const op = raw as Record<string, unknown>;
    if (typeof op.op !== 'string' || !OPS.has(op.op)) throw errors.badRequest(`JSON patch operation ${index} has unsupported op ${JSON.stringify(op.op)}; expected add, remove, replace, move, copy or test`);
    const path = field(op, 'path', index);
    const needsValue = op.op === 'add' || op.op === 'replace' || op.op === 'test';
    if (needsValue && !Object.prototype.hasOwnProperty.call(op, 'value')) throw errors.badRequest(`JSON patch operation ${index} ("${op.op}") is missing "value"`);
    if (op.op === 'add' || op.op === 'replace') place(path, jsonDepth(op.value, MAX_JSON_DEPTH).depth);
    switch (op.op) {
      case 'add':
        doc = add(doc, path, deepClone(op.value));
        break;
      case 'remove':
        doc = remove(doc, path).doc;
        break;
      case 'replace': {
        if (parsePointer(path).length === 0) {
          doc = deepClone(op.value);
          break;
        }
        getValue(doc, path); // must exist
        doc = remove(doc, path).doc;
        doc = add(doc, path, deepClone(op.value));
        break;
      }
      case 'move': {
        const from = field(op, 'from', index);
        if (path !== from && path.startsWith(`${from}/`)) throw unprocessable(`cannot move "${from}" into its own child "${path}"`);
        const value = getValue(doc, from);
        if (from === path) break;
        // The moved value sat under `from`, so it is at most depth - |from| deep.
        place(path, depth - parsePointer(from).length);
        doc = remove(doc, from).doc;
        doc = add(doc, path, value);
        break;
      }
      case 'copy': {
        const from = field(op, 'from', index);
        const value = getValue(doc, from);
        copied += JSON.stringify(value ?? null).length;
        if (copied > MAX_JSON_PATCH_COPY_BYTES) throw unprocessable(`the copy operations of this patch would copy more than ${MAX_JSON_PATCH_COPY_BYTES} bytes`);
        place(path, depth - parsePointer(from).length);
        doc = add(doc, path, deepClone(value));
        break;
      }
      case 'test': {
        const actual = getValue(doc, path);
        if (!deepEqual(actual, op.value)) throw unprocessable(`testing value ${path} failed: expected ${JSON.stringify(op.value)}, found ${JSON.stringify(actual)}`);
        break;
      }
    }
  });
  return doc;
}
