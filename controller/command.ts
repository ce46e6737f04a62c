// `orch controller-manager`: flags → a client, logger, metrics registry and the
// controller manager's components (manager.ts), run until SIGTERM/SIGINT (controllers
// stop in reverse order, exit 0); losing the lease under --leader-elect exits 1 so a
// supervisor restarts the replica as a standby.

import fs from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import {
  addConnectionOptions,
  addHealthOptions,
  addLeaderElectionOptions,
  addLogLevelOption,
  healthFromFlags,
  leaderElectionFromFlags,
  parsePort,
  type ConnectionFlagValues,
  type HealthFlagValues,
  type LeaderElectionFlagValues,
} from '../foundation/component-flags.js';
import { runProcess } from '../foundation/component-runner.js';
import { clientFromFlags } from '../client/client-from-flags.js';
import { limitHeapGrowth } from '../foundation/heap-growth.js';
import { createLogger } from '../foundation/logger.js';
import { processRegistry } from '../foundation/metrics.js';
import { parseDuration } from '../foundation/duration.js';
import { controllerManagerProcess, enabledControllers } from './manager.js';
import { podNetworkPlan, PodNetworkConfigError } from './node-ipam/config.js';
import type { NodeIpamOptions } from './node-ipam/controller.js';
import { hostNetworks } from './node-ipam/host-networks.js';
import { subjectAccessReviewer } from './csr-approving/access-review.js';
import { csrSigningFromFlags } from './csr-signing/flags.js';
import { addHpaOptions, hpaOptionsFromFlags, type HpaFlagValues } from './hpa/flags.js';

interface Flags extends ConnectionFlagValues, LeaderElectionFlagValues, HealthFlagValues, HpaFlagValues {
  nodeMonitorGracePeriod: string;
  podEvictionTimeout: string;
  nodeMonitorPeriod: string;
  controllers: string;
  concurrentSyncs: string;
  logLevel: string;
  allocateNodeCidrs: boolean;
  clusterCidr: string;
  nodeCidrMaskSize?: string;
  nodeCidrMaskSizeIpv4?: string;
  nodeCidrMaskSizeIpv6?: string;
  serviceClusterIpRange: string;
  rootCaFile?: string;
  clusterSigningCertFile?: string;
  clusterSigningKeyFile?: string;
  clusterSigningDuration: string;
}

/** Kubernetes spells it `--allocate-node-cidrs=false`; a bare flag means true. */
function parseBool(v: string): boolean {
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new InvalidArgumentError('expected true or false');
}

function maskFlag(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new PodNetworkConfigError(`${flag}: "${v}" is not a prefix length`);
  return Number(v);
}

/** The pod network plan from the flags, checked against this host's interfaces; undefined when allocation is off. */
export function podNetworkFromFlags(flags: Flags): NodeIpamOptions | undefined {
  if (!flags.allocateNodeCidrs) return undefined;
  const plan = podNetworkPlan(
    {
      clusterCidr: flags.clusterCidr,
      nodeCidrMaskSize: maskFlag('--node-cidr-mask-size', flags.nodeCidrMaskSize),
      nodeCidrMaskSizeIpv4: maskFlag('--node-cidr-mask-size-ipv4', flags.nodeCidrMaskSizeIpv4),
      nodeCidrMaskSizeIpv6: maskFlag('--node-cidr-mask-size-ipv6', flags.nodeCidrMaskSizeIpv6),
      serviceClusterIpRange: flags.serviceClusterIpRange,
    },
    hostNetworks(),
  );
  return { plan };
}

export function controllerManagerCommand(): Command {
  const cmd = new Command('controller-manager').description('run the controllers: deployments, replica sets, node lifecycle, garbage collection, node pod CIDRs, EndpointSlices, Endpoints, LoadBalancer status, PodDisruptionBudget status, certificate request approval and signing, bootstrap token expiry, default ServiceAccounts, the root CA ConfigMap, Jobs, CronJobs, horizontal pod autoscaling, persistent volume binding and protection');
  return addHpaOptions(addLogLevelOption(addHealthOptions(addLeaderElectionOptions(addConnectionOptions(cmd), 'orch-controller-manager'), '10257')
    .option('--node-monitor-grace-period <duration>', 'a node whose Lease is older than this is marked Ready=Unknown', '8s')
    .option('--pod-eviction-timeout <duration>', 'pods on a tainted node without a toleration are deleted after this', '4s')
    .option('--node-monitor-period <duration>', 'how often node health is checked', '1s')
    .option('--controllers <list>', "comma-separated: '*' for all, 'name' to enable, '-name' to disable (deployment, replicaset, daemonset, statefulset, nodelifecycle, garbagecollector, nodeipam, endpointslice, endpoint, servicelb, disruption, clusterrole-aggregation, csrapproving, csrsigning, tokencleaner, serviceaccount, root-ca-cert-publisher, job, cronjob, persistentvolume-binder, pvc-protection, pv-protection, horizontalpodautoscaling)", '*')
    .option('--concurrent-syncs <n>', 'workers per controller', '4')
    .option('--allocate-node-cidrs [bool]', 'give every Node a pod range from --cluster-cidr (spec.podCIDRs); =false leaves them to someone else', parseBool, true)
    .option('--cluster-cidr <cidrs>', 'pod addresses: one range, or an IPv4 and an IPv6 range comma-separated (dual stack); must not overlap the hosts\' networks or --service-cluster-ip-range', '10.244.0.0/16')
    .option('--node-cidr-mask-size <n>', 'prefix length of each node\'s range for a single-stack --cluster-cidr (default 24 for IPv4, 64 for IPv6)')
    .option('--node-cidr-mask-size-ipv4 <n>', 'prefix length of each node\'s IPv4 range (default 24)')
    .option('--node-cidr-mask-size-ipv6 <n>', 'prefix length of each node\'s IPv6 range (default 64)')
    .option('--service-cluster-ip-range <cidrs>', 'Service addresses; only checked here: the cluster CIDR must not overlap it', '10.96.0.0/12')
    .option('--cluster-signing-cert-file <file>', 'CA certificate (PEM) that signs approved node client certificate requests (orch init: ca.crt); without it csrsigning does not run')
    .option('--cluster-signing-key-file <file>', 'its private key (PEM) (orch init: ca.key)')
    .option('--cluster-signing-duration <duration>', 'the longest lifetime of a certificate csrsigning issues', '8760h')
    .option('--root-ca-file <file>', 'the CA (PEM) in-cluster clients trust for the apiserver: published as ConfigMap kube-root-ca.crt in every namespace')))
    .action(async (flags: Flags) => {
      // Bound by the apiserver, not its own CPU: trade GC work for memory (foundation/heap-growth.ts).
      limitHeapGrowth(25);
      const logger = createLogger('controller-manager', flags.logLevel);
      const workers = Number(flags.concurrentSyncs);
      if (!Number.isInteger(workers) || workers < 1) throw new Error(`invalid --concurrent-syncs ${flags.concurrentSyncs}`);
      const controllers = flags.controllers.split(',');
      enabledControllers(controllers); // fail fast on a typo
      // A bad address plan is refused before anything runs: "error: --flag: why", exit 1.
      const podNetwork = podNetworkFromFlags(flags);
      if (!podNetwork) controllers.push('-nodeipam');
      const rootCa = flags.rootCaFile ? readRootCa(flags.rootCaFile) : undefined;
      const registry = processRegistry();
      const client = clientFromFlags(flags, 'orch-controller-manager', logger, registry);
      const csrSigning = csrSigningFromFlags(flags);
      if (!csrSigning) logger.info('no --cluster-signing-cert-file / --cluster-signing-key-file: approved certificate requests are not signed here');
      const { runner } = controllerManagerProcess({
        client,
        logger,
        registry,
        health: healthFromFlags({ ...flags, port: parsePort(flags.port), host: flags.bindAddress }, logger),
        controllers,
        csrSigning,
        accessReviewer: subjectAccessReviewer((path, body) => client.request('POST', path, { body }), logger.child({ controller: 'csrapproving' })),
        workers,
        podNetwork,
        rootCa,
        hpa: hpaOptionsFromFlags(flags),
        nodeMonitorGracePeriodMs: parseDuration(flags.nodeMonitorGracePeriod, '--node-monitor-grace-period'),
        podEvictionTimeoutMs: parseDuration(flags.podEvictionTimeout, '--pod-eviction-timeout'),
        nodeMonitorPeriodMs: parseDuration(flags.nodeMonitorPeriod, '--node-monitor-period'),
        leaderElection: leaderElectionFromFlags(flags),
      });
      await runProcess(runner, logger);
    });
}

/** The --root-ca-file PEM, refused at start when it holds no certificate. */
function readRootCa(file: string): string {
  const pem = fs.readFileSync(file, 'utf8');
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`--root-ca-file ${file}: no PEM certificate in it`);
  return pem;
}
