// Server-side printing: a request whose Accept asks for a meta.k8s.io/v1 Table (what
// kubectl and `orch get` send: `application/json;as=Table;v=v1;g=meta.k8s.io`) gets the
// kind's columns and rows from api/tables, also for each watch event. Without it kubectl
// could only print NAME and AGE.

import { errors } from '../api/errors.js';
import type { IncludeObject } from '../api/tables/table.js';
import { queryString, type Query } from './list-options.js';

export { toTable, type IncludeObject } from '../api/tables/table.js';

export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const p = part.replace(/\s+/g, '');
    return p.includes('as=Table') && p.includes('g=meta.k8s.io') && (p.includes('v=v1;') || p.endsWith('v=v1') || p.includes('v=v1beta1'));
  });
}

/** ?includeObject: what each row carries besides its cells (Metadata unless asked). */
export function includeObjectOf(q: Query): IncludeObject {
  const v = queryString(q, 'includeObject') || 'Metadata';
  if (v !== 'None' && v !== 'Metadata' && v !== 'Object') throw errors.badRequest(`includeObject: Unsupported value: ${JSON.stringify(v)}: supported values: "None", "Metadata", "Object"`);
  return v;
}
