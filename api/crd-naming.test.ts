import { describe, expect, it } from 'vitest';
import type { CustomResourceDefinition, CustomResourceDefinitionNames } from './crd-types.js';
import { decideNames, isServed } from './crd-naming.js';

const crd = (plural: string, names: Omit<CustomResourceDefinitionNames, 'plural'>, accepted?: CustomResourceDefinitionNames, group = 'g.example.com'): CustomResourceDefinition => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${plural}.${group}` },
  spec: { group, scope: 'Namespaced', names: { plural, ...names }, versions: [] },
  status: accepted ? { acceptedNames: accepted, conditions: [{ type: 'Established', status: 'True' }] } : undefined,
});

const widgets = crd('widgets', { kind: 'Widget', singular: 'widget', listKind: 'WidgetList', shortNames: ['wd'] }, { plural: 'widgets', kind: 'Widget', singular: 'widget', listKind: 'WidgetList', shortNames: ['wd'] });

describe('decideNames (Kubernetes naming controller)', () => {
  it('accepts every name that is free in the group', () => {
    const d = decideNames(crd('gadgets', { kind: 'Gadget', singular: 'gadget', listKind: 'GadgetList', categories: ['all'] }), undefined, [widgets]);
    expect(d.namesAccepted).toMatchObject({ status: 'True', reason: 'NoConflicts' });
    expect(d.established.status).toBe('True');
    expect(d.acceptedNames).toEqual({ plural: 'gadgets', kind: 'Gadget', singular: 'gadget', listKind: 'GadgetList', categories: ['all'] });
  });

  it('names the last conflict, as Kubernetes does (kind and listKind both taken: ListKindConflict)', () => {
    const d = decideNames(crd('gadgets', { kind: 'Widget', singular: 'gadget', listKind: 'WidgetList' }), undefined, [widgets]);
    expect(d.namesAccepted).toMatchObject({ status: 'False', reason: 'ListKindConflict', message: '"WidgetList" is already in use' });
    expect(d.established).toMatchObject({ status: 'False', reason: 'NotAccepted' });
    expect(d.acceptedNames).toEqual({ plural: 'gadgets', kind: '', singular: 'gadget' });
  });

  it('a short name or singular used as a resource name anywhere in the group clashes', () => {
    expect(decideNames(crd('gadgets', { kind: 'Gadget', shortNames: ['x', 'wd'] }), undefined, [widgets]).namesAccepted).toMatchObject({ reason: 'ShortNamesConflict', message: '"wd" is already in use' });
    expect(decideNames(crd('gadgets', { kind: 'Gadget', singular: 'widgets' }), undefined, [widgets]).namesAccepted).toMatchObject({ reason: 'SingularConflict' });
  });

  it('another group, itself, and names it already holds are no conflict', () => {
    expect(decideNames(crd('widgets', { kind: 'Widget', singular: 'widget', shortNames: ['wd'] }, undefined, 'other.example.com'), undefined, [widgets]).namesAccepted.status).toBe('True');
    expect(decideNames(widgets, widgets, [widgets]).namesAccepted.status).toBe('True');
  });

  it('an established CRD asking for a taken name keeps its accepted names and stays established', () => {
    const sprockets = crd('sprockets', { kind: 'Sprocket', shortNames: ['sp'] }, { plural: 'sprockets', kind: 'Sprocket', shortNames: ['sp'] });
    const next = crd('sprockets', { kind: 'Sprocket', shortNames: ['wd'] });
    const d = decideNames(next, sprockets, [widgets, sprockets]);
    expect(d.namesAccepted).toMatchObject({ status: 'False', reason: 'ShortNamesConflict' });
    expect(d.established.status).toBe('True');
    expect(d.acceptedNames.shortNames).toEqual(['sp']);
  });

  it('isServed: only a CRD never established for want of names is not served', () => {
    expect(isServed(widgets)).toBe(true);
    expect(isServed({ ...widgets, status: { conditions: [{ type: 'Established', status: 'False', reason: 'NotAccepted' }] } })).toBe(false);
    expect(isServed({ ...widgets, status: { conditions: [{ type: 'Established', status: 'False', reason: 'Terminating' }] } })).toBe(true);
  });
});
