// fieldValidation for the fields a request body has that its kind's schema does not
// (kubectl sends fieldValidation=Strict on every write once /openapi/v3 lists the
// parameter, and leaves the check to the server): Strict refuses the request with
// Kubernetes' 400 "strict decoding error: unknown field ..."; Warn (and a request that
// does not say) answers with a `Warning: 299` header per field, which kubectl prints.
// Ignore says nothing. Unlike Kubernetes, which decodes into Go structs and so drops
// such fields, orch keeps them as sent under Warn and Ignore (see docs/api.md).
// The schema model is built on the first write that needs it (~0.3 s, once per process).

import type { FastifyReply } from 'fastify';
import { errors } from '../api/errors.js';
import type { ResourceInfo } from '../api/resources.js';
import { definitionName } from '../api/schema/kinds.js';
import { unknownFields } from '../api/schema/unknown-fields.js';
import type { PatchType } from '../api/patch/apply.js';
import type { FieldValidation } from './write-options.js';
import { schemaModel } from './routes/openapi-model.js';
import { addWarningHeaders } from './admission/request-annotations.js';
import type { AdmissionPlugin } from './admission/types.js';

/** The 400 of fieldValidation=Strict, Kubernetes' words. */
export function strictDecodingError(r: ResourceInfo, fields: readonly string[]): Error {
  return errors.badRequest(`${r.kind} in version "${r.version}" cannot be handled as a ${r.kind}: strict decoding error: ${fields.map((f) => `unknown field "${f}"`).join(', ')}`);
}

/**
 * Admission step for JSON patches: the fields of the patched object its schema lacks and
 * the stored object did not have already (Strict: 400; Warn: warnings).
 */
export const jsonPatchUnknownFields: AdmissionPlugin = (a) => {
  const mode = a.request?.jsonPatchFieldValidation;
  if (!mode || a.operation !== 'update') return;
  const def = definitionName(a.resource.group, a.resource.version, a.resource.kind);
  const custom = a.resource.custom;
  const fieldsOf = (o: unknown) => (custom ? custom.unknownFields(o) : unknownFields(schemaModel(), def, o));
  const before = new Set(a.old ? fieldsOf(a.old) : []);
  const added = fieldsOf(a.object).filter((f) => !before.has(f));
  if (added.length === 0) return;
  if (mode === 'Strict') throw strictDecodingError(a.resource, added);
  for (const f of added) a.request!.warnings.add(`unknown field "${f}"`);
};

export function checkUnknownFields(
  r: ResourceInfo,
  body: unknown,
  mode: FieldValidation | undefined,
  reply: FastifyReply,
  patchType?: PatchType,
): void {
  if (mode === 'Ignore') return;
  // A JSON patch is a list of operations, not an object of the kind: its result is what
  // counts, checked by jsonPatchUnknownFields once the patch is applied.
  if (patchType === 'json') return;
  const unknown = r.custom ? r.custom.unknownFields(body) : unknownFields(schemaModel(), definitionName(r.group, r.version, r.kind), body, { patch: patchType === 'strategic' });
  if (unknown.length === 0) return;
  const named = unknown.map((f) => `unknown field "${f}"`);
  if (mode === 'Strict') throw strictDecodingError(r, unknown);
  addWarningHeaders(reply, named);
}
