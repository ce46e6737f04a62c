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

export function checkUnknownFields(
  r: ResourceInfo,
  body: unknown,
  mode: FieldValidation | undefined,
  reply: FastifyReply,
  patchType?: PatchType,
): void {
  if (mode === 'Ignore') return;
  // A JSON patch is a list of operations, not an object of the kind: its result is what counts.
  if (patchType === 'json') return;
  const unknown = unknownFields(schemaModel(), definitionName(r.group, r.version, r.kind), body, { patch: patchType === 'strategic' });
  if (unknown.length === 0) return;
  const named = unknown.map((f) => `unknown field "${f}"`);
  if (mode === 'Strict') {
    throw errors.badRequest(`${r.kind} in version "${r.version}" cannot be handled as a ${r.kind}: strict decoding error: ${named.join(', ')}`);
  }
  addWarningHeaders(reply, named);
}
