// Admission plugin: refuse (422) any field orch does not implement, as listed and
// explained in api/validation/unimplemented-fields.ts. Runs on creates and updates of the
// object itself; /status writes are the components' reports and are not checked.

import { errors } from '../../api/errors.js';
import { definitionName } from '../../api/schema/kinds.js';
import { unimplementedFields } from '../../api/validation/unimplemented-fields.js';
import { schemaModel } from '../routes/openapi-model.js';
import type { AdmissionPlugin } from './types.js';

export const unimplementedFieldsAdmission: AdmissionPlugin = (a) => {
  if (a.subresource !== undefined) return;
  const r = a.resource;
  // A custom kind's fields are its schema's (pruned to it); its name may match a built-in definition.
  if (r.custom) return;
  const causes = unimplementedFields(schemaModel(), definitionName(r.group, r.version, r.kind), a.object, a.old);
  if (causes.length > 0) throw errors.invalid(r.kind, a.object.metadata.name ?? '', causes);
};
