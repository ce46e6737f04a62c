// What a pod's containers are built from besides its own spec: the ConfigMaps and Secrets
// its environment and volumes name, and its bound claims. Read from the API at each
// (re)creation so a changed ConfigMap reaches the next container.

import { isNotFound } from '../api/errors.js';
import { podClaimNames } from '../api/storage/matching.js';
import type { ConfigMap, Pod, Secret } from '../api/types.js';
import type { Client } from '../client/types.js';
import { fetchClaims } from './claim-volumes.js';
import { referencedObjects, type EnvSources } from './pod-to-container.js';

/** The ConfigMaps and Secrets the pod references (undefined: not found). */
export async function fetchSources(client: Client, pod: Pod): Promise<EnvSources> {
  const ns = pod.metadata.namespace ?? 'default';
  const refs = referencedObjects(pod);
  const src: EnvSources = { configMaps: new Map(), secrets: new Map() };
  const get = async <T>(fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
  await Promise.all([
    ...refs.configMaps.map(async (n) => src.configMaps.set(n, await get<ConfigMap>(() => client.configmaps.get(n, ns)))),
    ...refs.secrets.map(async (n) => src.secrets.set(n, await get<Secret>(() => client.secrets.get(n, ns)))),
    podClaimNames(pod).length > 0 ? fetchClaims(client, pod).then((c) => (src.claims = c)) : undefined,
  ]);
  return src;
}
