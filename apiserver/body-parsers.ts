// Request body decoding: JSON (and the three patch media types) through a parser that
// refuses `__proto__` keys (constructor, prototype ... are ordinary keys), YAML for convenience, and Kubernetes protobuf for the
// built-in kinds (what kubectl's typed clients send; protobuf/). Each becomes the same
// plain object and goes through the same checks. Anything else is 415 (fastify's own
// error, turned into a Status by the error handler).

import type { FastifyInstance } from 'fastify';
import YAML from 'yaml';
import { errors } from '../api/errors.js';
import { findUnsafeKeys, forbiddenKey, safeJsonParse } from '../api/validation/unsafe-keys.js';
import { decodeProtobufBody, PROTOBUF_TYPE } from './protobuf/decode-body.js';

export const BODY_LIMIT = 3 * 1024 * 1024;

export const JSON_TYPES = [
  'application/json',
  'application/merge-patch+json',
  'application/json-patch+json',
  'application/strategic-merge-patch+json',
];
export const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml'];
/** Server-side apply's patch type: a YAML (or JSON) object, the configuration applied. */
export const APPLY_PATCH_TYPE = 'application/apply-patch+yaml';
export const SUPPORTED_TYPES = [...JSON_TYPES, ...YAML_TYPES, APPLY_PATCH_TYPE, PROTOBUF_TYPE];

/** Deepest nesting of YAML flow collections ([ and {), outside quotes. */
export function flowDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === '\\' && quote === '"') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '[' || ch === '{') {
      if (++depth > max) max = depth;
    } else if (ch === ']' || ch === '}') depth = Math.max(0, depth - 1);
  }
  return max;
}

const MAX_YAML_DEPTH = 100;
/** YAML parsing costs far more CPU per byte than JSON; big objects should come as JSON. */
export const YAML_BODY_LIMIT = 512 * 1024;

export function parseYamlBody(text: string): unknown {
  // The YAML parser recurses per nesting level and slows down badly on deep input:
  // refuse it up front instead of burning seconds of CPU on a hostile body.
  if (flowDepth(text) > MAX_YAML_DEPTH) throw errors.badRequest(`request body is nested too deeply (more than ${MAX_YAML_DEPTH} levels)`);
  let value: unknown;
  try {
    // One document; aliases are capped so a "billion laughs" body cannot blow up memory.
    // uniqueKeys is off: its check is quadratic in the number of keys, and a repeated key
    // then behaves as in JSON (the last one wins).
    value = YAML.parse(text, { maxAliasCount: 100, uniqueKeys: false });
  } catch (err) {
    throw errors.badRequest(`invalid YAML in request body: ${(err as Error).message.split('\n')[0]}`);
  }
  refuseUnsafeKeys(value);
  return value;
}

function refuseUnsafeKeys(value: unknown): void {
  const bad = findUnsafeKeys(value);
  if (bad.length > 0) throw forbiddenKey(bad[0]!);
}

/** A protobuf body as the object a JSON body would be, with the same key and depth checks. */
export function parseProtobufBody(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  const value = decodeProtobufBody(body);
  refuseUnsafeKeys(value);
  return value;
}

/** A request carrying a body: a Content-Length above 0, or a chunked one. */
function hasBody(headers: Record<string, string | string[] | undefined>): boolean {
  const len = headers['content-length'];
  return (typeof len === 'string' && len !== '0') || headers['transfer-encoding'] !== undefined;
}

export function registerBodyParsers(app: FastifyInstance): void {
  // A body without a Content-Type is JSON, as the Kubernetes apiserver reads it:
  // `kubectl scale --current-replicas` sends its PUT of /scale without one.
  app.addHook('onRequest', async (req) => {
    if (req.headers['content-type'] === undefined && hasBody(req.headers)) req.headers['content-type'] = 'application/json';
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(JSON_TYPES, { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, safeJsonParse(text));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addContentTypeParser([...YAML_TYPES, APPLY_PATCH_TYPE], { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => {
    if ((body as string).length > YAML_BODY_LIMIT)
      return done(errors.tooLarge(`YAML request bodies are limited to ${YAML_BODY_LIMIT} bytes; send larger objects as JSON`), undefined);
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, parseYamlBody(text));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addContentTypeParser(PROTOBUF_TYPE, { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_req, body, done) => {
    try {
      done(null, parseProtobufBody(body as Buffer));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}
