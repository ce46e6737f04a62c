// Deleting a namespace marks it Terminating; this loop empties it and then removes it.
// Kubernetes runs this as a controller in the controller manager; orch runs it inside
// the apiserver so that a namespace deletion completes with nothing but etcd and the
// apiserver running (tests, `kubectl delete ns` against a bare API). Every step is an
// idempotent compare-and-swap, so several apiservers doing it at once is harmless.
// It scans namespaces every intervalMs (one small list); only a Terminating namespace
// costs more than that.
//
// Failures are contained: an object that cannot be deleted (a storage fault, a write
// refused) is reported and skipped, so the other objects of its namespace and the other
// namespaces are still cleaned up in the same pass. What went wrong is logged at warn
// (once per object and message, repeats at debug) and written into the namespace's
// status.conditions the way Kubernetes does (namespace-conditions.ts), where
// `kubectl get ns X -o yaml` and `orch describe ns X` show it.

import { isNotFound } from '../api/errors.js';
import { deepClone } from '../api/meta.js';
import { findResource, RESOURCES, type ResourceInfo } from '../api/resources.js';
import type { KubeObject, Namespace } from '../api/types.js';
import { nowIso, type Clock } from '../foundation/clock.js';
import type { Logger } from 'pino';
import { readyToRemove } from '../api/strategies/object-prep.js';
import type { Store } from './registry/store.js';
import { countInto, emptyReport, groupResource, nextConditions, type CleanupReport } from './namespace-conditions.js';

const nsRes = findResource('', 'v1', 'namespaces')!;

export class NamespaceCleanup {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = true;
  /** Failures reported at warn in the last pass (key → message): a repeat goes to debug. */
  private warned = new Map<string, string>();

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly intervalMs: number,
    /** Namespaced kinds beyond the fixed table (custom resources of CRDs). */
    private readonly extraResources: () => readonly ResourceInfo[] = () => [],
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick().finally(() => this.schedule()), this.intervalMs);
    this.timer.unref();
  }

  /** One pass over every Terminating namespace; exported for tests. */
  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const failures = new Map<string, string>();
    try {
      let list;
      try {
        list = await this.store.list(nsRes, undefined, { predicate: (o) => !!o.metadata.deletionTimestamp, allowWatchBookmarks: false });
      } catch (err) {
        this.report(failures, 'namespaces', err, {}, 'cannot list namespaces for cleanup; will retry');
        return;
      }
      for (const ns of list.items) {
        if (this.stopped) return;
        // One namespace's trouble never holds up the next one.
        try {
          await this.cleanNamespace(ns, failures);
        } catch (err) {
          this.report(failures, `ns/${ns.metadata.name}`, err, { namespace: ns.metadata.name }, 'namespace cleanup failed; will retry');
        }
      }
    } finally {
      this.warned = failures;
      this.running = false;
    }
  }

  /** warn the first time this key fails with this message, debug while it keeps failing the same way. */
  private report(failures: Map<string, string>, key: string, err: unknown, fields: Record<string, unknown>, msg: string): string {
    const text = (err as Error)?.message ?? String(err);
    failures.set(key, text);
    const level = this.warned.get(key) === text ? 'debug' : 'warn';
    this.logger[level]({ ...fields, err }, msg);
    return text;
  }

  private async cleanNamespace(ns: KubeObject, failures: Map<string, string>): Promise<void> {
    const name = ns.metadata.name!;
    const report = emptyReport();
    for (const r of [...RESOURCES, ...this.extraResources()]) {
      if (r.namespaced) await this.cleanResource(r, name, report, failures);
    }
    const done = report.remaining.size === 0 && report.discoveryErrors.length === 0 && report.contentErrors.length === 0;
    if (done) this.logger.info({ namespace: name }, 'namespace empty, removing it');
    const now = nowIso(this.clock);
    try {
      await this.store.modify(nsRes, undefined, name, (current) => {
        const conds = nextConditions((current as Namespace).status?.conditions, report, now);
        if (!conds && !done) return current;
        const next = deepClone(current) as Namespace;
        if (conds) next.status = { ...next.status, conditions: conds };
        if (!done) return next;
        const spec = next.spec ?? {};
        spec.finalizers = (spec.finalizers ?? []).filter((f) => f !== 'kubernetes');
        next.spec = spec;
        return readyToRemove(next) ? undefined : next;
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** Delete every object of one kind in the namespace; what fails or stays goes into the report. */
  private async cleanResource(r: ResourceInfo, ns: string, report: CleanupReport, failures: Map<string, string>): Promise<void> {
    const gr = groupResource(r);
    let items: KubeObject[];
    try {
      items = (await this.store.list(r, ns, { allowWatchBookmarks: false })).items;
    } catch (err) {
      const text = this.report(failures, `${ns}/${gr}`, err, { namespace: ns, resource: gr }, 'cannot list namespace content for cleanup; will retry');
      report.discoveryErrors.push(`${gr}: ${text}`);
      return;
    }
    for (const item of items) {
      const md = item.metadata;
      let left: KubeObject | undefined = item;
      try {
        left = await this.deleteOne(r, ns, item);
      } catch (err) {
        if (isNotFound(err)) {
          left = undefined;
        } else {
          const text = this.report(failures, `${ns}/${gr}/${md.name}`, err, { namespace: ns, resource: gr, name: md.name }, 'cannot delete object in a terminating namespace; will retry');
          report.contentErrors.push(`${gr} "${md.name}": ${text}`);
        }
      }
      if (!left) continue;
      countInto(report.remaining, gr);
      for (const f of left.metadata.finalizers ?? []) countInto(report.finalizers, f);
    }
  }

  /** One deletion step for one object; the object as it remains, or undefined when it is gone. */
  private async deleteOne(r: ResourceInfo, ns: string, item: KubeObject): Promise<KubeObject | undefined> {
    const md = item.metadata;
    let res;
    if (!md.deletionTimestamp) {
      res = await this.store.delete(r, ns, md.name!, { dryRun: false });
    } else if (r.plural === 'pods' && Date.parse(md.deletionTimestamp) <= this.clock.now() && (md.deletionGracePeriodSeconds ?? 0) > 0) {
      // Grace is over and no agent confirmed: force it, or the namespace would
      // hang forever behind a pod on a dead node. An agent still running its
      // containers removes them once the pod is gone.
      res = await this.store.delete(r, ns, md.name!, { dryRun: false, gracePeriodSeconds: 0 });
    } else {
      return item; // being deleted: waiting for its finalizers or its agent
    }
    return res.removed ? undefined : res.object;
  }
}
