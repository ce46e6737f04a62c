// Validation of apiextensions.k8s.io/v1 CustomResourceDefinition, with Kubernetes' rules
// (apiextensions validation.go): metadata.name is <plural>.<group>; names are DNS labels
// (kind and listKind: CamelCase identifiers); scope Namespaced or Cluster; at least one
// version, exactly one storage version, unique version names; every version has a
// structural schema (crd-schema.ts); conversion None only. A group that a built-in kind
// uses (the registry's groups, Kubernetes' own, *.k8s.io / *.kubernetes.io) is refused:
// Kubernetes serves built-in groups first, so a CRD there could never be served.

import type { StatusCause } from '../errors.js';
import { RESOURCES } from '../resources.js';
import { fe, isObj, type Obj } from './field-errors.js';
import { isDns1123Label, isDns1123Subdomain } from './names.js';
import { structuralSchemaErrors } from './crd-schema.js';

/** Kubernetes' built-in API groups (served or not by orch), never a CRD's. */
const KUBERNETES_GROUPS = [
  'core', 'apps', 'batch', 'autoscaling', 'policy', 'extensions', 'networking.k8s.io', 'storage.k8s.io',
  'rbac.authorization.k8s.io', 'apiextensions.k8s.io', 'admissionregistration.k8s.io', 'coordination.k8s.io',
  'discovery.k8s.io', 'events.k8s.io', 'node.k8s.io', 'scheduling.k8s.io', 'certificates.k8s.io',
  'flowcontrol.apiserver.k8s.io', 'authentication.k8s.io', 'authorization.k8s.io', 'metrics.k8s.io',
  'apiregistration.k8s.io', 'resource.k8s.io', 'internal.apiserver.k8s.io', 'storagemigration.k8s.io',
];

/** Why `group` cannot hold custom resources, or undefined when it can. */
export function builtInGroupReason(group: string): string | undefined {
  if (group === '' || RESOURCES.some((r) => r.group === group) || KUBERNETES_GROUPS.includes(group))
    return `group ${JSON.stringify(group)} is a built-in API group of this server`;
  if (group.endsWith('.k8s.io') || group.endsWith('.kubernetes.io') || group === 'k8s.io' || group === 'kubernetes.io')
    return 'groups k8s.io and kubernetes.io (and their subdomains) are reserved for Kubernetes\' own APIs';
  return undefined;
}

const KIND_RE = /^[A-Z][A-Za-z0-9]*$/;

function label(v: unknown, field: string, out: StatusCause[], required = true): string | undefined {
  if (v === undefined || v === '') {
    if (required) out.push(fe.required(field));
    return undefined;
  }
  if (typeof v !== 'string') {
    out.push(fe.invalid(field, v, 'must be a string'));
    return undefined;
  }
  for (const m of isDns1123Label(v)) out.push(fe.invalid(field, v, m));
  if (v !== v.toLowerCase()) out.push(fe.invalid(field, v, 'must be lowercase'));
  return v;
}

function kindName(v: unknown, field: string, out: StatusCause[], required: boolean): void {
  if (v === undefined || v === '') {
    if (required) out.push(fe.required(field));
    return;
  }
  if (typeof v !== 'string' || !KIND_RE.test(v)) out.push(fe.invalid(field, v, 'must be a CamelCase identifier: a letter, then letters and digits (e.g. "MyKind")'));
}

function validateNames(n: unknown, out: StatusCause[]): Obj | undefined {
  if (!isObj(n)) {
    out.push(fe.required('spec.names'));
    return undefined;
  }
  const plural = label(n.plural, 'spec.names.plural', out);
  label(n.singular, 'spec.names.singular', out, false);
  kindName(n.kind, 'spec.names.kind', out, true);
  kindName(n.listKind, 'spec.names.listKind', out, false);
  if (n.kind !== undefined && n.listKind !== undefined && n.kind === n.listKind) out.push(fe.invalid('spec.names.listKind', n.listKind, 'kind and listKind cannot be the same'));
  for (const [f, list] of [['shortNames', n.shortNames], ['categories', n.categories]] as const) {
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      out.push(fe.invalid(`spec.names.${f}`, list, 'must be a list of strings'));
      continue;
    }
    const seen = new Set<string>();
    list.forEach((x, i) => {
      const v = label(x, `spec.names.${f}[${i}]`, out);
      if (v !== undefined && seen.has(v)) out.push(fe.duplicate(`spec.names.${f}[${i}]`, v));
      if (v !== undefined) seen.add(v);
    });
  }
  if (plural !== undefined && n.singular !== undefined && Array.isArray(n.shortNames) && n.shortNames.includes(n.singular))
    out.push(fe.invalid('spec.names.shortNames', n.shortNames, 'may not repeat the singular name'));
  return n;
}

const JSONPATH_RE = /^\.[^\s]*$/;

function validateVersion(v: unknown, i: number, scaleOrStatusPaths: StatusCause[]): void {
  const p = `spec.versions[${i}]`;
  const out = scaleOrStatusPaths;
  if (!isObj(v)) {
    out.push(fe.invalid(p, v, 'must be an object'));
    return;
  }
  label(v.name, `${p}.name`, out);
  for (const f of ['served', 'storage'] as const) if (typeof v[f] !== 'boolean') out.push(fe.required(`${p}.${f}`, 'must be true or false'));
  if (v.deprecated !== undefined && typeof v.deprecated !== 'boolean') out.push(fe.invalid(`${p}.deprecated`, v.deprecated, 'must be a boolean'));
  if (v.deprecationWarning !== undefined && typeof v.deprecationWarning !== 'string') out.push(fe.invalid(`${p}.deprecationWarning`, v.deprecationWarning, 'must be a string'));
  const schema = isObj(v.schema) ? v.schema.openAPIV3Schema : undefined;
  if (v.schema !== undefined && !isObj(v.schema)) out.push(fe.invalid(`${p}.schema`, v.schema, 'must be an object'));
  out.push(...structuralSchemaErrors(schema, `${p}.schema.openAPIV3Schema`));
  const subs = v.subresources;
  if (subs !== undefined) {
    if (!isObj(subs)) out.push(fe.invalid(`${p}.subresources`, subs, 'must be an object'));
    else {
      for (const k of Object.keys(subs)) if (k !== 'status' && k !== 'scale') out.push(fe.notSupported(`${p}.subresources.${k}`, k, ['status', 'scale']));
      if (subs.status !== undefined && (!isObj(subs.status) || Object.keys(subs.status).length > 0)) out.push(fe.invalid(`${p}.subresources.status`, subs.status, 'must be an empty object'));
      if (subs.scale !== undefined) {
        const sc = subs.scale;
        if (!isObj(sc)) out.push(fe.invalid(`${p}.subresources.scale`, sc, 'must be an object'));
        else {
          for (const f of ['specReplicasPath', 'statusReplicasPath'] as const) {
            if (typeof sc[f] !== 'string' || sc[f] === '') out.push(fe.required(`${p}.subresources.scale.${f}`));
            else if (!/^\.[A-Za-z0-9_.]+$/.test(sc[f] as string)) out.push(fe.invalid(`${p}.subresources.scale.${f}`, sc[f], 'must be a simple JSON path (.spec.replicas)'));
          }
          if (typeof sc.specReplicasPath === 'string' && !sc.specReplicasPath.startsWith('.spec.')) out.push(fe.invalid(`${p}.subresources.scale.specReplicasPath`, sc.specReplicasPath, 'should be a json path under .spec'));
          if (typeof sc.statusReplicasPath === 'string' && !sc.statusReplicasPath.startsWith('.status.')) out.push(fe.invalid(`${p}.subresources.scale.statusReplicasPath`, sc.statusReplicasPath, 'should be a json path under .status'));
          if (sc.labelSelectorPath !== undefined && (typeof sc.labelSelectorPath !== 'string' || !/^\.(spec|status)\.[A-Za-z0-9_.]+$/.test(sc.labelSelectorPath)))
            out.push(fe.invalid(`${p}.subresources.scale.labelSelectorPath`, sc.labelSelectorPath, 'should be a json path under either .spec or .status'));
        }
      }
    }
  }
  const cols = v.additionalPrinterColumns;
  if (cols !== undefined) {
    if (!Array.isArray(cols)) out.push(fe.invalid(`${p}.additionalPrinterColumns`, cols, 'must be a list'));
    else
      cols.forEach((c, j) => {
        const cp = `${p}.additionalPrinterColumns[${j}]`;
        if (!isObj(c)) return out.push(fe.invalid(cp, c, 'must be an object'));
        if (typeof c.name !== 'string' || c.name === '') out.push(fe.required(`${cp}.name`));
        if (!['integer', 'number', 'string', 'boolean', 'date'].includes(String(c.type))) out.push(fe.notSupported(`${cp}.type`, c.type, ['integer', 'number', 'string', 'boolean', 'date']));
        if (typeof c.jsonPath !== 'string' || c.jsonPath === '') out.push(fe.required(`${cp}.jsonPath`));
        else if (!JSONPATH_RE.test(c.jsonPath)) out.push(fe.invalid(`${cp}.jsonPath`, c.jsonPath, 'must be a JSON path starting with "." (e.g. .spec.replicas)'));
        if (c.priority !== undefined && (!Number.isInteger(c.priority) || (c.priority as number) < 0)) out.push(fe.invalid(`${cp}.priority`, c.priority, 'must be a non-negative integer'));
      });
  }
}

export function validateCustomResourceDefinition(obj: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  const spec = obj.spec;
  if (!isObj(spec)) return [fe.required('spec')];
  const group = spec.group;
  if (typeof group !== 'string' || group === '') out.push(fe.required('spec.group'));
  else {
    for (const m of isDns1123Subdomain(group)) out.push(fe.invalid('spec.group', group, m));
    if (!group.includes('.')) out.push(fe.invalid('spec.group', group, 'should be a domain with at least one dot'));
    const builtIn = builtInGroupReason(group);
    const approved = isObj(obj.metadata) && isObj(obj.metadata.annotations) && (obj.metadata.annotations as Obj)['api-approved.kubernetes.io'] !== undefined;
    if (builtIn && !(approved && !RESOURCES.some((r) => r.group === group))) out.push(fe.invalid('spec.group', group, builtIn));
  }
  const names = validateNames(spec.names, out);
  const name = isObj(obj.metadata) ? obj.metadata.name : undefined;
  if (names && typeof names.plural === 'string' && typeof group === 'string' && name !== `${names.plural}.${group}`)
    out.push(fe.invalid('metadata.name', name, `must be spec.names.plural+"."+spec.group (${names.plural}.${group})`));
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') out.push(spec.scope === undefined ? fe.required('spec.scope') : fe.notSupported('spec.scope', spec.scope, ['Cluster', 'Namespaced']));
  const versions = spec.versions;
  if (!Array.isArray(versions) || versions.length === 0) out.push(fe.required('spec.versions', 'must have exactly one version marked as storage version'));
  else {
    const seen = new Set<unknown>();
    versions.forEach((v, i) => {
      validateVersion(v, i, out);
      if (isObj(v)) {
        if (seen.has(v.name)) out.push(fe.duplicate(`spec.versions[${i}].name`, v.name));
        seen.add(v.name);
      }
    });
    const storage = versions.filter((v) => isObj(v) && v.storage === true).length;
    if (storage !== 1) out.push(fe.invalid('spec.versions', storage, 'must have exactly one version marked as storage version'));
    if (!versions.some((v) => isObj(v) && v.served === true)) out.push(fe.invalid('spec.versions', versions.length, 'must have at least one served version'));
  }
  const conv = spec.conversion;
  if (conv !== undefined) {
    if (!isObj(conv)) out.push(fe.invalid('spec.conversion', conv, 'must be an object'));
    else if (conv.strategy !== undefined && conv.strategy !== 'None')
      out.push(fe.notSupported('spec.conversion.strategy', conv.strategy, ['None']));
    else if (isObj(conv) && conv.webhook !== undefined) out.push(fe.forbidden('spec.conversion.webhook', 'should not be set when strategy is None'));
  }
  if (spec.preserveUnknownFields === true) out.push(fe.invalid('spec.preserveUnknownFields', true, 'must be false in v1'));
  return out;
}

/** Immutable parts of a CRD: its scope (stored objects' keys depend on it) and group. */
export function validateCustomResourceDefinitionUpdate(obj: Obj, old: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  const s = isObj(obj.spec) ? obj.spec : {};
  const o = isObj(old.spec) ? old.spec : {};
  if (s.scope !== o.scope) out.push(fe.immutable('spec.scope', s.scope));
  if (s.group !== o.group) out.push(fe.immutable('spec.group', s.group));
  const plural = isObj(s.names) ? s.names.plural : undefined;
  const oldPlural = isObj(o.names) ? o.names.plural : undefined;
  if (plural !== oldPlural) out.push(fe.immutable('spec.names.plural', plural));
  return out;
}
