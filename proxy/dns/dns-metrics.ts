// The cluster DNS server's metrics, in the proxy process's registry (docs/operations.md):
//
//   orch_dns_queries_total{type,result}         every query answered: result answer | nodata |
//                                               nxdomain (from the zone), forwarded, servfail,
//                                               formerr, notimp
//   orch_dns_forward_duration_seconds{result}   one forwarded query (ok | failed)
//   orch_dns_truncated_total                    UDP answers cut to fit (TC set; the client asks again over TCP)

import { Counter, Histogram, type Registry } from 'prom-client';

/** Query types with their own label value; any other is counted as "other" (bounded label set). */
const KNOWN_TYPES = new Set(['A', 'AAAA', 'SRV', 'PTR', 'CNAME', 'TXT', 'SOA', 'NS', 'MX', 'ANY', 'HTTPS', 'SVCB']);

export type QueryResult = 'answer' | 'nodata' | 'nxdomain' | 'forwarded' | 'servfail' | 'formerr' | 'notimp';

export class DnsMetrics {
  private readonly queries: Counter<'type' | 'result'>;
  private readonly forward: Histogram<'result'>;
  private readonly truncatedTotal: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.queries = new Counter({ name: 'orch_dns_queries_total', help: 'DNS queries answered, by query type and result.', labelNames: ['type', 'result'], registers });
    this.forward = new Histogram({
      name: 'orch_dns_forward_duration_seconds',
      help: 'Time to forward one query to the node resolvers, by result.',
      labelNames: ['result'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.truncatedTotal = new Counter({ name: 'orch_dns_truncated_total', help: 'UDP answers truncated to the client limit (TC bit set).', registers });
  }

  /** Children by "type result": a label lookup per query costs more than the rest of a cached answer. */
  private readonly children = new Map<string, { inc(): void }>();

  query(type: string | undefined, result: QueryResult): void {
    const t = type && KNOWN_TYPES.has(type) ? type : 'other';
    const key = `${t} ${result}`;
    let child = this.children.get(key);
    if (!child) this.children.set(key, (child = this.queries.labels(t, result)));
    child.inc();
  }

  forwarded(seconds: number, ok: boolean): void {
    this.forward.observe({ result: ok ? 'ok' : 'failed' }, seconds);
  }

  truncated(): void {
    this.truncatedTotal.inc();
  }
}
