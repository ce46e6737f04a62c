// Request body decoding: JSON (and the three patch media types) through a parser that
// refuses __proto__/constructor keys, and YAML for convenience. Anything else is 415
// (fastify's own error, turned into a Status by the error handler).

import type { FastifyInstance } from 'fastify';
import YAML from 'yaml';
import { errors } from '../api/errors.js';
import { findUnsafeKeys, safeJsonParse } from '../api/validation/unsafe-keys.js';

export const BODY_LIMIT = 3 * 1024 * 1024;

export const JSON_TYPES = [
  'application/json',
  'application/merge-patch+json',
  'application/json-patch+json',
  'application/strategic-merge-patch+json',
];
export const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml'];
export const SUPPORTED_TYPES = [...JSON_TYPES, ...YAML_TYPES];

export function parseYamlBody(text: string): unknown {
  let value: unknown;
  try {
    // One document; aliases are capped so a "billion laughs" body cannot blow up memory.
    value = YAML.parse(text, { maxAliasCount: 100, uniqueKeys: true });
  } catch (err) {
    throw errors.badRequest(`invalid YAML in request body: ${(err as Error).message.split('\n')[0]}`);
  }
  const bad = findUnsafeKeys(value);
  if (bad.length > 0) throw errors.badRequest(`request body contains the forbidden key at ${bad[0]}`);
  return value;
}

export function registerBodyParsers(app: FastifyInstance): void {
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
  app.addContentTypeParser(YAML_TYPES, { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, parseYamlBody(text));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}
