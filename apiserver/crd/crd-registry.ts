// The apiserver's table of custom resources: list + watch of the CustomResourceDefinitions
// in etcd (storage-follower.ts), turned into ResourceInfos (custom-kinds.ts: schemas
// compiled once per CRD resourceVersion). Routing, discovery and OpenAPI ask it after
// the fixed table of built-in kinds, so the built-in path costs one Map miss at most.
// A request for a resource it does not know yet reads the CRD from etcd once
// (`load`), and this server's own CRD writes are applied at once (`noteWrite`): a CRD is
// served by the server that created it as soon as the create returns, and a schema
// change applies to its next request. Deleting a CRD ends the watches of its resources.

import type { Logger } from 'pino';
import type { ResourceInfo } from '../../api/resources.js';
import type { KubeObject } from '../../api/types.js';
import type { CustomResourceDefinition } from '../../api/crd-types.js';
import { StorageFollower } from '../storage-follower.js';
import type { Storage } from '../storage/types.js';
import { collectionPrefix, objectKeyFor } from '../registry/keys.js';
import { CRD_RESOURCE } from './crd-resource.js';
import { customResources } from './custom-kinds.js';
import { compareVersions } from './version-priority.js';
import { isServed } from '../../api/crd-naming.js';

interface Entry {
  crd: CustomResourceDefinition;
  revision: number;
  resources: ResourceInfo[];
}

const gvr = (group: string, version: string, plural: string) => `${group}/${version}/${plural}`;

export class CrdRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly index = new Map<string, ResourceInfo>();
  private readonly groups = new Map<string, Set<string>>();
  private readonly watches = new Map<string, Set<() => void>>();
  private readonly follower: StorageFollower;
  private sorted: ResourceInfo[] | undefined;
  /** Told when a CRD is added, changed or removed (cleanup, OpenAPI). */
  onChange?: (crd: CustomResourceDefinition, removed: boolean) => void;

  constructor(
    private readonly storage: Storage,
    private readonly logger: Logger,
  ) {
    this.follower = new StorageFollower({
      storage,
      prefix: collectionPrefix(CRD_RESOURCE),
      logger,
      name: 'customresourcedefinitions',
      onList: (items) => {
        const names = new Set(items.map((o) => o.metadata.name!));
        for (const name of [...this.entries.keys()]) if (!names.has(name)) this.remove(name);
        for (const o of items) this.set(o);
      },
      onEvent: (ev) => (ev.type === 'DELETED' ? this.remove(ev.object.metadata.name!, Number(ev.object.metadata.resourceVersion)) : this.set(ev.object)),
    });
  }

  start(): void {
    this.follower.start();
  }

  stop(): void {
    this.follower.stop();
  }

  get firstSync(): Promise<void> {
    return this.follower.firstSync;
  }

  /** This server wrote (or removed) a CRD: serve it as written without waiting for the watch. */
  noteWrite(obj: KubeObject, removed: boolean): void {
    if (removed) this.remove(obj.metadata.name!, Number(obj.metadata.resourceVersion));
    else this.set(obj);
  }

  private set(obj: KubeObject): void {
    const crd = obj as CustomResourceDefinition;
    const name = crd.metadata.name!;
    const revision = Number(crd.metadata.resourceVersion ?? 0);
    const cur = this.entries.get(name);
    if (cur && cur.revision >= revision) return;
    let resources: ResourceInfo[];
    try {
      // A CRD whose names were never accepted (a clash in its group: crd-naming.ts) is not served.
      resources = isServed(crd) ? customResources(crd) : [];
    } catch (err) {
      // A stored CRD whose schema ajv cannot compile: not served, and said why.
      this.logger.warn({ err, crd: name }, 'custom resource schema does not compile; not serving it');
      resources = [];
    }
    if (cur) this.unindex(cur);
    const entry = { crd, revision, resources };
    this.entries.set(name, entry);
    this.indexEntry(entry);
    this.onChange?.(crd, false);
  }

  private remove(name: string, revision = Number.MAX_SAFE_INTEGER): void {
    const cur = this.entries.get(name);
    if (!cur || cur.revision > revision) return;
    this.unindex(cur);
    this.entries.delete(name);
    const open = this.watches.get(name);
    this.watches.delete(name);
    for (const stop of open ?? []) stop();
    this.onChange?.(cur.crd, true);
  }

  private indexEntry(e: Entry): void {
    for (const r of e.resources) {
      this.index.set(gvr(r.group, r.version, r.plural), r);
      let vs = this.groups.get(r.group);
      if (!vs) this.groups.set(r.group, (vs = new Set()));
      vs.add(r.version);
    }
    this.sorted = undefined;
  }

  private unindex(e: Entry): void {
    for (const r of e.resources) this.index.delete(gvr(r.group, r.version, r.plural));
    this.groups.clear();
    for (const other of this.entries.values()) if (other !== e) for (const r of other.resources) {
      let vs = this.groups.get(r.group);
      if (!vs) this.groups.set(r.group, (vs = new Set()));
      vs.add(r.version);
    }
    this.sorted = undefined;
  }

  find(group: string, version: string, plural: string): ResourceInfo | undefined {
    return this.index.get(gvr(group, version, plural));
  }

  hasGroup(group: string): boolean {
    return this.groups.has(group);
  }

  hasGroupVersion(group: string, version: string): boolean {
    return this.groups.get(group)?.has(version) ?? false;
  }

  /** Every served custom resource, versions of a group in Kubernetes' priority order. */
  resources(): ResourceInfo[] {
    if (!this.sorted)
      this.sorted = [...this.index.values()].sort((a, b) => (a.group !== b.group ? (a.group < b.group ? -1 : 1) : compareVersions(a.version, b.version) || (a.plural < b.plural ? -1 : 1)));
    return this.sorted;
  }

  /** One resource per CRD (its objects are one set whatever the version): namespace cleanup. */
  oneResourcePerCrd(): ResourceInfo[] {
    const out: ResourceInfo[] = [];
    for (const e of this.entries.values()) {
      const r = e.resources.find((x) => x.custom?.storageVersion === x.version) ?? e.resources[0];
      if (r) out.push(r);
    }
    return out;
  }

  crd(name: string): CustomResourceDefinition | undefined {
    return this.entries.get(name)?.crd;
  }

  crds(): CustomResourceDefinition[] {
    return [...this.entries.values()].map((e) => e.crd);
  }

  terminating(crdName: string): boolean {
    return this.entries.get(crdName)?.crd.metadata.deletionTimestamp !== undefined;
  }

  /**
   * A path this server does not serve may name a CRD created through another apiserver
   * a moment ago: read `<plural>.<group>` from etcd once. True when it is now known.
   */
  async load(group: string, plural: string): Promise<boolean> {
    if (!plural || !group.includes('.')) return false;
    const obj = await this.storage.get(objectKeyFor(CRD_RESOURCE, undefined, `${plural}.${group}`));
    if (!obj) return false;
    this.set(obj);
    return true;
  }

  /** Ends with the CRD: registers a watch of one of its resources. */
  trackWatch(crdName: string, stop: () => void): () => void {
    let set = this.watches.get(crdName);
    if (!set) this.watches.set(crdName, (set = new Set()));
    set.add(stop);
    return () => set.delete(stop);
  }
}
