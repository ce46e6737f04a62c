// Tests of other features that run pods Pod Security's default (baseline) refuses —
// hostPath volumes, hostPorts, hostNetwork — label their namespace privileged, as a
// cluster admin would: `kubectl label ns default pod-security.kubernetes.io/enforce=privileged`.

import type { Client } from '../../client/types.js';
import { eventually } from './eventually.js';

export const PRIVILEGED_LABELS = { 'pod-security.kubernetes.io/enforce': 'privileged' };

/** Labels namespace `ns` (default: default) privileged, waiting for it to exist (bootstrap creates default). */
export async function allowPrivilegedPods(client: Client, ns = 'default'): Promise<void> {
  await eventually(`namespace ${ns} labelled privileged`, async () => {
    try {
      await client.namespaces.patch(ns, undefined, { metadata: { labels: PRIVILEGED_LABELS } }, 'merge');
      return true;
    } catch {
      return false;
    }
  }, 10_000, 100);
}
