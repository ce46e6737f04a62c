// Kubernetes' DefaultStorageClass admission plugin: a PersistentVolumeClaim created
// without spec.storageClassName gets the default StorageClass's name (the newest class
// annotated storageclass.kubernetes.io/is-default-class=true). A claim that says "" keeps
// it: it asks for a volume of no class. No default class: the claim stays without one
// (Kubernetes' later retroactive assignment is not done by orch). Async, on the create
// path (like the ServiceAccount plugin), since it reads the classes from the store.

import { RESOURCES } from '../../api/resources.js';
import { defaultClass, type StorageClass } from '../../api/storage/types.js';
import type { Store } from '../registry/store.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const STORAGE_CLASSES = RESOURCES.find((r) => r.plural === 'storageclasses')!;

/** Mutates `body` (a claim about to be created). Bodies that are not claim-shaped are left to validation. */
export async function admitClaimStorageClass(store: Store, body: unknown): Promise<void> {
  if (!isObj(body) || !isObj(body.spec)) return;
  if (body.spec.storageClassName !== undefined && body.spec.storageClassName !== null) return;
  const annotations = isObj(body.metadata) && isObj(body.metadata.annotations) ? body.metadata.annotations : {};
  if (annotations['volume.beta.kubernetes.io/storage-class'] !== undefined) return;
  const list = await store.list(STORAGE_CLASSES, undefined, { allowWatchBookmarks: false });
  const sc = defaultClass(list.items as StorageClass[]);
  if (sc?.metadata.name) body.spec.storageClassName = sc.metadata.name;
}
