// What an agent is built from: its node's identity, its clients (API, Docker), and every
// tunable the `orch agent` command turns into a flag.

import type { Client } from '../client/types.js';
import type { Clock } from '../foundation/clock.js';
import type { Logger } from '../foundation/logger.js';
import type { Registry } from '../foundation/metrics.js';
import type { Authenticator } from '../foundation/token-auth.js';
import type { PodNetworkView } from './network/pod-network-state.js';
import type { ContainerRuntime } from './runtime/types.js';

export interface AgentOptions {
  /** The clock service account tokens are judged by for renewal (tests move it ahead; default: clock). */
  serviceAccountTokenClock?: Clock;
  nodeName: string;
  client: Client;
  runtime: ContainerRuntime;
  logger: Logger;
  clock?: Clock;
  nodeIP?: string;
  labels?: Record<string, string>;
  rootDir: string;
  /** Where secret volumes live (a tmpfs per pod unless already a tmpfs); default rootDir. */
  runDir?: string;
  allowedHostPaths?: string[];
  heartbeatIntervalMs?: number;
  nodeStatusUpdateMs?: number;
  resyncIntervalMs?: number;
  workers?: number;
  reservedCpuMillis?: number;
  reservedMemoryBytes?: number;
  maxPods?: number;
  logPort?: number;
  logHost?: string;
  /** Bearer tokens the log endpoint accepts besides the apiserver's certificate (--log-server-token-file). */
  logTokens?: Authenticator;
  /** PEM CA of the apiserver's client certificate for the log endpoint (mTLS). */
  logClientCA?: string;
  logInsecure?: boolean;
  logCert?: string;
  logKey?: string;
  /**
   * Without logCert: where the serving certificate got by CSR is kept (the --cert-dir of a
   * joined agent); the request goes out with this client's credential, the node's own.
   */
  servingCertDir?: string;
  /** Between two looks at a pending serving certificate request (default 1 s). */
  servingCsrPollMs?: number;
  backoff?: { initialMs?: number; maxMs?: number; resetAfterMs?: number };
  /** How often configMap/secret volume files are compared with the API (default 30 s). */
  projectedRefreshMs?: number;
  /** [0, 1); spreads the periodic resync (injected for tests). */
  random?: () => number;
  version?: string;
  /** The process's metrics registry (default: a fresh one without process metrics). */
  registry?: Registry;
  /** Image of the pod sandboxes (--pod-infra-container-image; default registry.k8s.io/pause:3.10). */
  podInfraContainerImage?: string;
  /**
   * The node's pod network (network/node-network.ts, built by the command from the
   * --network-backend flags); when it is also a Component it runs after node-registration.
   * Undefined: pods on Docker's default bridge.
   */
  podNetwork?: PodNetworkView;
  /** --cluster-domain (default cluster.local): the search list of ClusterFirst pods. */
  clusterDomain?: string;
  /** --cluster-dns: the pods' nameserver; default the node's pod gateway, where `orch proxy` serves DNS. */
  clusterDns?: string[];
  /** The host's resolver configuration the pods' is based on (default /etc/resolv.conf). */
  resolvConfPath?: string;
  /** --proxy-drain-timeout: the bound of the termination protocol's waits (default 5 s; 0: off). */
  proxyDrainTimeoutMs?: number;
  /** How often CPU and memory are sampled for /stats/summary (--metrics-interval, 5 s; 0: off). */
  metricsIntervalMs?: number;
  /** The cgroup filesystem and /proc the sampler reads (--cgroup-root; tests: fixtures). */
  cgroupRoot?: string;
  procRoot?: string;
}
