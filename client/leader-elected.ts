// Leader election as a component (foundation/component.ts) wrapped around the components
// only the leader runs: the scheduler loop, the controllers and their informers.
//
//   start()   campaigns in the background (a standby is started and ready: it waits)
//   leading   the inner components are made fresh (`leaderComponents()`) and started in
//             order by their own runner; /readyz shows whether they are ready
//   lost      the inner components stop (reverse) at once, then the process ends with
//             'lost-lease' (exit 1): a supervisor restarts it as a clean standby, so no
//             state of the lost term survives (as Kubernetes components do)
//   stop()    the inner components stop first, then the lease is released, so a standby
//             takes over only once this replica has stopped acting
//
// leader_election_master_status{name} is 1 while this replica leads (Kubernetes' metric).

import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { isAlreadyExists } from '../api/errors.js';
import type { Clock } from '../foundation/clock.js';
import type { Component, ComponentContext } from '../foundation/component.js';
import { ComponentRunner } from '../foundation/component-runner.js';
import type { Logger } from '../foundation/logger.js';
import type { Registry } from '../foundation/metrics.js';
import { Gauge } from 'prom-client';
import { LeaderElector } from './leader-election.js';
import type { Client } from './types.js';

/** hostname_uuid, as Kubernetes components name themselves in a Lease. */
export function defaultIdentity(): string {
  return `${os.hostname()}_${randomUUID()}`;
}

export interface LeaderElectedOptions {
  client: Client;
  namespace: string;
  leaseName: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  clock?: Clock;
  logger: Logger;
  /** Where leader_election_master_status goes. */
  registry?: Registry;
  /** Made anew for every term (a fresh scheduler, fresh informers). */
  leaderComponents(): Component[];
  /** Told when a term starts (tests inspect what runs). */
  onStartedLeading?(components: Component[]): void;
}

export class LeaderElected implements Component {
  readonly name = 'leader-election';
  private readonly campaign = new AbortController();
  private elector?: LeaderElector;
  private running?: Promise<void>;
  private inner?: ComponentRunner;
  private innerStarting?: Promise<void>;
  private stopping = false;
  private readonly status?: Gauge;

  constructor(private readonly o: LeaderElectedOptions) {
    if (o.registry) {
      this.status =
        (o.registry.getSingleMetric('leader_election_master_status') as Gauge | undefined) ??
        new Gauge({ name: 'leader_election_master_status', help: 'Whether this replica holds the lease (1) or waits as a standby (0), by lease name.', labelNames: ['name'], registers: [o.registry] });
      this.status.set({ name: o.leaseName }, 0);
    }
  }

  isLeader(): boolean {
    return this.elector?.isLeader() ?? false;
  }

  ready(): string | undefined | Promise<string | undefined> {
    // A standby is ready: it does what it should (wait). A leader once its components are.
    const inner = this.inner;
    if (!inner) return undefined;
    return inner.checks().then((checks) => {
      const bad = checks.filter((c) => c.failure !== undefined);
      return bad.length === 0 ? undefined : bad.map((c) => `${c.name}: ${c.failure}`).join('; ');
    });
  }

  async start(ctx: ComponentContext): Promise<void> {
    const o = this.o;
    await ensureNamespace(o.client, o.namespace, o.logger);
    this.elector = new LeaderElector({
      client: o.client,
      namespace: o.namespace,
      name: o.leaseName,
      identity: o.identity,
      leaseDurationMs: o.leaseDurationMs,
      renewDeadlineMs: o.renewDeadlineMs,
      retryPeriodMs: o.retryPeriodMs,
      clock: o.clock,
      logger: o.logger,
      onStartedLeading: (leading) => this.lead(leading, ctx),
      onNewLeader: (id) => o.logger.info({ leader: id, lease: `${o.namespace}/${o.leaseName}` }, 'new leader observed'),
    });
    const elector = this.elector;
    this.running = elector.run(this.campaign.signal).then(async () => {
      this.status?.set({ name: o.leaseName }, 0);
      if (this.stopping) return;
      // The lease was lost (renewals failed, or someone else holds it now).
      await this.stopInner();
      ctx.fail('lost-lease', new Error(`lost the lease ${o.namespace}/${o.leaseName}`));
    });
  }

  private lead(leading: AbortSignal, ctx: ComponentContext): void {
    if (this.stopping) return;
    this.status?.set({ name: this.o.leaseName }, 1);
    const components = this.o.leaderComponents();
    this.o.onStartedLeading?.(components);
    const inner = (this.inner = new ComponentRunner(components, { logger: this.o.logger, clock: this.o.clock }));
    // The moment the lease is lost, the leader's work stops (before anything else).
    leading.addEventListener('abort', () => void this.stopInner(), { once: true });
    this.innerStarting = inner.start().catch((err: Error) => ctx.fail('failed', err));
  }

  private async stopInner(): Promise<void> {
    await this.innerStarting;
    await this.inner?.stop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    // Stop acting first; only then release the lease (the elector does on abort).
    await this.stopInner();
    this.campaign.abort(new Error('stopping'));
    await this.running;
  }
}

/** The Lease lives in a namespace that may not exist yet on a fresh cluster. Best effort. */
async function ensureNamespace(client: Client, name: string, logger: Logger): Promise<void> {
  try {
    await client.namespaces.get(name);
    return;
  } catch {
    /* create it below */
  }
  try {
    await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  } catch (err) {
    if (!isAlreadyExists(err)) logger.warn({ namespace: name, err }, 'cannot create the lease namespace');
  }
}
