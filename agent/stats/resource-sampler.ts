// The agent's resource sampler (component 'resource-sampler'): every --metrics-interval
// (5 s) it lists this node's running containers (one Docker call, by label), reads each
// one's cgroup files and the node's /proc files (cgroup-stats.ts), and keeps the last
// two samples. CPU is the rate between them (nanocores); memory the latest working set.
// summary() is what the agent's endpoint serves on /stats/summary (log-server.ts) and
// the apiserver's scraper reads. Sandbox (pause) containers are left out, as the kubelet
// leaves them out; a pod appears once each of its running containers has two samples.

import type { Pod } from '../../api/types.js';
import type { ContainerSummary, NodeSummary, PodSummary } from '../../api/metrics-types.js';
import type { Clock } from '../../foundation/clock.js';
import type { Component } from '../../foundation/component.js';
import type { Logger } from '../../foundation/logger.js';
import { LABEL_CONTAINER, LABEL_NAMESPACE, LABEL_NODE, LABEL_POD, LABEL_POD_UID, SANDBOX_CONTAINER } from '../labels.js';
import type { ContainerRuntime } from '../runtime/types.js';
import type { CgroupReader, Usage } from './cgroup-stats.js';

export const DEFAULT_METRICS_INTERVAL_MS = 5000;

interface Sample {
  at: number;
  usage: Usage;
}

interface Tracked {
  prev?: Sample;
  last: Sample;
  ns: string;
  pod: string;
  uid: string;
  container: string;
}

export interface ResourceSamplerOptions {
  runtime: Pick<ContainerRuntime, 'listContainers'>;
  reader: CgroupReader;
  nodeName: string;
  clock: Clock;
  logger: Logger;
  intervalMs?: number;
  /** The node's pods (the agent's informer), for their labels. */
  pods: () => Pod[];
}

export class ResourceSampler implements Component {
  readonly name = 'resource-sampler';
  private timer: NodeJS.Timeout | undefined;
  private readonly containers = new Map<string, Tracked>();
  private nodePrev: Sample | undefined;
  private nodeLast: Sample | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly o: ResourceSamplerOptions) {}

  async start(): Promise<void> {
    const every = this.o.intervalMs ?? DEFAULT_METRICS_INTERVAL_MS;
    void this.tick();
    this.timer = setInterval(() => void this.tick(), every);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One sample now (tests call it directly); overlapping calls share one. */
  tick(): Promise<void> {
    this.running ??= this.sample()
      .catch((err) => this.o.logger.warn({ err }, 'resource sample failed'))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async sample(): Promise<void> {
    // Which containers run is all it needs: no inspect per container every interval.
    const list = await this.o.runtime.listContainers({ [LABEL_NODE]: this.o.nodeName }, { details: false });
    const at = this.o.clock.now();
    const seen = new Set<string>();
    for (const c of list) {
      const l = c.labels;
      if (c.state !== 'running' || l[LABEL_CONTAINER] === SANDBOX_CONTAINER || !l[LABEL_POD_UID]) continue;
      const usage = this.o.reader.container(c.id);
      if (!usage) continue;
      seen.add(c.id);
      const t = this.containers.get(c.id);
      if (t) {
        t.prev = t.last;
        t.last = { at, usage };
      } else {
        this.containers.set(c.id, { last: { at, usage }, ns: l[LABEL_NAMESPACE] ?? '', pod: l[LABEL_POD] ?? '', uid: l[LABEL_POD_UID], container: l[LABEL_CONTAINER] ?? '' });
      }
    }
    for (const id of this.containers.keys()) if (!seen.has(id)) this.containers.delete(id);
    this.o.reader.retain(seen);
    this.nodePrev = this.nodeLast;
    this.nodeLast = { at, usage: this.o.reader.node() };
  }

  /** The latest figures; undefined until two samples of the node exist. */
  summary(): NodeSummary | undefined {
    const last = this.nodeLast;
    const prev = this.nodePrev;
    if (!last || !prev || last.at <= prev.at) return undefined;
    const pods = new Map<string, PodSummary>();
    const incomplete = new Set<string>();
    const byUid = new Map(this.o.pods().map((p) => [p.metadata.uid, p]));
    for (const t of this.containers.values()) {
      if (!t.prev || t.last.at <= t.prev.at) {
        incomplete.add(t.uid);
        continue;
      }
      let p = pods.get(t.uid);
      if (!p) {
        const labels = byUid.get(t.uid)?.metadata.labels;
        p = { podRef: { name: t.pod, namespace: t.ns, uid: t.uid }, ...(labels ? { labels } : {}), containers: [] };
        pods.set(t.uid, p);
      }
      p.containers.push(containerSummary(t.container, t.prev, t.last));
    }
    for (const uid of incomplete) pods.delete(uid);
    const node = containerSummary(this.o.nodeName, prev, last);
    return { node: { nodeName: this.o.nodeName, cpu: node.cpu, memory: node.memory }, pods: [...pods.values()], windowSeconds: (last.at - prev.at) / 1000 };
  }
}

function containerSummary(name: string, prev: Sample, last: Sample): ContainerSummary {
  const time = new Date(last.at).toISOString().replace(/\.\d+Z$/, 'Z');
  const rate = ((last.usage.cpuNs - prev.usage.cpuNs) * 1e3) / (last.at - prev.at);
  return {
    name,
    cpu: { time, usageNanoCores: Math.max(0, Math.round(rate)), usageCoreNanoSeconds: last.usage.cpuNs },
    memory: { time, workingSetBytes: last.usage.workingSetBytes, usageBytes: last.usage.usageBytes },
  };
}
