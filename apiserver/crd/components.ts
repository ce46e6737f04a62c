// The CRD parts of the apiserver's component list (components.ts): the registry of
// custom resources (list + watch of CRDs; ready once listed, so a restarted apiserver
// serves every established CRD before it reports ready) and the cleanup of deleted CRDs.

import type { Component } from '../../foundation/component.js';
import type { CrdCleanup } from './crd-cleanup.js';
import type { CrdRegistry } from './crd-registry.js';

export function crdRegistryComponent(registry: CrdRegistry): Component {
  let synced = false;
  void registry.firstSync.then(() => (synced = true));
  return {
    name: 'crd-registry',
    start: async () => registry.start(),
    stop: async () => registry.stop(),
    ready: async () => (synced ? undefined : 'CustomResourceDefinitions not listed yet'),
  };
}

export function crdCleanupComponent(cleanup: CrdCleanup): Component {
  return { name: 'crd-cleanup', start: async () => cleanup.start(), stop: async () => cleanup.stop() };
}
