// The cluster's identity: the uid of its kube-system namespace (created by the apiserver at
// start, kept as long as the etcd data). Agents label their containers with it and the
// service proxy names its iptables chains after it, so two clusters sharing a host tell
// their things apart. One place reads it, for every component that needs it.

import { retryingComponent, type Component } from '../foundation/component.js';
import type { Clock } from '../foundation/clock.js';
import type { Logger } from '../foundation/logger.js';
import type { Client } from './types.js';

export async function readClusterUid(client: Client): Promise<string> {
  const uid = (await client.namespaces.get('kube-system')).metadata.uid;
  if (!uid) throw new Error('kube-system has no uid');
  return uid;
}

/**
 * A component that reads the identity at start and, while the API does not answer,
 * retries it in the background every 2 s (not ready until then); `onIdentity` runs once.
 */
export function clusterIdentityComponent(o: { client: Client; clock: Clock; logger: Logger; onIdentity: (uid: string) => void }): Component {
  return retryingComponent(
    'cluster-identity',
    async (signal) => {
      try {
        o.onIdentity(await readClusterUid(o.client));
        return true;
      } catch (err) {
        if (!signal.aborted) o.logger.warn({ err }, 'cannot read the cluster identity (kube-system uid); retrying');
        return false;
      }
    },
    { clock: o.clock, intervalMs: 2000, notReady: 'kube-system uid not read yet' },
  );
}
