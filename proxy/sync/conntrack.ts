// UDP has no connection to close: a conntrack entry keeps sending a client's datagrams to
// the endpoint it was DNATed to, gone or not (and to nowhere while the service had no
// endpoint). After a sync the entries of removed UDP endpoints are deleted, and those of a
// UDP service that just got its first endpoint, as kube-proxy does (`conntrack -D`, from
// Debian's conntrack package). Exit status 1 means "nothing matched": not an error.

import type { HostCommands } from '../../foundation/host-commands.js';
import type { Logger } from '../../foundation/logger.js';
import type { ServicePortModel } from '../rules/service-model.js';

/** The conntrack -D argument lists for one UDP service port going from `old` to `now`. */
export function staleFlows(old: ServicePortModel, now: ServicePortModel | undefined): string[][] {
  if (old.protocol !== 'udp') return [];
  const fam = old.family === 4 ? 'ipv4' : 'ipv6';
  const gone = old.endpoints.filter((e) => !now?.endpoints.some((n) => n.ip === e.ip && n.port === e.port));
  const out: string[][] = [];
  const dests = [old.clusterIP, ...old.externalIPs, ...old.loadBalancerIPs];
  for (const e of gone) {
    for (const d of dests) out.push(['-D', '-f', fam, '-p', 'udp', '--orig-dst', d, '--dst-nat', e.ip]);
    if (old.nodePort) out.push(['-D', '-f', fam, '-p', 'udp', '--orig-port-dst', String(old.nodePort), '--dst-nat', e.ip]);
  }
  return out;
}

/** Entries made while a UDP service port had no endpoint (now it has). */
export function firstEndpointFlows(old: ServicePortModel | undefined, now: ServicePortModel): string[][] {
  if (now.protocol !== 'udp' || now.endpoints.length === 0 || (old && old.endpoints.length > 0)) return [];
  const fam = now.family === 4 ? 'ipv4' : 'ipv6';
  return [now.clusterIP, ...now.externalIPs, ...now.loadBalancerIPs].map((d) => ['-D', '-f', fam, '-p', 'udp', '--orig-dst', d]);
}

export class Conntrack {
  private missing = false;

  constructor(
    private readonly cmd: HostCommands,
    private readonly log: Logger,
  ) {}

  async delete(flows: string[][]): Promise<void> {
    for (const args of flows) {
      if (this.missing) return;
      try {
        await this.cmd.run('conntrack', args);
      } catch (err) {
        const e = err as { code?: number | string; stderr?: string };
        if (e.code === 1) continue; // 0 flow entries deleted
        if (e.code === 'ENOENT') {
          this.missing = true;
          this.log.warn('conntrack not found (Debian package conntrack): UDP flows of removed endpoints are not cleared');
          return;
        }
        this.log.warn({ err, args }, 'conntrack -D failed');
      }
    }
  }
}
