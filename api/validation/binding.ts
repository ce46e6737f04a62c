// core/v1 Binding, the body of POST pods/{name}/binding: its own metadata (the scheduler
// may attach annotations, which land on the pod) and the target node. Checked like any
// object before the pod is touched, so a binding can never store what an update of the
// pod would then refuse.

import type { StatusCause } from '../errors.js';
import { fe, isObj, objField, strField, type Obj } from './field-errors.js';
import { validateObjectMeta } from './meta.js';
import { isDns1123Subdomain } from './names.js';

/** `pod` and `namespace` name the pod on the URL: the binding's own name defaults to them. */
export function validateBinding(obj: Obj, pod: string, namespace: string): StatusCause[] {
  const md = obj.metadata === undefined || obj.metadata === null ? {} : obj.metadata;
  const meta = isObj(md) ? { ...md, name: md.name ?? pod, namespace: md.namespace || namespace } : md;
  const out = validateObjectMeta(meta, { namespaced: true, nameValidator: isDns1123Subdomain, allowGenerateName: false });
  const target = objField(obj.target, 'target', out) ?? {};
  const node = strField(target.name, 'target.name', out);
  if (target.name === undefined || target.name === null || target.name === '') out.push(fe.required('target.name', 'the node to bind to'));
  else if (node) for (const e of isDns1123Subdomain(node)) out.push(fe.invalid('target.name', node, e));
  if (target.kind !== undefined && target.kind !== '' && target.kind !== 'Node') out.push(fe.notSupported('target.kind', target.kind, ['Node']));
  return out;
}
