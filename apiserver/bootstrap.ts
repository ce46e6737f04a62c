// Namespaces that exist on every cluster, created when the apiserver becomes ready.
// Several apiservers may race to create them: AlreadyExists is success.

import { isAlreadyExists } from '../api/errors.js';
import { findResource } from '../api/resources.js';
import type { Store } from './registry/store.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-node-lease', 'orch-node-lease'];

export async function ensureSystemNamespaces(store: Store): Promise<void> {
  const nsRes = findResource('', 'v1', 'namespaces')!;
  for (const name of SYSTEM_NAMESPACES) {
    try {
      await store.create(nsRes, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }
}
