// `orch rollout status|history|undo|restart|pause|resume deploy/NAME`; status, history and
// undo and restart also take ds/NAME (cli/rollout-daemonset.ts) and sts/NAME
// (cli/rollout-statefulset.ts).

import { Command } from 'commander';
import { resolveResourceName } from '../../api/resources.js';
import type { Deployment, ReplicaSet } from '../../api/types.js';
import { cliContext, splitTypeName, type CliContext } from '../context.js';
import { formatTable } from '../printers/table.js';
import { daemonSetHistory, undoDaemonSet, waitForDaemonSet } from '../rollout-daemonset.js';
import { waitForDeployments } from '../wait-deployments.js';
import { waitForStatefulSet } from '../rollout-statefulset.js';
import { parseDuration } from '../../foundation/duration.js';

const REVISION = 'deployment.kubernetes.io/revision';

function deploymentName(target: string, maybeName?: string): string {
  const { type, name } = splitTypeName(target, maybeName);
  const r = resolveResourceName(type);
  if (r?.kind !== 'Deployment') throw new Error(`rollout works on deployments (deploy/NAME), not "${type}"`);
  if (!name) throw new Error('name the deployment: deploy/NAME');
  return name;
}

/** ReplicaSets controlled by the deployment, oldest revision first. */
export async function ownedReplicaSets(ctx: CliContext, d: Deployment): Promise<ReplicaSet[]> {
  const list = await ctx.client.replicasets.list({ namespace: d.metadata.namespace });
  return list.items
    .filter((rs) => rs.metadata.ownerReferences?.some((o) => o.controller && o.uid === d.metadata.uid))
    .sort((a, b) => Number(a.metadata.annotations?.[REVISION] ?? 0) - Number(b.metadata.annotations?.[REVISION] ?? 0));
}

/** The template a rollback sets: the ReplicaSet's, without the label the controller adds. */
export function templateForRollback(rs: ReplicaSet): ReplicaSet['spec']['template'] {
  const t = JSON.parse(JSON.stringify(rs.spec.template)) as ReplicaSet['spec']['template'];
  if (t.metadata?.labels) delete t.metadata.labels['pod-template-hash'];
  return t;
}

/** The DaemonSet a target names (ds/NAME, daemonset NAME), or undefined for other kinds. */
function daemonSetName(target: string, maybeName?: string): string | undefined {
  const { type, name } = splitTypeName(target, maybeName);
  if (resolveResourceName(type)?.kind !== 'DaemonSet') return undefined;
  if (!name) throw new Error('name the daemon set: ds/NAME');
  return name;
}

/** The StatefulSet a target names (sts/NAME, statefulset NAME), or undefined for other kinds. */
function statefulSetName(target: string, maybeName?: string): string | undefined {
  const { type, name } = splitTypeName(target, maybeName);
  if (resolveResourceName(type)?.kind !== 'StatefulSet') return undefined;
  if (!name) throw new Error('name the stateful set: sts/NAME');
  return name;
}

const sub = (name: string, description: string) =>
  new Command(name).description(description).argument('<target>', 'deploy/NAME, ds/NAME or sts/NAME').argument('[name]');

export function rolloutCommand(): Command {
  const cmd = new Command('rollout').description('Follow, roll back, restart, pause or resume the rollout of a Deployment (status, history, undo and restart also of a DaemonSet or StatefulSet)');

  cmd.addCommand(
    sub('status', 'Watch the rollout until it completes (exit 1 on a progress deadline or timeout)')
      .option('--timeout <duration>', 'give up after this long', '10m')
      .action(async (target: string, name: string | undefined, flags: { timeout: string }, c: Command) => {
        const ctx = cliContext(c);
        const stsName = statefulSetName(target, name);
        if (stsName) {
          const r = await waitForStatefulSet(ctx.client, ctx.namespace, stsName, parseDuration(flags.timeout, '--timeout'), (t) => process.stdout.write(t));
          if (r.ok) ctx.out(r.message);
          else {
            ctx.err(`error: ${r.message}`);
            process.exitCode = 1;
          }
          return;
        }
        const dsName = daemonSetName(target, name);
        if (dsName) {
          const r = await waitForDaemonSet(ctx.client, ctx.namespace, dsName, parseDuration(flags.timeout, '--timeout'), (t) => process.stdout.write(t));
          if (r.ok) ctx.out(r.message);
          else {
            ctx.err(`error: ${r.message}`);
            process.exitCode = 1;
          }
          return;
        }
        const res = await waitForDeployments(ctx.client, [{ namespace: ctx.namespace, name: deploymentName(target, name) }], {
          timeoutMs: parseDuration(flags.timeout, '--timeout'),
          isTTY: false,
          verbose: true,
          write: (t) => process.stdout.write(t),
        });
        if (!res.ok) {
          res.failures.forEach((f) => ctx.err(`error: ${f}`));
          process.exitCode = 1;
        }
      }),
  );

  cmd.addCommand(
    sub('history', 'List the revisions of a Deployment, DaemonSet or StatefulSet').action(async (target: string, name: string | undefined, _f: unknown, c: Command) => {
      const ctx = cliContext(c);
      const stsName = statefulSetName(target, name);
      if (stsName) {
        const rows = await daemonSetHistory(ctx.client, ctx.namespace, stsName, 'statefulsets');
        ctx.out(`statefulset.apps/${stsName}`);
        ctx.out(formatTable(['REVISION', 'CHANGE-CAUSE'], rows));
        return;
      }
      const dsName = daemonSetName(target, name);
      if (dsName) {
        const rows = await daemonSetHistory(ctx.client, ctx.namespace, dsName);
        ctx.out(`daemonset.apps/${dsName}`);
        ctx.out(formatTable(['REVISION', 'CHANGE-CAUSE'], rows));
        return;
      }
      const d = await ctx.client.deployments.get(deploymentName(target, name), ctx.namespace);
      const rss = await ownedReplicaSets(ctx, d);
      ctx.out(`deployment.apps/${d.metadata.name}`);
      ctx.out(
        formatTable(
          ['REVISION', 'REPLICASET', 'IMAGES', 'CHANGE-CAUSE'],
          rss.map((rs) => [
            rs.metadata.annotations?.[REVISION] ?? '?',
            rs.metadata.name ?? '',
            rs.spec.template.spec.containers.map((c2) => c2.image).join(','),
            rs.metadata.annotations?.['kubernetes.io/change-cause'] ?? '<none>',
          ]),
        ),
      );
    }),
  );

  cmd.addCommand(
    sub('undo', 'Roll back to the previous revision (or --to-revision N)')
      .option('--to-revision <n>', 'the revision to roll back to (default: the previous one)')
      .action(async (target: string, name: string | undefined, flags: { toRevision?: string }, c: Command) => {
        const ctx = cliContext(c);
        const dsName = daemonSetName(target, name);
        const stsName = statefulSetName(target, name);
        if (dsName || stsName) {
          const n = flags.toRevision === undefined ? undefined : Number(flags.toRevision);
          if (n !== undefined && !(Number.isInteger(n) && n >= 0)) throw new Error(`--to-revision must be a non-negative integer, not "${flags.toRevision}"`);
          ctx.out(dsName ? await undoDaemonSet(ctx.client, ctx.namespace, dsName, n || undefined) : await undoDaemonSet(ctx.client, ctx.namespace, stsName!, n || undefined, 'statefulsets', 'statefulset'));
          return;
        }
        const d = await ctx.client.deployments.get(deploymentName(target, name), ctx.namespace);
        const rss = await ownedReplicaSets(ctx, d);
        const revs = rss.map((rs) => Number(rs.metadata.annotations?.[REVISION] ?? 0));
        const current = Math.max(0, ...revs);
        const wanted = flags.toRevision !== undefined ? Number(flags.toRevision) : Math.max(0, ...revs.filter((r) => r !== current));
        const rs = rss.find((x) => Number(x.metadata.annotations?.[REVISION] ?? 0) === wanted);
        if (!rs || !wanted) throw new Error(flags.toRevision ? `revision ${flags.toRevision} not found (see orch rollout history deploy/${d.metadata.name})` : `deployment "${d.metadata.name}" has no previous revision to roll back to`);
        if (wanted === current) {
          ctx.out(`deployment.apps/${d.metadata.name} skipped rollback (current template already matches revision ${wanted})`);
          return;
        }
        await ctx.client.deployments.patch(d.metadata.name!, ctx.namespace, { metadata: { resourceVersion: d.metadata.resourceVersion }, spec: { template: templateForRollback(rs) } }, 'merge');
        ctx.out(`deployment.apps/${d.metadata.name} rolled back`);
      }),
  );

  cmd.addCommand(
    sub('restart', 'Replace every pod of the Deployment, DaemonSet or StatefulSet with a rolling update').action(async (target: string, name: string | undefined, _f: unknown, c: Command) => {
      const ctx = cliContext(c);
      const restartedAt = { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() } } } } };
      const stsName = statefulSetName(target, name);
      if (stsName) {
        await ctx.client.resource('statefulsets').patch(stsName, ctx.namespace, restartedAt, 'merge');
        ctx.out(`statefulset.apps/${stsName} restarted`);
        return;
      }
      const dsName = daemonSetName(target, name);
      if (dsName) {
        await ctx.client.resource('daemonsets').patch(dsName, ctx.namespace, restartedAt, 'merge');
        ctx.out(`daemonset.apps/${dsName} restarted`);
        return;
      }
      const n = deploymentName(target, name);
      await ctx.client.deployments.patch(n, ctx.namespace, restartedAt, 'merge');
      ctx.out(`deployment.apps/${n} restarted`);
    }),
  );

  for (const [verb, paused] of [['pause', true], ['resume', false]] as const) {
    cmd.addCommand(
      sub(verb, paused ? 'Stop the rollout where it is (scaling still works)' : 'Continue a paused rollout').action(async (target: string, name: string | undefined, _f: unknown, c: Command) => {
        const ctx = cliContext(c);
        const n = deploymentName(target, name);
        const d = await ctx.client.deployments.get(n, ctx.namespace);
        if (Boolean(d.spec.paused) === paused) {
          ctx.out(`deployment.apps/${n} is already ${paused ? 'paused' : 'resumed'}`);
          return;
        }
        await ctx.client.deployments.patch(n, ctx.namespace, { spec: { paused } }, 'merge');
        ctx.out(`deployment.apps/${n} ${paused ? 'paused' : 'resumed'}`);
      }),
    );
  }
  return cmd;
}
