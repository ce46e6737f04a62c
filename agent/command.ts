// `orch agent`: flags → API client + Docker runtime → the agent's components (agent.ts)
// behind a health/metrics server on localhost:10248 (as the kubelet's healthz port); the
// metrics are also on the authenticated log endpoint (10250). SIGTERM/SIGINT stop the
// agent's own machinery in reverse (containers keep running, as a kubelet restart leaves
// pods alone).

import fs from 'node:fs';
import { Command } from 'commander';
import { addConnectionOptions, addLogLevelOption, healthFromFlags, metricsTokenFileOption, parsePort, type ConnectionFlagValues } from '../foundation/component-flags.js';
import { runProcess } from '../foundation/component-runner.js';
import { clientFromFlags } from '../client/client-from-flags.js';
import { createLogger } from '../foundation/logger.js';
import { processRegistry } from '../foundation/metrics.js';
import { assembleProcess } from '../foundation/process.js';
import { reloadingTokenFile } from '../foundation/token-auth.js';
import { Agent } from './agent.js';
import { parseDuration } from '../foundation/duration.js';
import { detectNodeIP } from '../foundation/node-ip.js';
import { parseBytes, parseClusterDns, parseClusterDomain, parseContainerLogMaxFiles, parseContainerLogMaxSize, parseCpuMillis, parseIntFlag, parseLabels, parseNetworkBackend, parsePodCIDRs } from './flags.js';
import { hostCommands } from './network/host-commands.js';
import { cleanupNetwork } from './network/network-cleanup.js';
import { NodeNetwork } from './network/node-network.js';
import { DEFAULT_SANDBOX_IMAGE } from './pod-sync.js';
import { DockerRuntime } from './runtime/docker-runtime.js';
import { CertificateRotation, ensureNodeCredential } from './credentials/node-credential.js';
import type { Component } from '../foundation/component.js';
import type { NodeCredential } from '../foundation/cert-dir.js';
import { caPublicKeyHash, checkCaHash, discoverClusterCA } from '../foundation/ca-discovery.js';
import path from 'node:path';

interface AgentFlags extends ConnectionFlagValues {
  nodeName: string;
  dockerSocket: string;
  nodeIp?: string;
  labels?: string;
  rootDir: string;
  runDir?: string;
  allowedHostPath: string[];
  heartbeatInterval: string;
  nodeStatusUpdateFrequency: string;
  resyncInterval: string;
  metricsInterval: string;
  cgroupRoot: string;
  logPort: string;
  logAddress: string;
  logServerCert?: string;
  logServerKey?: string;
  logServerTokenFile?: string;
  logServerClientCaFile?: string;
  logServerInsecureHttp?: boolean;
  reservedCpu: string;
  reservedMemory: string;
  maxPods: string;
  workers: string;
  logLevel: string;
  healthzPort: string;
  healthzBindAddress: string;
  metricsTokenFile?: string;
  networkBackend: string;
  podCidr?: string;
  vxlanPort: string;
  vxlanVni: string;
  cleanupNetwork?: boolean;
  podInfraContainerImage: string;
  proxyDrainTimeout: string;
  clusterDomain: string;
  clusterDns?: string;
  containerLogMaxSize: string;
  containerLogMaxFiles: string;
  certDir?: string;
  bootstrapToken?: string;
  bootstrapTokenFile?: string;
  discoveryTokenCaCertHash?: string;
}

const collect = (v: string, acc: string[]) => [...acc, v];

export function agentCommand(): Command {
  const cmd = addConnectionOptions(new Command('agent').description('run the node agent: runs the pods bound to this node as Docker containers'));
  // --cleanup-network needs no API server: --server is checked in the action instead.
  const server = cmd.options.find((o) => o.long === '--server');
  if (server) server.mandatory = false;
  return addLogLevelOption(cmd)
    .option('--cert-dir <dir>', 'where the node client certificate lives (orch-node-client-current.pem, 0600): reused on restart, requested with --bootstrap-token when missing or expired, rotated at 70-90 % of its lifetime; instead of --token-file. The log endpoint\'s serving certificate is requested by CSR and kept there too (orch-node-server-current.pem) unless --log-server-cert')
    .option('--bootstrap-token <id.secret>', 'a bootstrap token (`orch token create`) to join with: with --cert-dir, the agent asks for its own certificate with it (needs --ca-file)')
    .option('--bootstrap-token-file <file>', 'the bootstrap token read from a file (out of `ps`), as --bootstrap-token')
    .option('--discovery-token-ca-cert-hash <sha256:hex>', 'instead of --ca-file: the hash of the cluster CA\'s public key (`orch token create` prints it); the CA is taken from the apiserver\'s TLS handshake only if it matches, and kept as ca.crt in --cert-dir')
    .option('--node-name <name>', "name of this node (required, except with --cleanup-network, where it limits the Docker networks removed to this node's)")
    .option('--docker-socket <path>', 'Docker Engine socket', '/var/run/docker.sock')
    .option('--node-ip <ip>', 'InternalIP to publish (default: first non-internal IPv4)')
    .option('--labels <k=v,...>', 'extra node labels')
    .option('--root-dir <dir>', 'directory for pod volumes (must be a path on the Docker host)', '/var/lib/orch/agent')
    .option('--run-dir <dir>', 'directory for secret volumes, kept in memory: a tmpfs is mounted per pod below it (needs root) unless it is on a tmpfs already, e.g. under /dev/shm (default: --root-dir; a path on the Docker host)')
    .option('--allowed-host-path <prefix>', 'allow hostPath volumes under this prefix (repeatable)', collect, [] as string[])
    .option('--heartbeat-interval <duration>', 'lease renewal interval (the node monitor grace period should be about 5 of these)', '2s')
    .option('--node-status-update-frequency <duration>', 'node status refresh when nothing changed', '60s')
    .option('--resync-interval <duration>', 'how often every pod is looked at again (±25 %; a safety net beside Docker events) and orphaned containers are swept', '10s')
    .option('--metrics-interval <duration>', 'how often CPU and memory of the node and its containers are sampled from the cgroup files (CPU is the rate between two samples; served on the log endpoint as /stats/summary for the apiserver; 0: off)', '5s')
    .option('--cgroup-root <dir>', 'where the cgroup filesystem is mounted (v1 or v2, detected)', '/sys/fs/cgroup')
    .option('--log-port <port>', 'port of the log endpoint', '10250')
    .option('--log-address <addr>', 'address of the log endpoint', '0.0.0.0')
    .option('--log-server-cert <file>', "TLS certificate of the log endpoint, issued by the cluster CA for this node's name (`orch init node-cert NAME`); default with --cert-dir: requested by CSR (signer kubernetes.io/kubelet-serving), kept in the cert dir and renewed; else self-signed, which the apiserver refuses")
    .option('--log-server-key <file>', 'TLS key of the log endpoint')
    .option('--log-server-client-ca-file <file>', "CA of the apiserver's client certificate: requests presenting it (CN orch:apiserver-kubelet-client) may read logs")
    .option('--log-server-token-file <file>', 'bearer tokens also allowed to read logs and /metrics (token,user,uid,"groups" lines, as --token-auth-file; dedicated tokens only, never an API token)')
    .option('--log-server-insecure-http', 'serve the log endpoint over plain HTTP (tests only)')
    .option('--reserved-cpu <cpu>', 'CPU held back from allocatable', '0')
    .option('--reserved-memory <bytes>', 'memory held back from allocatable', '0')
    .option('--max-pods <n>', 'pods capacity', '110')
    .option('--workers <n>', 'pods synced in parallel (the work is mostly waiting on Docker)', '32')
    .option('--healthz-port <port>', '/healthz, /livez, /readyz and /metrics port (0: off)', '10248')
    .option('--healthz-bind-address <addr>', 'address of that port; beyond loopback it serves HTTPS (the --log-server-cert) and /metrics needs a token from --metrics-token-file', '127.0.0.1')
    .addOption(metricsTokenFileOption())
    .option('--network-backend <vxlan|host-gw|none>', 'pod network between hosts: vxlan (works across subnets; UDP --vxlan-port open between hosts), host-gw (a route per node via its IP; hosts on one L2 segment), none (pods on Docker\'s default bridge, reachable from this host only)', 'vxlan')
    .option('--pod-cidr <cidr[,cidr]>', "this node's pod range(s) when no controller manager assigns one (the Node's spec.podCIDRs win)")
    .option('--vxlan-port <port>', 'UDP port of the VXLAN tunnel (the same on every node)', '8472')
    .option('--vxlan-vni <n>', 'VXLAN network identifier (the same on every node)', '1')
    .option('--cleanup-network', "remove everything orch's pod network created on this host (device orch.1, orch's routes, firewall chains and jumps, the service proxies' orch-proxy-* nftables tables, unused orch-pods-* Docker networks: with --node-name only that node's), print it, and exit")
    .option('--pod-infra-container-image <image>', "image of the pod sandboxes, which hold each pod's network namespace (pulled if missing; without a registry: orch.local/pause:3.10 from scripts/build-test-images.sh)", DEFAULT_SANDBOX_IMAGE)
    .option('--cluster-domain <domain>', 'DNS domain of the cluster: the search list of pods with dnsPolicy ClusterFirst (the same on every node and on `orch proxy`)', 'cluster.local')
    .option('--cluster-dns <ip[,ip]>', "nameserver of pods with dnsPolicy ClusterFirst (default: this node's pod gateway, the first address of its pod CIDR, where `orch proxy` serves DNS; with --network-backend none and no --cluster-dns, ClusterFirst pods use the host's resolvers)")
    .option('--proxy-drain-timeout <duration>', "termination protocol: a deleted pod's containers are stopped (preStop, SIGTERM) only once every live node's `orch proxy` confirmed it sends no new connections there, and a new pod counts as available only once they all route to it; this bounds each wait (0: off)", '5s')
    .option('--container-log-max-size <quantity>', "size at which a container's log file (Docker json-file) is rotated, as the kubelet's containerLogMaxSize", '10Mi')
    .option('--container-log-max-files <n>', 'log files kept per container, the one being written included (≥ 2), as the kubelet\'s containerLogMaxFiles', '5')
    .action(async (f: AgentFlags) => {
      const logger = createLogger('agent', f.logLevel);
      if (f.cleanupNetwork) {
        const runtime = new DockerRuntime({ socketPath: f.dockerSocket, logger: logger.child({ sub: 'docker' }) });
        // --node-name: only that node's Docker network goes (an engine shared with other clusters).
        const nodeFilter = f.nodeName ? (n: string) => n === f.nodeName : undefined;
        const { removed, kept } = await cleanupNetwork({ commands: hostCommands(), runtime, nodeFilter });
        for (const r of removed) console.log(`removed ${r}`);
        for (const k of kept) console.log(`kept ${k}`);
        if (removed.length === 0) console.log('nothing of orch\'s pod network on this host');
        return;
      }
      for (const [flag, v] of [['--server <url>', f.server], ['--node-name <name>', f.nodeName]] as const) {
        if (!v) throw new Error(`required option '${flag}' not specified`);
      }
      const backend = parseNetworkBackend(f.networkBackend);
      const containerLog = { maxSizeBytes: parseContainerLogMaxSize(f.containerLogMaxSize), maxFiles: parseContainerLogMaxFiles(f.containerLogMaxFiles) };
      const nodeIP = f.nodeIp ?? detectNodeIP();
      const registry = processRegistry();
      const { credential, caFile } = await nodeCredentialFromFlags(f, logger);
      const client = clientFromFlags({ ...f, caFile, certDir: credential ? f.certDir : undefined }, `orch-agent/${f.nodeName}`, logger.child({ sub: 'client' }), registry);
      const rotation: Component[] = credential
        ? [new CertificateRotation({ client, nodeName: f.nodeName, certDir: f.certDir!, initial: credential, logger: logger.child({ sub: 'certificates' }) })]
        : [];
      // Followed while running, so tokens can be rotated without a restart.
      const tokens = f.logServerTokenFile ? reloadingTokenFile(f.logServerTokenFile, { logger: logger.child({ sub: 'log-auth' }) }) : undefined;
      const runtime = new DockerRuntime({ socketPath: f.dockerSocket, logger: logger.child({ sub: 'docker' }), containerLog });
      const podNetwork =
        backend === 'none'
          ? undefined
          : new NodeNetwork({
              nodeName: f.nodeName,
              nodeIP,
              client,
              runtime,
              logger: logger.child({ sub: 'pod-network' }),
              backend,
              podCIDRs: parsePodCIDRs(f.podCidr),
              vxlanPort: parseIntFlag(f.vxlanPort, '--vxlan-port', 1, 65535),
              vxlanVni: parseIntFlag(f.vxlanVni, '--vxlan-vni', 0, 16777215),
            });
      const agent = new Agent({
        nodeName: f.nodeName,
        client,
        runtime,
        logger,
        nodeIP,
        podNetwork,
        labels: parseLabels(f.labels),
        rootDir: f.rootDir,
        runDir: f.runDir,
        allowedHostPaths: f.allowedHostPath,
        heartbeatIntervalMs: parseDuration(f.heartbeatInterval, '--heartbeat-interval'),
        nodeStatusUpdateMs: parseDuration(f.nodeStatusUpdateFrequency, '--node-status-update-frequency'),
        resyncIntervalMs: parseDuration(f.resyncInterval, '--resync-interval'),
        logPort: parsePort(f.logPort, '--log-port'),
        logHost: f.logAddress,
        logTokens: tokens,
        logClientCA: f.logServerClientCaFile ? fs.readFileSync(f.logServerClientCaFile, 'utf8') : undefined,
        logInsecure: f.logServerInsecureHttp,
        logCert: f.logServerCert ? fs.readFileSync(f.logServerCert, 'utf8') : undefined,
        logKey: f.logServerKey ? fs.readFileSync(f.logServerKey, 'utf8') : undefined,
        // A joined agent gets its serving certificate by CSR, as its client certificate.
        servingCertDir: credential ? f.certDir : undefined,
        reservedCpuMillis: parseCpuMillis(f.reservedCpu),
        reservedMemoryBytes: parseBytes(f.reservedMemory),
        maxPods: Number(f.maxPods),
        workers: Number(f.workers),
        version: '0.1.0',
        registry,
        podInfraContainerImage: f.podInfraContainerImage,
        clusterDomain: parseClusterDomain(f.clusterDomain),
        clusterDns: parseClusterDns(f.clusterDns),
        proxyDrainTimeoutMs: parseDuration(f.proxyDrainTimeout, '--proxy-drain-timeout'),
        metricsIntervalMs: parseDuration(f.metricsInterval, '--metrics-interval'),
        cgroupRoot: f.cgroupRoot,
      });
      const health = healthFromFlags(
        { port: parsePort(f.healthzPort, '--healthz-port'), host: f.healthzBindAddress, tlsCertFile: f.logServerCert, tlsPrivateKeyFile: f.logServerKey, metricsTokenFile: f.metricsTokenFile },
        logger,
      );
      const { runner } = assembleProcess({ logger, registry, health, components: [...rotation, ...agent.components] });
      await runProcess(runner, logger);
    });
}

/**
 * --cert-dir: the node's own client certificate (credentials/node-credential.ts), got
 * with --bootstrap-token when there is none yet. Joining waits (retrying, logging why)
 * until the certificate arrives; SIGTERM/SIGINT end the wait.
 */
async function nodeCredentialFromFlags(f: AgentFlags, logger: ReturnType<typeof createLogger>): Promise<{ credential?: NodeCredential; caFile?: string }> {
  if (f.bootstrapToken && f.bootstrapTokenFile) throw new Error('give --bootstrap-token or --bootstrap-token-file, not both');
  if (f.bootstrapTokenFile) f = { ...f, bootstrapToken: fs.readFileSync(f.bootstrapTokenFile, 'utf8').trim() || undefined };
  if (f.bootstrapToken && !f.certDir) throw new Error('--bootstrap-token needs --cert-dir: where the certificate it gets is kept');
  if (f.discoveryTokenCaCertHash && !f.certDir) throw new Error('--discovery-token-ca-cert-hash needs --cert-dir: where the CA it finds is kept');
  if (!f.certDir) return { caFile: f.caFile };
  if (f.tokenFile) throw new Error('--cert-dir and --token-file are two credentials: give one');
  const abort = new AbortController();
  const stop = () => abort.abort(new Error('stopped while joining'));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    const caFile = await caFileFor(f, logger.child({ sub: 'certificates' }), abort.signal);
    if (f.bootstrapToken && !caFile && !f.insecureSkipTlsVerify)
      throw new Error('--bootstrap-token needs --ca-file or --discovery-token-ca-cert-hash: the token is only sent to a server the cluster CA verifies');
    const credential = await ensureNodeCredential({
      server: f.server,
      ca: caFile ? fs.readFileSync(caFile, 'utf8') : undefined,
      insecureSkipTLSVerify: f.insecureSkipTlsVerify,
      nodeName: f.nodeName,
      certDir: f.certDir,
      bootstrapToken: f.bootstrapToken,
      logger: logger.child({ sub: 'certificates' }),
      signal: abort.signal,
    });
    return { credential, caFile };
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  }
}

/**
 * The CA that verifies the apiserver: --ca-file; else, with --discovery-token-ca-cert-hash,
 * the one found in the apiserver's handshake (foundation/ca-discovery.ts), kept as
 * ca.crt in the cert dir for restarts and for the proxy; else that kept file.
 */
async function caFileFor(f: AgentFlags, logger: ReturnType<typeof createLogger>, signal: AbortSignal): Promise<string | undefined> {
  const kept = path.join(f.certDir!, 'ca.crt');
  if (f.caFile) {
    if (f.discoveryTokenCaCertHash) throw new Error('give --ca-file or --discovery-token-ca-cert-hash, not both');
    return f.caFile;
  }
  if (!f.discoveryTokenCaCertHash) return fs.existsSync(kept) ? kept : undefined;
  const hash = checkCaHash(f.discoveryTokenCaCertHash);
  if (fs.existsSync(kept) && caPublicKeyHash(fs.readFileSync(kept, 'utf8')) === hash) return kept;
  for (let attempt = 0; ; attempt++) {
    try {
      const pem = await discoverClusterCA(f.server, hash);
      fs.mkdirSync(f.certDir!, { recursive: true, mode: 0o700 });
      fs.writeFileSync(kept, pem, { mode: 0o644 });
      logger.info({ ca: kept, hash }, 'cluster CA found by its public key hash');
      return kept;
    } catch (err) {
      const wait = Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5));
      logger.error({ retryInMs: wait }, `cannot find the cluster CA: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, wait));
      if (signal.aborted) throw new Error('stopped while looking for the cluster CA');
    }
  }
}
