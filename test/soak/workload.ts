// The soak's workload: Deployments in a few namespaces, created, scaled, rolled (image
// and env change) and deleted at random. The choice of action depends only on the seed
// and on what the workload itself intended so far — never on the API's answers — so the
// same seed gives the same actions even when faults make some of them fail (a scale of a
// Deployment whose create failed is just a 404 in the history).

import type { Deployment } from '../../api/types.js';
import type { Cluster } from '../cluster/harness.js';
import { History, WEB_CONTAINER, type DeploymentFields, type WriteRecord } from './history.js';
import type { Prng } from './prng.js';

export const NAMESPACES = ['soak-a', 'soak-b', 'soak-c'];
const SLOTS = ['web-1', 'web-2'];
/** The same image under two names, so a rollout can change the image (soak.ts tags it). */
export const IMAGES = ['orch.local/web:latest', 'orch.local/web:soak-b'];
const MAX_REPLICAS = 3;

interface Intent extends DeploymentFields {
  exists: boolean;
}

export function deployment(namespace: string, name: string, f: DeploymentFields): Deployment {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels },
    spec: {
      replicas: f.replicas,
      selector: { matchLabels: labels },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
      template: {
        metadata: { labels },
        spec: { terminationGracePeriodSeconds: 2, containers: containers(f) },
      },
    },
  } as Deployment;
}

function containers(f: Pick<DeploymentFields, 'image' | 'revision'>) {
  return [{ name: WEB_CONTAINER, image: f.image, imagePullPolicy: 'Never' as const, env: [{ name: 'REVISION', value: f.revision }] }];
}

export class Workload {
  readonly history = new History();
  private readonly intent = new Map<string, Intent>();
  private revision = 0;

  constructor(private readonly cluster: Cluster, private readonly rng: Prng) {
    for (const ns of NAMESPACES) for (const s of SLOTS) this.intent.set(`${ns}/${s}`, { exists: false, replicas: 0, image: IMAGES[0]!, revision: '0' });
  }

  /** One random action (always the same number of draws per kind of action). */
  async act(step: number): Promise<WriteRecord> {
    const key = this.rng.pick([...this.intent.keys()]);
    const [ns, name] = key.split('/') as [string, string];
    const it = this.intent.get(key)!;
    const d = this.cluster.client.deployments;
    // What the workload believes may be wrong (its create failed, its delete was lost in
    // a fault): a create of an existing name (409) or a delete of an absent one (404) now
    // and then brings belief and the API together again, without reading the API.
    const roll = this.rng.next();
    if (it.exists ? roll >= 0.85 : roll < 0.85) {
      const f: DeploymentFields = { replicas: this.rng.int(1, MAX_REPLICAS), image: this.rng.pick(IMAGES), revision: String(++this.revision) };
      Object.assign(it, f, { exists: true });
      return this.history.record(step, 'create', ns, name, f, () => d.create(deployment(ns, name, f)));
    }
    if (it.exists && roll < 0.35) {
      const replicas = this.rng.int(0, MAX_REPLICAS);
      it.replicas = replicas;
      return this.history.record(step, 'scale', ns, name, { replicas }, () => d.patch(name, ns, { spec: { replicas } }, 'merge'));
    }
    if (it.exists && roll < 0.7) {
      // Always a new env value; the image changes in half of the rollouts.
      const image = this.rng.chance(0.5) ? IMAGES[(IMAGES.indexOf(it.image) + 1) % IMAGES.length]! : it.image;
      const revision = String(++this.revision);
      Object.assign(it, { image, revision });
      return this.history.record(step, 'roll', ns, name, { image, revision }, () =>
        d.patch(name, ns, { spec: { template: { spec: { containers: containers({ image, revision }) } } } }, 'merge'));
    }
    it.exists = false;
    return this.history.record(step, 'delete', ns, name, {}, () => d.delete(name, ns, { propagationPolicy: 'Background' }));
  }
}

export function describeWrite(w: WriteRecord): string {
  const what = w.op === 'create' ? `replicas ${w.intent.replicas} ${w.intent.image} rev ${w.intent.revision}` : w.op === 'scale' ? `replicas ${w.intent.replicas}` : w.op === 'roll' ? `${w.intent.image} rev ${w.intent.revision}` : '';
  const res = w.outcome === 'ok' ? (w.resourceVersion ? `ok rv ${w.resourceVersion}` : 'ok') : `${w.outcome} ${w.code || ''} ${(w.error ?? '').slice(0, 120)}`.trim();
  return `#${w.seq} ${w.op} ${w.namespace}/${w.name} ${what} -> ${res} (${w.ms} ms)`;
}
