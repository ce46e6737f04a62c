// Bootstrap-token authentication (Kubernetes' --enable-bootstrap-token-auth): a bearer
// token `<id>.<secret>` authenticates as `system:bootstrap:<id>` in the groups
// system:bootstrappers and the token's auth-extra-groups, while its Secret
// kube-system/bootstrap-token-<id> exists, is not being deleted, allows authentication
// and has not expired (api/bootstrap-token.ts has the format).
//
// The Secrets are read through a cache (list + watch of kube-system's Secrets through the
// storage: storage-follower.ts), so authentication is synchronous and costs no etcd
// read; a token created a moment ago is known once the watch delivers it (milliseconds).
// The secret is compared in constant time over SHA-256 digests.

import crypto from 'node:crypto';
import type { Logger } from 'pino';
import {
  BOOTSTRAP_TOKEN_NAMESPACE,
  BOOTSTRAP_TOKEN_SECRET_PREFIX,
  BOOTSTRAP_USER_PREFIX,
  BOOTSTRAPPERS_GROUP,
  EXTRA_GROUP_RE,
  isExpired,
  parseToken,
  readBootstrapTokenSecret,
  secretNameFor,
  type BootstrapTokenData,
} from '../../api/bootstrap-token.js';
import { findResource } from '../../api/resources.js';
import type { KubeObject } from '../../api/types.js';
import type { Clock } from '../../foundation/clock.js';
import type { Authenticator, UserInfo } from '../../foundation/token-auth.js';
import type { Component } from '../../foundation/component.js';
import { collectionPrefix } from '../registry/keys.js';
import { StorageFollower } from '../storage-follower.js';
import type { Storage } from '../storage/types.js';

const digest = (s: string) => crypto.createHash('sha256').update(s, 'utf8').digest();

export class BootstrapTokenAuthenticator implements Authenticator {
  private readonly tokens = new Map<string, BootstrapTokenData & { deleting: boolean }>();
  private readonly follower: StorageFollower;

  constructor(
    storage: Storage,
    private readonly clock: Clock,
    logger: Logger,
  ) {
    this.follower = new StorageFollower({
      storage,
      prefix: collectionPrefix(findResource('', 'v1', 'secrets')!, BOOTSTRAP_TOKEN_NAMESPACE),
      logger,
      name: 'bootstrap token cache',
      onList: (items) => {
        this.tokens.clear();
        for (const s of items) this.put(s, false);
      },
      onEvent: (ev) => this.put(ev.object, ev.type === 'DELETED'),
    });
  }

  authenticate(token: string): UserInfo | undefined {
    const parsed = parseToken(token);
    if (!parsed) return undefined;
    const t = this.tokens.get(secretNameFor(parsed.id));
    if (!t || t.deleting || !t.usageAuthentication) return undefined;
    if (!crypto.timingSafeEqual(digest(parsed.secret), digest(t.tokenSecret))) return undefined;
    if (isExpired(t, this.clock.now())) return undefined;
    // A malformed extra group makes the whole token unusable, as Kubernetes.
    if (t.extraGroups.some((g) => !EXTRA_GROUP_RE.test(g))) return undefined;
    return { name: `${BOOTSTRAP_USER_PREFIX}${t.tokenId}`, groups: [BOOTSTRAPPERS_GROUP, ...t.extraGroups] };
  }

  /** True once the first list has been read (tests wait for it). */
  get ready(): boolean {
    return this.follower.synced;
  }

  start(): void {
    this.follower.start();
  }

  stop(): void {
    this.follower.stop();
  }

  private put(obj: KubeObject, removed: boolean): void {
    const name = obj.metadata.name ?? '';
    if (!name.startsWith(BOOTSTRAP_TOKEN_SECRET_PREFIX)) return;
    const t = removed ? undefined : readBootstrapTokenSecret(obj as Parameters<typeof readBootstrapTokenSecret>[0]);
    if (t) this.tokens.set(name, { ...t, deleting: Boolean(obj.metadata.deletionTimestamp) });
    else this.tokens.delete(name);
  }
}

export function bootstrapTokenComponent(auth: BootstrapTokenAuthenticator): Component {
  return {
    name: 'bootstrap-token-cache',
    start: async () => auth.start(),
    stop: async () => auth.stop(),
    ready: () => (auth.ready ? undefined : 'bootstrap token Secrets not listed yet'),
  };
}
