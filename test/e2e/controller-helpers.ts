// Shared set-up of the controller integration tests: a real apiserver + etcd, the pod
// stand-in (binds pods, marks them Ready, confirms deletions) and an in-process
// controller manager that a test can stop cleanly, kill abruptly, and start again.

import type { Deployment, Node } from '../../api/types.js';
import { ApiClient } from '../../client/rest-client.js';
import { silentLogger } from '../../foundation/logger.js';
import { ControllerManager, type ControllerManagerOptions } from '../../controller/manager.js';
import { ControllerMetrics } from '../../controller/metrics.js';
import { PodStandIn, type PodStandInOptions } from '../../controller/testing/pod-stand-in.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { eventually } from '../helpers/eventually.js';

export interface Harness {
  api: TestApiServer;
  client: ApiClient;
  standIn: PodStandIn;
  manager: ControllerManager;
  startManager(): Promise<void>;
  /** Abrupt stop: no cleanup, in-memory state (expectations, queues) lost. */
  killManager(): void;
  stop(): Promise<void>;
  /**
   * Completed reconciles of one controller ('deployment', 'replicaset',
   * 'garbagecollector') since the harness started, across manager restarts: the positive
   * signal to wait for before asserting that a controller left something alone.
   */
  reconciles(controller: string): Promise<number>;
}

export async function startHarness(opts: { standIn?: PodStandInOptions; manager?: Partial<ControllerManagerOptions>; nodes?: string[]; tls?: boolean } = {}): Promise<Harness> {
  const api = await startTestApiServer({ tls: opts.tls ?? false });
  const client = new ApiClient({ server: api.url, token: api.token, ca: api.ca });
  for (const ns of ['default', 'kube-node-lease']) {
    try {
      await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
    }
  }
  for (const name of opts.nodes ?? ['node-1']) {
    const node: Node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name },
      spec: {},
      status: { conditions: [{ type: 'Ready', status: 'True', reason: 'AgentReady', lastHeartbeatTime: new Date().toISOString() }] },
    };
    const created = await client.nodes.create(node);
    if (!created.status?.conditions?.length) await client.nodes.updateStatus({ ...created, status: node.status });
  }
  const standIn = new PodStandIn(client, opts.standIn);
  await standIn.start();
  const metrics = new ControllerMetrics();
  const makeManager = () => new ControllerManager({ client, logger: silentLogger(), controllers: ['*', '-nodelifecycle'], metrics, ...opts.manager });
  const h: Harness = {
    api,
    client,
    standIn,
    manager: makeManager(),
    async startManager() {
      h.manager = makeManager();
      await h.manager.start();
    },
    killManager() {
      h.manager.kill();
    },
    async stop() {
      await h.manager.stop().catch(() => {});
      await standIn.stop();
      await api.stop();
    },
    async reconciles(controller) {
      const counter = metrics.registry.getSingleMetric('orch_controller_reconcile_total');
      const values = counter ? (await counter.get()).values : [];
      return values.filter((v) => v.labels.controller === controller).reduce((sum, v) => sum + v.value, 0);
    },
  };
  await h.manager.start();
  return h;
}

/** The shared eventually() with this suite's 30 s default. */
export async function waitFor(what: string, fn: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  await eventually(what, fn, timeoutMs);
}

export function deployment(name: string, replicas: number, image: string, spec: Partial<Deployment['spec']> = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image }] } },
      ...spec,
    },
  };
}

/** kubectl rollout status's success test. */
export function rolledOut(d: Deployment): boolean {
  const s = d.status ?? {};
  const replicas = d.spec.replicas ?? 1;
  return (
    (d.metadata.generation ?? 0) <= (s.observedGeneration ?? 0) &&
    (s.updatedReplicas ?? 0) >= replicas &&
    (s.replicas ?? 0) <= (s.updatedReplicas ?? 0) &&
    (s.availableReplicas ?? 0) >= (s.updatedReplicas ?? 0)
  );
}
