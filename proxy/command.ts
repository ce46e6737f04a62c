// `orch proxy`: the per-node service data plane (kube-proxy's place). Flags → API client
// (the node's credentials, as the agent's) → the proxy's components (proxy.ts) behind a
// health/metrics server on localhost:10256 (kube-proxy's healthz port). `--cleanup`
// removes this proxy's kernel rules and exits. SIGTERM/SIGINT stop the components and
// leave the rules in place, as a kube-proxy restart does: services keep working meanwhile.

import { Command, Option } from 'commander';
import { addConnectionOptions, addHealthOptions, addLogLevelOption, healthFromFlags, parsePort, type ConnectionFlagValues } from '../foundation/component-flags.js';
import { runProcess } from '../foundation/component-runner.js';
import { clientFromFlags } from '../client/client-from-flags.js';
import { parseDuration } from '../foundation/duration.js';
import { hostCommands } from '../foundation/host-commands.js';
import { createLogger } from '../foundation/logger.js';
import { processRegistry } from '../foundation/metrics.js';
import { assembleProcess } from '../foundation/process.js';
import { ServiceProxy } from './proxy.js';
import { cleanupProxy } from './cleanup.js';
import type { ProxyMode } from './sync/backend.js';

interface ProxyFlags extends ConnectionFlagValues {
  nodeName: string;
  port: string;
  bindAddress: string;
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  metricsTokenFile?: string;
  logLevel: string;
  syncPeriod: string;
  minSyncPeriod: string;
  proxyMode: string;
  clusterDomain: string;
  cleanup?: boolean;
  netns?: string;
  clusterUid?: string;
  dnsPort: string;
  certDir?: string;
}

export function proxyCommand(): Command {
  const cmd = addConnectionOptions(
    new Command('proxy').description(
      "run the node's service proxy: programs iptables (or nftables: --proxy-mode) so each Service's ClusterIP, NodePorts, external and load-balancer IPs reach its ready endpoints, and serves cluster DNS",
    ),
  );
  return addHealthOptions(addLogLevelOption(cmd), '10256')
    .requiredOption('--node-name <name>', 'name of this node (its Node object: pod CIDRs, addresses; the proxy reports what it programmed there)')
    .option('--cert-dir <dir>', "the node client certificate the agent on this node keeps there (its --cert-dir), followed as it rotates; instead of --token-file")
    .addOption(
      new Option('--proxy-mode <mode>', 'kernel backend: iptables (kube-proxy\'s iptables design) or nftables (one nft table per node; faster syncs with thousands of services, needs the nft tool)')
        .choices(['iptables', 'nftables'])
        .default('iptables'),
    )
    .option('--sync-period <duration>', 'how often every rule is rewritten from memory (a full sync), whatever changed', '30s')
    .option('--min-sync-period <duration>', 'changes are gathered this long before they are applied (one iptables-restore for a burst of changes)', '100ms')
    .option('--cluster-domain <domain>', 'DNS domain of the cluster (cluster DNS answers <svc>.<ns>.svc.<domain>)', 'cluster.local')
    .option('--dns-port <port>', "cluster DNS port on this node's pod gateway addresses (UDP and TCP; 0: no cluster DNS, e.g. on a node without the pod network)", '53')
    .option('--cleanup', "remove this proxy's iptables chains, the jumps into them and its nftables tables (needs the API server for the cluster identity, or --cluster-uid), print them, and exit")
    .option('--cluster-uid <uid>', "with --cleanup: the cluster's identity (the uid of its kube-system namespace), for a cleanup after the API server is gone")
    // Tests: the process stays where the API server is reachable, its rules go into a namespace.
    .addOption(new Option('--netns <name>', 'program the iptables of this network namespace (tests)').hideHelp())
    .action(async (f: ProxyFlags) => {
      const logger = createLogger('proxy', f.logLevel);
      const registry = processRegistry();
      const client = clientFromFlags(f, `orch-proxy/${f.nodeName}`, logger.child({ sub: 'client' }), registry);
      const commands = hostCommands(f.netns ? ['nsenter', `--net=/var/run/netns/${f.netns}`] : []);
      if (f.cleanup) {
        const removed = await cleanupProxy({ client, commands, nodeName: f.nodeName, clusterUid: f.clusterUid });
        for (const r of removed) console.log(`removed ${r}`);
        if (removed.length === 0) console.log(`nothing of node ${f.nodeName}'s service proxy on this host`);
        return;
      }
      const proxy = new ServiceProxy({
        nodeName: f.nodeName,
        client,
        logger,
        registry,
        commands,
        mode: f.proxyMode as ProxyMode,
        syncPeriodMs: parseDuration(f.syncPeriod, '--sync-period'),
        minSyncPeriodMs: parseDuration(f.minSyncPeriod, '--min-sync-period'),
        clusterDomain: f.clusterDomain,
        dnsPort: parsePort(f.dnsPort, '--dns-port'),
      });
      const health = healthFromFlags(
        { port: parsePort(f.port, '--port'), host: f.bindAddress, tlsCertFile: f.tlsCertFile, tlsPrivateKeyFile: f.tlsPrivateKeyFile, metricsTokenFile: f.metricsTokenFile },
        logger,
      );
      const { runner } = assembleProcess({ logger, registry, health, components: proxy.components });
      await runProcess(runner, logger);
    });
}
