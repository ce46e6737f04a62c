// Kubernetes' ServiceAccount admission plugin, on pod creation:
// - spec.serviceAccountName defaults to `default` (the deprecated spec.serviceAccount
//   alias is read when the name is empty, and kept equal to it);
// - the service account must exist: 403 "error looking up service account NS/NAME"
//   otherwise. `default` is looked up again for a while, since the controller manager
//   creates it moments after its namespace (the plugin's own retry: Kubernetes looks 10
//   times, 100-200 ms apart; orch keeps that window, ~1-2 s, but looks every 10-20 ms, so
//   the first pod of a new namespace waits for the account, not for the next look);
// - unless automountServiceAccountToken (the pod's, else the service account's) is false,
//   a projected volume `kube-api-access-<5 random>` (a 3607 s token, the cluster CA from
//   ConfigMap kube-root-ca.crt, the namespace) is mounted read-only at
//   /var/run/secrets/kubernetes.io/serviceaccount in every init and app container that
//   does not mount something there already. A pod that already has a kube-api-access-*
//   volume reuses it.
// Bodies that are not pod-shaped are left alone: validation answers them.

import { errors, isNotFound } from '../../api/errors.js';
import { RESOURCES } from '../../api/resources.js';
import type { KubeObject } from '../../api/types.js';
import type { Store } from '../registry/store.js';

export const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
export const TOKEN_VOLUME_PREFIX = 'kube-api-access-';
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface ServiceAccountAdmissionOptions {
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export function tokenVolume(name: string): Obj {
  return {
    name,
    projected: {
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: ROOT_CA_CONFIGMAP, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
      defaultMode: 0o644,
    },
  };
}

/** How often `default` is looked up, and how far apart (ms, plus up to as much again at random). */
export const DEFAULT_ACCOUNT_LOOKUPS = 100;
export const LOOKUP_INTERVAL_MS = 10;

async function lookup(store: Store, ns: string, name: string, o: ServiceAccountAdmissionOptions, random: () => number): Promise<KubeObject> {
  const r = RESOURCES.find((x) => x.plural === 'serviceaccounts')!;
  const attempts = name === 'default' ? DEFAULT_ACCOUNT_LOOKUPS : 1;
  const interval = LOOKUP_INTERVAL_MS + Math.floor(random() * LOOKUP_INTERVAL_MS);
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((res) => setTimeout(res, ms)));
  for (let i = 0; ; i++) {
    try {
      return await store.get(r, ns, name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      if (i + 1 >= attempts) throw err;
    }
    await sleep(interval);
  }
}

/** Mutates `body` (a pod about to be created in `ns`) as the plugin does. */
export async function admitPodServiceAccount(store: Store, ns: string, body: unknown, o: ServiceAccountAdmissionOptions = {}): Promise<void> {
  if (!isObj(body) || !isObj(body.spec)) return;
  const spec = body.spec;
  if (typeof spec.serviceAccountName !== 'string' && spec.serviceAccountName !== undefined) return;
  if (typeof spec.serviceAccount !== 'string' && spec.serviceAccount !== undefined) return;
  const name = (spec.serviceAccountName as string | undefined) || (spec.serviceAccount as string | undefined) || 'default';
  spec.serviceAccountName = name;
  spec.serviceAccount = name;
  const random = o.random ?? Math.random;
  let sa: KubeObject;
  try {
    sa = await lookup(store, ns, name, o, random);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    const podName = isObj(body.metadata) && typeof body.metadata.name === 'string' ? `pods "${body.metadata.name}" is forbidden: ` : '';
    throw errors.forbidden(`${podName}error looking up service account ${ns}/${name}: serviceaccount "${name}" not found`);
  }
  const automount = typeof spec.automountServiceAccountToken === 'boolean' ? spec.automountServiceAccountToken : sa.automountServiceAccountToken !== false;
  if (!automount) return;

  const volumes = Array.isArray(spec.volumes) ? spec.volumes : undefined;
  if (spec.volumes !== undefined && spec.volumes !== null && !volumes) return;
  let volumeName = volumes?.find((v) => isObj(v) && typeof v.name === 'string' && v.name.startsWith(TOKEN_VOLUME_PREFIX))?.name as string | undefined;
  const hasVolume = volumeName !== undefined;
  if (!volumeName) {
    volumeName = TOKEN_VOLUME_PREFIX;
    for (let i = 0; i < 5; i++) volumeName += NAME_CHARS[Math.floor(random() * NAME_CHARS.length)] ?? 'x';
  }
  let needed = false;
  for (const field of ['initContainers', 'containers'] as const) {
    const list = spec[field];
    if (!Array.isArray(list)) continue;
    for (const c of list) {
      if (!isObj(c)) continue;
      if (c.volumeMounts !== undefined && c.volumeMounts !== null && !Array.isArray(c.volumeMounts)) continue;
      const mounts = (c.volumeMounts as unknown[] | undefined) ?? [];
      if (mounts.some((m) => isObj(m) && m.mountPath === TOKEN_MOUNT_PATH)) continue;
      c.volumeMounts = [...mounts, { name: volumeName, readOnly: true, mountPath: TOKEN_MOUNT_PATH }];
      needed = true;
    }
  }
  if (needed && !hasVolume) spec.volumes = [...(volumes ?? []), tokenVolume(volumeName)];
}
