// The webhook configurations this apiserver calls, from memory: a list + watch of
// Validating- and MutatingWebhookConfigurations (storage-follower.ts), as Kubernetes'
// webhook admission reads them from an informer, so a request costs no etcd read. Webhooks
// are kept in Kubernetes' order (configurations by name, then their webhooks in order),
// with their selectors compiled once. This server's own writes go in at once (noteWrite):
// a configuration created here applies to the next request here; another apiserver sees
// it once its watch delivers it (milliseconds), as in Kubernetes.

import type { Logger } from 'pino';
import type { MutatingWebhook, WebhookConfiguration } from '../../api/admission-types.js';
import { RESOURCES, type ResourceInfo } from '../../api/resources.js';
import { selectorFromLabelSelector } from '../../api/selectors/labels.js';
import type { KubeObject } from '../../api/types.js';
import { collectionPrefix } from '../registry/keys.js';
import { StorageFollower } from '../storage-follower.js';
import type { Storage } from '../storage/types.js';
import type { CompiledSelector } from './matching.js';

export interface CompiledWebhook {
  /** The configuration's name (Kubernetes orders by it). */
  configuration: string;
  mutating: boolean;
  hook: MutatingWebhook;
  namespaceSelector: CompiledSelector;
  objectSelector: CompiledSelector;
  /** Identifies this webhook's client settings (uid, resourceVersion, index): connections are reused per key. */
  key: string;
}

const GROUP = 'admissionregistration.k8s.io';

function compile(cfg: KubeObject, mutating: boolean): CompiledWebhook[] {
  const c = cfg as unknown as WebhookConfiguration<MutatingWebhook>;
  return (c.webhooks ?? []).map((hook, i) => ({
    configuration: c.metadata.name!,
    mutating,
    hook,
    namespaceSelector: compileSelector(hook.namespaceSelector),
    objectSelector: compileSelector(hook.objectSelector),
    key: `${c.metadata.uid}/${c.metadata.resourceVersion}/${i}`,
  }));
}

function compileSelector(sel: MutatingWebhook['namespaceSelector']): CompiledSelector {
  if (!sel) return undefined;
  const reqs = selectorFromLabelSelector(sel);
  return reqs.length === 0 ? undefined : reqs;
}

/** One kind's configurations. */
class ConfigurationSet {
  private readonly configs = new Map<string, KubeObject>();
  readonly follower: StorageFollower;
  /** In Kubernetes' order; rebuilt on every change. */
  webhooks: CompiledWebhook[] = [];

  constructor(storage: Storage, r: ResourceInfo, logger: Logger, private readonly changed: () => void) {
    const mutating = r.kind === 'MutatingWebhookConfiguration';
    const rebuild = () => {
      const names = [...this.configs.keys()].sort();
      this.webhooks = names.flatMap((n) => compile(this.configs.get(n)!, mutating));
      this.changed();
    };
    this.follower = new StorageFollower({
      storage,
      prefix: collectionPrefix(r),
      logger,
      name: `${r.plural} cache`,
      onList: (items) => {
        this.configs.clear();
        for (const c of items) this.configs.set(c.metadata.name!, c);
        rebuild();
      },
      onEvent: (ev) => {
        if (!this.apply(ev.object, ev.type === 'DELETED', ev.revision)) return;
        rebuild();
      },
    });
    this.rebuild = rebuild;
  }

  private readonly rebuild: () => void;

  /** False when what we hold is newer (a write noted before its watch event). */
  private apply(obj: KubeObject, removed: boolean, revision: number): boolean {
    const name = obj.metadata.name!;
    const cur = this.configs.get(name);
    if (cur && Number(cur.metadata.resourceVersion) > revision) return false;
    if (removed) this.configs.delete(name);
    else this.configs.set(name, obj);
    return true;
  }

  noteWrite(obj: KubeObject, removed: boolean): void {
    if (!this.follower.synced) return;
    if (this.apply(obj, removed, Number(obj.metadata.resourceVersion))) this.rebuild();
  }
}

export class WebhookCache {
  private readonly validating: ConfigurationSet;
  private readonly mutating: ConfigurationSet;
  /** Told when the set of webhooks changes (the client drops connections of removed ones). */
  onChange?: () => void;

  constructor(storage: Storage, logger: Logger) {
    const find = (kind: string) => RESOURCES.find((r) => r.group === GROUP && r.kind === kind)!;
    const changed = () => this.onChange?.();
    this.validating = new ConfigurationSet(storage, find('ValidatingWebhookConfiguration'), logger, changed);
    this.mutating = new ConfigurationSet(storage, find('MutatingWebhookConfiguration'), logger, changed);
  }

  start(): void {
    this.validating.follower.start();
    this.mutating.follower.start();
  }

  stop(): void {
    this.validating.follower.stop();
    this.mutating.follower.stop();
  }

  get firstSync(): Promise<void> {
    return Promise.all([this.validating.follower.firstSync, this.mutating.follower.firstSync]).then(() => undefined);
  }

  get synced(): boolean {
    return this.validating.follower.synced && this.mutating.follower.synced;
  }

  /** A configuration this server wrote (registry/store.ts). */
  noteWrite(r: Pick<ResourceInfo, 'kind'>, obj: KubeObject, removed: boolean): void {
    (r.kind === 'MutatingWebhookConfiguration' ? this.mutating : this.validating).noteWrite(obj, removed);
  }

  validatingWebhooks(): readonly CompiledWebhook[] {
    return this.validating.webhooks;
  }

  mutatingWebhooks(): readonly CompiledWebhook[] {
    return this.mutating.webhooks;
  }

  /** Every key in use (the client keeps connections for these only). */
  keys(): Set<string> {
    return new Set([...this.validating.webhooks, ...this.mutating.webhooks].map((w) => w.key));
  }
}
