// Owners the garbage collector has no shared informer for: custom resources (a Deployment
// owned by a WebApp). Kubernetes' garbage collector watches every deletable resource it
// finds through discovery; orch's watches a custom resource from the first time an
// ownerReference names its kind: the kind is resolved to a resource through the
// discovery document of its group version, an informer on that resource tells the
// collector when an owner is deleted (so its dependents are looked at again), and its
// cache answers "does the owner still exist" (a live GET when the cache does not have it).
// A kind that discovery does not know is never treated as gone: nothing is deleted on a
// guess, and the kind is asked again after a pause (its CRD may come later).

import type { ResourceInfo } from '../../api/resources.js';
import type { KubeObject, OwnerReference } from '../../api/types.js';
import { isNotFound } from '../../api/errors.js';
import { Informer } from '../../client/informer.js';
import type { Client } from '../../client/types.js';
import type { Clock } from '../../foundation/clock.js';
import { realClock } from '../../foundation/clock.js';
import type { Logger } from '../../foundation/logger.js';

/** The part of a discovery document (`/apis/{group}/{version}`) read here. */
interface APIResourceList {
  resources: Array<{ name: string; singularName?: string; namespaced: boolean; kind: string; shortNames?: string[] }>;
}

/** How long a lookup waits for a new owner informer's first list. */
const SYNC_WAIT_MS = 10_000;

/** How long an unknown kind is remembered as unknown before discovery is asked again. */
const UNKNOWN_KIND_RETRY_MS = 10_000;

export interface CustomOwnerLookup {
  /** The owner as it is now; null when it does not exist; undefined when its kind is not served. */
  get(ns: string | undefined, ref: OwnerReference): Promise<KubeObject | null | undefined>;
}

export class CustomOwners implements CustomOwnerLookup {
  private readonly kinds = new Map<string, { info?: ResourceInfo; at: number }>();
  private readonly informers = new Map<string, Informer<KubeObject>>();
  private stopped = false;

  constructor(
    private readonly client: Required<Pick<Client, 'resourceFor' | 'discovery'>>,
    /** Told the uid of every deleted owner (the collector enqueues its dependents). */
    private readonly onDeleted: (uid: string) => void,
    private readonly logger: Logger,
    private readonly clock: Clock = realClock,
  ) {}

  async get(ns: string | undefined, ref: OwnerReference): Promise<KubeObject | null | undefined> {
    const info = await this.resolve(ref.apiVersion, ref.kind);
    if (!info || this.stopped) return undefined;
    const inf = this.watch(info);
    // An informer that cannot list (no right to, an outage) must not hold the collector's
    // worker: after a while the live GET alone answers.
    await inf.waitForSync(AbortSignal.timeout(SYNC_WAIT_MS)).catch(() => undefined);
    const namespace = info.namespaced ? ns : undefined;
    const cached = inf.get(namespace ? `${namespace}/${ref.name}` : ref.name);
    if (cached) return cached;
    try {
      return await this.client.resourceFor(info).get(ref.name, namespace);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  stop(): void {
    this.stopped = true;
    for (const inf of this.informers.values()) inf.stop();
    this.informers.clear();
  }

  private watch(info: ResourceInfo): Informer<KubeObject> {
    const key = `${info.group}/${info.version}/${info.plural}`;
    let inf = this.informers.get(key);
    if (!inf) {
      inf = new Informer<KubeObject>(this.client.resourceFor(info), { logger: this.logger.child({ informer: key }), clock: this.clock });
      inf.addEventHandler({ onDelete: (o) => o.metadata.uid && this.onDeleted(o.metadata.uid) });
      this.informers.set(key, inf);
      inf.start();
    }
    return inf;
  }

  /** Kind → resource through `/apis/{group}/{version}` (cached; unknown kinds asked again later). */
  private async resolve(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    const key = `${apiVersion}/${kind}`;
    const known = this.kinds.get(key);
    if (known && (known.info || this.clock.now() - known.at < UNKNOWN_KIND_RETRY_MS)) return known.info;
    const slash = apiVersion.indexOf('/');
    if (slash < 0) return undefined; // the core group is all built in
    const [group, version] = [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
    let list: APIResourceList | undefined;
    try {
      list = await this.client.discovery<APIResourceList>(`/apis/${encodeURIComponent(group)}/${encodeURIComponent(version)}`);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const r = list?.resources.find((x) => x.kind === kind && !x.name.includes('/'));
    const info: ResourceInfo | undefined = r && {
      group,
      version,
      kind,
      listKind: `${kind}List`,
      plural: r.name,
      singular: r.singularName ?? kind.toLowerCase(),
      namespaced: r.namespaced,
      shortNames: r.shortNames ?? [],
      verbs: [],
      subresources: [],
    };
    this.kinds.set(key, { info, at: this.clock.now() });
    return info;
  }
}
