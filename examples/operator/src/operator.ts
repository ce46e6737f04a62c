// The WebApp operator: three informers (WebApps; the Deployments and Services labelled
// as ours) feed one work queue of WebApp keys; reconcile(key) reads the caches, creates
// or repairs the Deployment and the Service, and writes the WebApp's status. Handlers only
// enqueue; a change to a child (an edit, a delete, new ready replicas) enqueues its owner,
// so drift is repaired and status follows. Deleting a WebApp needs no code here: its
// children carry a controller ownerReference and the cluster's garbage collector removes
// them.

import * as k8s from '@kubernetes/client-node';
import type { KubernetesObject, V1Deployment, V1Service } from '@kubernetes/client-node';
import { desiredDeployment, desiredService, GROUP, MANAGED_BY, nextStatus, OPERATOR_NAME, ownedBy, ownerKey, PLURAL, repairedDeployment, repairedService, VERSION, type WebApp } from './webapp.js';
import { WorkQueue } from './work-queue.js';

export type Log = (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

export interface OperatorOptions {
  /** Where to write what it does (default: nothing). */
  log?: Log;
  /** Wait before restarting an informer whose watch failed (default 2 s). */
  restartDelayMs?: number;
}

export interface RunningOperator {
  /** Resolves once every informer has listed. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

const SELECTOR = `${MANAGED_BY}=${OPERATOR_NAME}`;

function code(err: unknown): number | undefined {
  return (err as { code?: number }).code;
}

export function startOperator(kc: k8s.KubeConfig, opts: OperatorOptions = {}): RunningOperator {
  const log: Log = opts.log ?? (() => undefined);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const queue = new WorkQueue();
  let stopped = false;

  const webapps = k8s.makeInformer<WebApp>(kc, `/apis/${GROUP}/${VERSION}/${PLURAL}`, () => custom.listCustomObjectForAllNamespaces({ group: GROUP, version: VERSION, plural: PLURAL }) as Promise<k8s.KubernetesListObject<WebApp>>);
  const deployments = k8s.makeInformer<V1Deployment>(kc, '/apis/apps/v1/deployments', () => apps.listDeploymentForAllNamespaces({ labelSelector: SELECTOR }), SELECTOR);
  const services = k8s.makeInformer<V1Service>(kc, '/api/v1/services', () => core.listServiceForAllNamespaces({ labelSelector: SELECTOR }), SELECTOR);

  const keyOf = (o: KubernetesObject) => `${o.metadata!.namespace}/${o.metadata!.name}`;
  for (const verb of ['add', 'update', 'delete'] as const) {
    webapps.on(verb, (o) => queue.add(keyOf(o)));
    const child = (o: KubernetesObject) => {
      const owner = ownerKey(o);
      if (owner) queue.add(owner);
    };
    deployments.on(verb, child);
    services.on(verb, child);
  }

  // client-node's informer stops on a failed list or watch: start it again after a pause.
  const informers = [
    ['webapps', webapps],
    ['deployments', deployments],
    ['services', services],
  ] as const;
  const synced: Array<Promise<void>> = [];
  const begin: Array<() => void> = [];
  for (const [name, inf] of informers) {
    let listed!: () => void;
    synced.push(new Promise<void>((resolve) => (listed = resolve)));
    let failed = false;
    // start() resolves once the list is in the cache and the watch is open (or failed).
    const start = () => {
      failed = false;
      inf.start().then(() => !failed && listed(), () => undefined);
    };
    begin.push(start);
    inf.on('error', (err) => {
      failed = true;
      if (stopped) return;
      log('warn', 'informer failed; restarting', { informer: name, err: message(err) });
      setTimeout(() => !stopped && start(), opts.restartDelayMs ?? 2000).unref();
    });
  }

  async function reconcile(key: string): Promise<void> {
    const [namespace, name] = key.split('/') as [string, string];
    const app = webapps.get(name, namespace);
    if (!app || app.metadata?.deletionTimestamp) return; // gone: the garbage collector takes the children
    let problem: string | undefined;
    let dep: V1Deployment | undefined;
    try {
      dep = await ensureDeployment(app);
    } catch (err) {
      problem = `Deployment: ${message(err)}`;
      dep = deployments.get(name, namespace);
    }
    if (!problem) await ensureService(app).catch((err) => (problem = `Service: ${message(err)}`));
    await writeStatus(app, dep, problem);
    if (problem) throw new Error(problem);
  }

  async function ensureDeployment(app: WebApp): Promise<V1Deployment | undefined> {
    const want = desiredDeployment(app);
    const { name, namespace } = want.metadata as { name: string; namespace: string };
    const have = deployments.get(name, namespace);
    if (!have) {
      try {
        log('info', 'creating Deployment', { namespace, name });
        return await apps.createNamespacedDeployment({ namespace, body: want });
      } catch (err) {
        // Our cache lags behind (or someone else's Deployment has the name): compare with the live one.
        if (code(err) !== 409) throw err;
        return repairDeployment(app, await apps.readNamespacedDeployment({ name, namespace }), want);
      }
    }
    return repairDeployment(app, have, want);
  }

  async function repairDeployment(app: WebApp, have: V1Deployment, want: V1Deployment): Promise<V1Deployment> {
    if (!ownedBy(have, app)) throw new Error(`a Deployment named ${want.metadata!.name} exists and is not owned by this WebApp`);
    const fixed = repairedDeployment(have, want);
    if (!fixed) return have;
    log('info', 'repairing Deployment', { namespace: want.metadata!.namespace, name: want.metadata!.name });
    return apps.replaceNamespacedDeployment({ name: want.metadata!.name!, namespace: want.metadata!.namespace!, body: fixed });
  }

  async function ensureService(app: WebApp): Promise<void> {
    const want = desiredService(app);
    const { name, namespace } = want.metadata as { name: string; namespace: string };
    let have = services.get(name, namespace);
    if (!have) {
      try {
        log('info', 'creating Service', { namespace, name });
        await core.createNamespacedService({ namespace, body: want });
        return;
      } catch (err) {
        if (code(err) !== 409) throw err;
        have = await core.readNamespacedService({ name, namespace });
      }
    }
    if (!ownedBy(have, app)) throw new Error(`a Service named ${name} exists and is not owned by this WebApp`);
    const fixed = repairedService(have, want);
    if (!fixed) return;
    log('info', 'repairing Service', { namespace, name });
    await core.replaceNamespacedService({ name, namespace, body: fixed });
  }

  async function writeStatus(app: WebApp, dep: V1Deployment | undefined, problem: string | undefined): Promise<void> {
    const status = nextStatus(app, dep, problem, new Date().toISOString().replace(/\.\d+Z$/, 'Z'));
    if (!status) return;
    const { name, namespace } = app.metadata as { name: string; namespace: string };
    // PUT /status with the cached resourceVersion: a 409 means the WebApp moved on, and its
    // newer version is already queued by the informer.
    try {
      await custom.replaceNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name, body: { ...app, status } });
    } catch (err) {
      if (code(err) !== 409 && code(err) !== 404) throw err;
    }
  }

  const worker = queue.run(async (key) => {
    try {
      await reconcile(key);
      queue.forget(key);
    } catch (err) {
      log('warn', 'reconcile failed; retrying', { key, err: message(err) });
      queue.retry(key);
    }
  });

  for (const start of begin) start();

  return {
    ready: Promise.all(synced).then(() => undefined),
    async stop() {
      stopped = true;
      queue.stop();
      await Promise.all(informers.map(([, inf]) => inf.stop().catch(() => undefined)));
      await worker;
    },
  };
}

function message(err: unknown): string {
  const body = (err as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      return (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      return body;
    }
  }
  return err instanceof Error ? err.message : String(err);
}
