// A pod's DNS configuration (its /etc/resolv.conf), as the kubelet forms it
// (pkg/kubelet/network/dns):
//
//   dnsPolicy                        nameservers            search                                     options
//   ClusterFirst (default)           the cluster DNS        <ns>.svc.<d> svc.<d> <d> + the host's       ndots:5
//   ClusterFirstWithHostNet          the same, for hostNetwork pods too
//   ClusterFirst + hostNetwork       as Default
//   Default                          the host's resolv.conf
//   None                             nothing but dnsConfig
//
// then spec.dnsConfig is appended (nameservers and searches without duplicates, options
// merged by name: the pod's value wins) and the result cut to the resolver's limits (3
// nameservers, 32 search domains, 2048 characters of search list).
//
// The cluster DNS is --cluster-dns, else the node's pod gateway (the first address of its
// first pod CIDR, where `orch proxy` serves DNS). Without either (--network-backend none)
// ClusterFirst falls back to Default, as the kubelet does without --cluster-dns.
//
// How it reaches the pod (decision): the agent writes the file into the pod's directory
// and bind-mounts it on the sandbox's /etc/resolv.conf; the app containers, which join the
// sandbox's namespaces, get the sandbox's file (hostNetwork pods: each app container gets
// the mount). Docker's own HostConfig.Dns cannot do it: on a user-defined network (the
// pod network is one) Docker writes `nameserver 127.0.0.11`, its embedded resolver, and
// only forwards to the given servers — an extra hop, DNAT inside the pod, container-name
// answers and a cap on concurrent queries. The kubelet on containerd also writes and
// mounts the file itself.
//
// Default reads the host's file; its loopback resolvers are unreachable from a pod's own
// namespace and are left out (a host whose file names only systemd-resolved's stub is
// read from /run/systemd/resolve/resolv.conf instead, as Docker does). A hostNetwork pod
// with Default, or a host with no resolver a pod can reach, keeps Docker's default.

import fs from 'node:fs/promises';
import path from 'node:path';
import { isIP } from 'node:net';
import { formatResolvConf, parseResolvConf, type ResolvConf } from '../api/net/resolv-conf.js';
import { podGatewayAddresses } from '../api/net/pod-network.js';
import type { Pod } from '../api/types.js';
import type { Logger } from '../foundation/logger.js';
import type { PodNetworkState } from './network/pod-network-state.js';

export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
export const MAX_NAMESERVERS = 3;
export const MAX_SEARCHES = 32;
export const MAX_SEARCH_CHARS = 2048;
/** The file in the pod's directory mounted on /etc/resolv.conf. */
export const POD_RESOLV_CONF = 'resolv.conf';
const SYSTEMD_RESOLVED_CONF = '/run/systemd/resolve/resolv.conf';

export interface PodDnsInput {
  clusterDomain: string;
  /** Cluster DNS servers (--cluster-dns, else the node's pod gateway); empty: none known. */
  clusterDns: string[];
  /** The host's resolv.conf. */
  host: ResolvConf;
}

export type PodDnsKind = 'cluster' | 'host' | 'none';

export function podDnsKind(pod: Pod): PodDnsKind {
  switch (pod.spec.dnsPolicy ?? 'ClusterFirst') {
    case 'ClusterFirstWithHostNet':
      return 'cluster';
    case 'ClusterFirst':
      return pod.spec.hostNetwork ? 'host' : 'cluster';
    case 'None':
      return 'none';
    default:
      return 'host';
  }
}

const unique = <T>(xs: T[]): T[] => [...new Set(xs)];

/** Options merged by name: a later value replaces an earlier one in place, new names are appended. */
export function mergeOptions(base: ResolvConf['options'], extra: ResolvConf['options']): ResolvConf['options'] {
  const out = new Map<string, string | undefined>();
  for (const o of [...base, ...extra]) out.set(o.name, o.value);
  return [...out].map(([name, value]) => (value === undefined ? { name } : { name, value }));
}

/** Cut to what resolvers read (glibc: 3 nameservers; Kubernetes: 32 searches, 2048 characters). */
export function fitLimits(c: ResolvConf): ResolvConf {
  const searches: string[] = [];
  let chars = 0;
  for (const s of c.searches.slice(0, MAX_SEARCHES)) {
    chars += s.length + (searches.length ? 1 : 0);
    if (chars > MAX_SEARCH_CHARS) break;
    searches.push(s);
  }
  return { nameservers: c.nameservers.slice(0, MAX_NAMESERVERS), searches, options: c.options };
}

/**
 * The pod's resolv.conf, or undefined for Docker's default (Default policy, no dnsConfig).
 * `fellBack`: ClusterFirst asked for, but no cluster DNS is known.
 */
export function podResolvConf(pod: Pod, input: PodDnsInput): { conf?: ResolvConf; fellBack: boolean } {
  let kind = podDnsKind(pod);
  const fellBack = kind === 'cluster' && input.clusterDns.length === 0;
  if (fellBack) kind = 'host';
  const extra = pod.spec.dnsConfig;
  const reachable = pod.spec.hostNetwork ? input.host.nameservers : input.host.nameservers.filter((n) => !isLoopback(n));
  if (kind === 'host' && !extra && (pod.spec.hostNetwork || reachable.length === 0)) return { fellBack };
  let base: ResolvConf;
  if (kind === 'cluster') {
    const ns = pod.metadata.namespace ?? 'default';
    const d = input.clusterDomain;
    base = { nameservers: [...input.clusterDns], searches: unique([`${ns}.svc.${d}`, `svc.${d}`, d, ...input.host.searches]), options: [{ name: 'ndots', value: '5' }] };
  } else if (kind === 'host') {
    base = { nameservers: reachable, searches: [...input.host.searches], options: [...input.host.options] };
  } else {
    base = { nameservers: [], searches: [], options: [] };
  }
  const merged: ResolvConf = {
    nameservers: unique([...base.nameservers, ...(extra?.nameservers ?? [])]),
    searches: unique([...base.searches, ...(extra?.searches ?? [])]),
    options: mergeOptions(base.options, (extra?.options ?? []).map((o) => (o.value === undefined ? { name: o.name } : { name: o.name, value: o.value }))),
  };
  return { conf: fitLimits(merged), fellBack };
}

function isLoopback(ip: string): boolean {
  return ip === '::1' || (isIP(ip) === 4 && ip.startsWith('127.'));
}

export interface PodDnsOptions {
  clusterDomain?: string;
  /** --cluster-dns; undefined: the node's pod gateway. */
  clusterDns?: string[];
  /** The host's resolver configuration (default /etc/resolv.conf). */
  resolvConfPath?: string;
  logger: Logger;
}

/** The agent side: reads the host's file, chooses the servers, writes the pod's file. */
export class PodDns {
  private warnedFallback = false;

  constructor(private readonly o: PodDnsOptions) {}

  private async hostConf(): Promise<ResolvConf> {
    const file = this.o.resolvConfPath ?? '/etc/resolv.conf';
    try {
      const conf = parseResolvConf(await fs.readFile(file, 'utf8'));
      if (conf.nameservers.length === 0 || !conf.nameservers.every(isLoopback)) return conf;
      // Only a local stub (systemd-resolved's 127.0.0.53): its upstreams are in this file.
      const upstream = await fs.readFile(SYSTEMD_RESOLVED_CONF, 'utf8').then(parseResolvConf, () => undefined);
      return upstream?.nameservers.length ? upstream : conf;
    } catch (err) {
      this.o.logger.warn({ err, file }, 'cannot read the host resolv.conf; pods get no host search domains or resolvers from it');
      return { nameservers: [], searches: [], options: [] };
    }
  }

  private clusterDns(net: PodNetworkState | undefined): string[] {
    if (this.o.clusterDns?.length) return this.o.clusterDns;
    return net?.ready ? podGatewayAddresses({ podCIDRs: net.podCIDRs }).slice(0, 1) : [];
  }

  /**
   * Writes `<podDir>/resolv.conf` when the pod gets its own, and returns the bind that puts
   * it on /etc/resolv.conf; undefined: Docker's default.
   */
  async prepare(pod: Pod, net: PodNetworkState | undefined, podDir: string): Promise<string | undefined> {
    const { conf, fellBack } = podResolvConf(pod, { clusterDomain: this.o.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN, clusterDns: this.clusterDns(net), host: await this.hostConf() });
    if (fellBack && !this.warnedFallback) {
      this.warnedFallback = true;
      this.o.logger.warn('no cluster DNS address (no --cluster-dns and no pod network): pods with dnsPolicy ClusterFirst use the host resolvers (Default) instead');
    }
    if (!conf) return undefined;
    const file = path.join(podDir, POD_RESOLV_CONF);
    await fs.mkdir(podDir, { recursive: true });
    const tmp = `${file}.tmp`;
    await fs.writeFile(tmp, formatResolvConf(conf), { mode: 0o644 });
    await fs.rename(tmp, file);
    return `${file}:/etc/resolv.conf:ro`;
  }
}
