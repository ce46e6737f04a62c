// `orch autoscale deploy/NAME --min 2 --max 10 --cpu-percent 50`: creates an
// autoscaling/v2 HorizontalPodAutoscaler named after its target, as `kubectl autoscale`
// creates one (kubectl v1.32 writes autoscaling/v1; orch writes v2, the stored version:
// the same object). Without --cpu-percent the server's default applies (80% cpu).

import { Command } from 'commander';
import type { HorizontalPodAutoscaler } from '../../api/hpa-types.js';
import { apiVersionOf, resolveResourceName } from '../../api/resources.js';
import { cliContext, splitTypeName } from '../context.js';

function count(flag: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`${flag} must be a whole number ≥ ${min} (got "${v}")`);
  return n;
}

export function autoscaleCommand(): Command {
  return new Command('autoscale')
    .description('Create a HorizontalPodAutoscaler for a Deployment, ReplicaSet or StatefulSet (scaled on cpu use)')
    .argument('<target>', 'deploy/NAME, rs/NAME, sts/NAME, or TYPE NAME')
    .argument('[name]')
    .requiredOption('--max <n>', 'the most replicas the autoscaler may set')
    .option('--min <n>', 'the fewest replicas (default 1)')
    .option('--cpu-percent <n>', 'target average cpu use, as a percentage of the pods\' cpu requests (default 80)')
    .option('--name <name>', 'the autoscaler\'s name (default: the target\'s)')
    .action(async (target: string, maybeName: string | undefined, flags: { max: string; min?: string; cpuPercent?: string; name?: string }, cmd: Command) => {
      const ctx = cliContext(cmd);
      const { type, name } = splitTypeName(target, maybeName);
      const r = resolveResourceName(type);
      if (!r || !r.subresources.includes('scale')) throw new Error(`"${type}" cannot be autoscaled: use deployments, replicasets or statefulsets`);
      if (!name) throw new Error(`name the ${r.singular} to autoscale (orch autoscale ${r.shortNames[0] ?? r.plural}/NAME --max N)`);
      const max = count('--max', flags.max, 1)!;
      const min = count('--min', flags.min, 1);
      const cpu = count('--cpu-percent', flags.cpuPercent, 1);
      // The target must exist (kubectl checks too); a typo is an error here, not a condition later.
      await ctx.client.resource(r.plural).get(name, ctx.namespace);
      const hpa: HorizontalPodAutoscaler = {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: flags.name ?? name, namespace: ctx.namespace },
        spec: {
          scaleTargetRef: { apiVersion: apiVersionOf(r), kind: r.kind, name },
          ...(min !== undefined ? { minReplicas: min } : {}),
          maxReplicas: max,
          ...(cpu !== undefined ? { metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: cpu } } }] } : {}),
        },
      };
      const created = await ctx.client.resource<HorizontalPodAutoscaler>('horizontalpodautoscalers').create(hpa);
      ctx.out(`horizontalpodautoscaler.autoscaling/${created.metadata.name} autoscaled`);
    });
}
