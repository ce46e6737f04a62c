// Which names of a CustomResourceDefinition are accepted, given the other CRDs of its
// group: Kubernetes' naming controller (apiextensions-apiserver
// pkg/controller/status/naming_controller.go, calculateNamesAndConditions), written out
// here because orch decides in the CRD's own write instead of in a controller.
//
// Within one group, a CRD's plural, singular and short names must not be a plural,
// singular or short name another CRD has been accepted with, and its kind and listKind
// not another's accepted kind or listKind. A name the CRD already holds (its previous
// acceptedNames) stays its own. A conflicting name is not accepted (the previous accepted
// value is kept) and NamesAccepted goes False with the reason of the last conflict
// (PluralConflict, SingularConflict, ShortNamesConflict, KindConflict, ListKindConflict)
// and a message `"x" is already in use`. A CRD that was never Established stays
// unestablished (not served: reason NotAccepted) until its names are accepted; one that
// is Established keeps being served with its accepted names.

import type { CustomResourceDefinition, CustomResourceDefinitionCondition, CustomResourceDefinitionNames } from './crd-types.js';

export interface NamingDecision {
  acceptedNames: CustomResourceDefinitionNames;
  namesAccepted: CustomResourceDefinitionCondition;
  established: CustomResourceDefinitionCondition;
}

function inUse(requested: string | undefined, accepted: string | undefined, used: Set<string>): string | undefined {
  if (requested === undefined || requested === '' || requested === accepted || !used.has(requested)) return undefined;
  return `"${requested}" is already in use`;
}

/**
 * The names `crd` is accepted with. `previous` is the stored CRD (undefined on create):
 * its acceptedNames and its Established condition; `others` every other CRD (any group).
 */
export function decideNames(crd: CustomResourceDefinition, previous: CustomResourceDefinition | undefined, others: readonly CustomResourceDefinition[]): NamingDecision {
  const group = crd.spec.group;
  const resources = new Set<string>();
  const kinds = new Set<string>();
  for (const o of others) {
    if (o.spec?.group !== group || o.metadata.name === crd.metadata.name) continue;
    const a = o.status?.acceptedNames;
    if (!a) continue;
    for (const n of [a.plural, a.singular, ...(a.shortNames ?? [])]) if (n) resources.add(n);
    for (const n of [a.kind, a.listKind]) if (n) kinds.add(n);
  }
  const requested = crd.spec.names;
  const accepted: Partial<CustomResourceDefinitionNames> = previous?.status?.acceptedNames ?? {};
  const next: CustomResourceDefinitionNames = { plural: accepted.plural ?? '', kind: accepted.kind ?? '' };
  for (const k of ['singular', 'listKind', 'shortNames'] as const) if (accepted[k] !== undefined) (next as unknown as Record<string, unknown>)[k] = accepted[k];
  let conflict: { reason: string; message: string } | undefined;
  /** A requested name is accepted unless another CRD of the group holds it (the last conflict found is reported). */
  const take = (k: 'plural' | 'singular' | 'kind' | 'listKind', taken: Set<string>, reason: string) => {
    const err = inUse(requested[k], accepted[k], taken);
    if (err) conflict = { reason, message: err };
    else if (requested[k] !== undefined) next[k] = requested[k]!;
  };

  take('plural', resources, 'PluralConflict');
  take('singular', resources, 'SingularConflict');
  if ((requested.shortNames ?? []).join(',') !== (accepted.shortNames ?? []).join(',')) {
    const own = new Set(accepted.shortNames ?? []);
    const errs = (requested.shortNames ?? []).filter((s) => !own.has(s)).map((s) => inUse(s, undefined, resources)).filter((e): e is string => !!e);
    if (errs.length) conflict = { reason: 'ShortNamesConflict', message: errs.length === 1 ? errs[0]! : `[${errs.join(', ')}]` };
    else if (requested.shortNames !== undefined) next.shortNames = requested.shortNames;
    else delete next.shortNames;
  }
  take('kind', kinds, 'KindConflict');
  take('listKind', kinds, 'ListKindConflict');
  if (requested.categories !== undefined) next.categories = requested.categories;

  const namesAccepted: CustomResourceDefinitionCondition = conflict
    ? { type: 'NamesAccepted', status: 'False', ...conflict }
    : { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' };
  const wasEstablished = previous?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
  const established: CustomResourceDefinitionCondition =
    wasEstablished || !conflict
      ? { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' }
      : { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' };
  return { acceptedNames: next, namesAccepted, established };
}

/** Writes a decision into the CRD's status (lastTransitionTime kept where a condition's status did not move). */
export function applyNaming(crd: CustomResourceDefinition, previous: CustomResourceDefinition | undefined, d: NamingDecision, now: string): void {
  const prev = previous?.status?.conditions ?? [];
  const stamp = (c: CustomResourceDefinitionCondition): CustomResourceDefinitionCondition => {
    const p = prev.find((x) => x.type === c.type);
    return { ...c, lastTransitionTime: p && p.status === c.status ? p.lastTransitionTime : now };
  };
  const conditions = crd.status?.conditions ?? [];
  crd.status = {
    ...crd.status,
    acceptedNames: d.acceptedNames,
    conditions: [stamp(d.namesAccepted), stamp(d.established), ...conditions.filter((c) => c.type !== 'NamesAccepted' && c.type !== 'Established')],
  };
}

/** False for a CRD whose names were never accepted: it is not served. */
export function isServed(crd: CustomResourceDefinition): boolean {
  return !(crd.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'False' && c.reason === 'NotAccepted');
}
