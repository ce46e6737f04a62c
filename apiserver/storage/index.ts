// The storage layer's public face: the contract and the etcd implementation.
export type * from './types.js';
export { createEtcdStorage, EtcdStorage, type EtcdStorageOptions } from './etcd-storage.js';
export type { WatchHubOptions } from './watch-hub.js';
export { canListJson, type JsonListing, type RawListResult } from './json-listing.js';
export { isEtcdClientLibraryError } from './etcd-watch-guard.js';
export { ETCD_DEFAULT_MAX_REQUEST_BYTES } from './etcd-errors.js';
