// Where the autoscaler reads pod usage: the resource metrics API (metrics.k8s.io/v1beta1
// PodMetrics, served by the apiserver from what the agents measure), behind an interface
// so unit tests feed samples directly. Usage is summed over a pod's containers, in milli
// units (millicores, millibytes) as Kubernetes' metrics client does; a pod missing a
// container's figure is left out (it counts as "missing" in the replica calculation).

import { parseQuantity } from '../../api/quantity.js';

export type ResourceName = 'cpu' | 'memory';

export interface PodMetricSample {
  /** Milli units: millicores or millibytes. */
  milliValue: number;
  /** When the sample was taken (ms since the epoch), and over which window. */
  timestampMs: number;
  windowMs: number;
}

/** pod name → its usage of one resource. */
export type PodMetrics = Map<string, PodMetricSample>;

export interface ResourceMetricsClient {
  /** Throws when the metrics API cannot answer or answers with nothing. */
  getResourceMetric(resource: ResourceName, namespace: string, selector: string): Promise<PodMetrics>;
}

/** metrics.k8s.io/v1beta1 PodMetrics, the fields read here. */
interface PodMetricsItem {
  metadata: { name?: string };
  timestamp?: string;
  window?: string;
  containers?: { name: string; usage?: Record<string, string> }[];
}

/** "15s", "1m30s", "500ms" (Go's time.Duration text, as metrics.k8s.io writes window). */
export function parseGoDuration(s: string | undefined): number {
  if (!s) return 0;
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };
  let total = 0;
  for (const m of s.matchAll(/([0-9.]+)(ms|us|µs|ns|h|m|s)/g)) total += Number(m[1]) * units[m[2]!]!;
  return total;
}

/** The samples of one resource from a PodMetrics list (exported for tests). */
export function samplesFrom(items: readonly PodMetricsItem[], resource: ResourceName): PodMetrics {
  const out: PodMetrics = new Map();
  for (const item of items) {
    const name = item.metadata?.name;
    if (!name || !item.containers?.length) continue;
    let sum = 0;
    let missing = false;
    for (const c of item.containers) {
      const q = c.usage?.[resource];
      if (q === undefined) {
        missing = true;
        break;
      }
      sum += Math.round(parseQuantity(q) * 1000);
    }
    if (missing) continue;
    out.set(name, { milliValue: sum, timestampMs: item.timestamp ? Date.parse(item.timestamp) : 0, windowMs: parseGoDuration(item.window) });
  }
  return out;
}

/** What the REST client offers for a path outside the typed resources (client/rest-client.ts ApiClient.request). */
export interface RawRequester {
  request<T = unknown>(method: string, path: string, opts?: { query?: Record<string, string> }): Promise<T>;
}

/** The resource metrics API through the apiserver. */
export class RestMetricsClient implements ResourceMetricsClient {
  constructor(private readonly http: RawRequester) {}

  async getResourceMetric(resource: ResourceName, namespace: string, selector: string): Promise<PodMetrics> {
    let list: { items?: PodMetricsItem[] };
    try {
      list = await this.http.request<{ items?: PodMetricsItem[] }>('GET', `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(namespace)}/pods`, { query: { labelSelector: selector } });
    } catch (err) {
      throw new Error(`unable to fetch metrics from resource metrics API: ${(err as Error).message}`);
    }
    if (!list.items?.length) throw new Error('no metrics returned from resource metrics API');
    return samplesFrom(list.items, resource);
  }
}
