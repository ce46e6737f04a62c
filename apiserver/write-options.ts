// Query parameters every write verb understands (create, update, patch, delete and their
// subresources): dryRun and fieldValidation. A value the server does not know is a 400
// naming it: silently ignoring `dryRun=all` would write for real what the client meant
// to try.

import { errors } from '../api/errors.js';
import { queryString, type Query } from './list-options.js';

export const DRY_RUN_VALUES = ['All'] as const;
export const FIELD_VALIDATION_VALUES = ['Ignore', 'Warn', 'Strict'] as const;
export type FieldValidation = (typeof FIELD_VALIDATION_VALUES)[number];

export interface WriteQuery {
  dryRun: boolean;
  /**
   * What to do with fields the server does not know. orch keeps unknown fields as sent
   * under every value (it has no schema of unknown fields yet), so the value is checked
   * but changes nothing; see docs/api.md. Undefined when the client did not say.
   */
  fieldValidation?: FieldValidation;
}

function notSupported(name: string, value: unknown, supported: readonly string[]): Error {
  const message = `${name}: Unsupported value: ${JSON.stringify(value)}: supported values: ${supported.map((s) => `"${s}"`).join(', ')}`;
  return errors.badRequest(message, [{ reason: 'FieldValueNotSupported', field: name, message }]);
}

/**
 * dryRun as Kubernetes' DryRun []string: every value (the parameter may repeat, and
 * DeleteOptions carries a list) must be "All". Absent or an empty list: a real write.
 */
export function parseDryRun(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  const values = Array.isArray(value) ? value : [value];
  for (const v of values) if (v !== 'All') throw notSupported('dryRun', v, DRY_RUN_VALUES);
  return values.length > 0;
}

/** dryRun and fieldValidation of a write request's query string. */
export function parseWriteQuery(q: Query): WriteQuery {
  const fv = queryString(q, 'fieldValidation');
  if (fv !== undefined && fv !== '' && !(FIELD_VALIDATION_VALUES as readonly string[]).includes(fv)) throw notSupported('fieldValidation', fv, FIELD_VALIDATION_VALUES);
  return { dryRun: parseDryRun(q.dryRun), fieldValidation: fv ? (fv as FieldValidation) : undefined };
}

/** The longest field manager name Kubernetes accepts. */
const MAX_FIELD_MANAGER = 128;

export interface FieldManager {
  name: string;
  /** Named by the client (`fieldManager=`): such a write starts tracking managedFields. */
  explicit: boolean;
}

/**
 * The field manager of a write: `fieldManager=`, else the User-Agent's product (before
 * the first '/'), as Kubernetes derives it. Apply requires one by name.
 */
export function parseFieldManager(q: Query, userAgent: string | undefined, apply: boolean): FieldManager {
  const given = queryString(q, 'fieldManager');
  if (given !== undefined && given !== '') {
    if (given.length > MAX_FIELD_MANAGER || !/^[\x20-\x7e]+$/.test(given)) {
      const message = `fieldManager: Invalid value: ${JSON.stringify(given.slice(0, 200))}: must be at most ${MAX_FIELD_MANAGER} printable ASCII characters`;
      throw errors.badRequest(message, [{ reason: 'FieldValueInvalid', field: 'fieldManager', message }]);
    }
    return { name: given, explicit: true };
  }
  if (apply) throw errors.badRequest('fieldManager: Required value: is required for apply patch', [{ reason: 'FieldValueRequired', field: 'fieldManager', message: 'Required value: is required for apply patch' }]);
  const product = (userAgent ?? '').split('/')[0]!.replace(/[^\x20-\x7e]/g, '').slice(0, MAX_FIELD_MANAGER);
  return { name: product || 'unknown', explicit: false };
}

/** `force` of an apply patch (true/false); any other patch may not carry it. */
export function parseForce(q: Query, apply: boolean): boolean {
  const v = queryString(q, 'force');
  if (v === undefined) return false;
  if (!apply) throw errors.badRequest('force: Forbidden: may not be specified for non-apply patch', [{ reason: 'FieldValueForbidden', field: 'force', message: 'Forbidden: may not be specified for non-apply patch' }]);
  if (v !== 'true' && v !== 'false') throw notSupported('force', v, ['true', 'false']);
  return v === 'true';
}
