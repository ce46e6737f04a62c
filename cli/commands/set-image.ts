// `orch set image TYPE/NAME CONTAINER=IMAGE ...`: the kinds kubectl's set image takes —
// pods, deployments, replicasets, daemonsets, statefulsets, cronjobs — with init
// containers matched too and `*` for every container, written as one update of the object
// (a 409 from a concurrent writer is reported, not retried over someone else's change).

import { Command } from 'commander';
import { resolveResourceName } from '../../api/resources.js';
import type { Container, KubeObject, PodSpec } from '../../api/types.js';
import { cliContext, splitTypeName } from '../context.js';

const KINDS = ['Pod', 'Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet', 'CronJob'];

/** The pod spec inside an object of one of KINDS. */
function podSpecOf(kind: string, obj: KubeObject & Record<string, any>): PodSpec | undefined { // eslint-disable-line @typescript-eslint/no-explicit-any
  if (kind === 'Pod') return obj.spec;
  if (kind === 'CronJob') return obj.spec?.jobTemplate?.spec?.template?.spec;
  return obj.spec?.template?.spec;
}

/** CONTAINER=IMAGE pairs; throws naming the one that is not. */
export function parseAssignments(assignments: string[]): [string, string][] {
  return assignments.map((a) => {
    const i = a.indexOf('=');
    if (i <= 0 || i === a.length - 1) throw new Error(`"${a}" is not CONTAINER=IMAGE`);
    return [a.slice(0, i), a.slice(i + 1)];
  });
}

/** Sets the images in place; returns whether anything changed. Throws naming a container the spec lacks. */
export function setImages(spec: PodSpec, pairs: [string, string][], what: string): boolean {
  const all: Container[] = [...(spec.initContainers ?? []), ...spec.containers];
  let changed = false;
  for (const [name, image] of pairs) {
    const hits = all.filter((c) => name === '*' || c.name === name);
    if (!hits.length) throw new Error(`${what} has no container "${name}" (containers: ${all.map((c) => c.name).join(', ')})`);
    for (const h of hits) {
      if (h.image !== image) changed = true;
      h.image = image;
    }
  }
  return changed;
}

export function setCommand(): Command {
  const cmd = new Command('set').description('Change fields of existing objects');
  cmd.addCommand(
    new Command('image')
      .description('Change container images: orch set image deploy/NAME CONTAINER=IMAGE ... (pods, deployments, replicasets, daemonsets, statefulsets, cronjobs)')
      .argument('<target>', 'TYPE/NAME, e.g. deploy/web or ds/agent')
      .argument('<assignments...>', 'CONTAINER=IMAGE (or *=IMAGE for all containers)')
      .action(async (target: string, assignments: string[], _f: unknown, c: Command) => {
        const ctx = cliContext(c);
        const { type, name } = splitTypeName(target, undefined);
        const r = resolveResourceName(type);
        if (!r || !KINDS.includes(r.kind)) throw new Error(`set image works on pods, deployments, replicasets, daemonsets, statefulsets and cronjobs, not "${type}"`);
        if (!name) throw new Error(`name the ${r.singular}: ${type}/NAME`);
        const pairs = parseAssignments(assignments);
        const obj = await ctx.client.resource<KubeObject & Record<string, any>>(r.plural).get(name, ctx.namespace); // eslint-disable-line @typescript-eslint/no-explicit-any
        const spec = podSpecOf(r.kind, obj);
        const ref = `${r.group ? `${r.singular}.${r.group}` : r.singular}/${name}`;
        if (!spec) throw new Error(`${ref} has no pod template`);
        if (!setImages(spec, pairs, ref)) {
          ctx.out(`${ref} image unchanged`);
          return;
        }
        await ctx.client.resource(r.plural).update(obj);
        ctx.out(`${ref} image updated`);
      }),
  );
  return cmd;
}
