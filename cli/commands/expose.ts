// `orch expose deploy/web --port 80 [--target-port 8080] [--type NodePort]`: a Service for
// a Deployment, ReplicaSet, Pod or Service, built as kubectl expose builds it
// (cli/expose-service.ts), then created (or only shown with --dry-run).

import { Command } from 'commander';
import { resolveResourceName } from '../../api/resources.js';
import { cliContext, splitTypeName } from '../context.js';
import { EXPOSABLE_KINDS, exposedService, type ExposeOptions } from '../expose-service.js';
import { printObjects } from '../printers/print.js';
import { parseDryRun } from './apply.js';

interface ExposeFlags extends Omit<ExposeOptions, 'clusterIP'> {
  /** commander's name for --cluster-ip. */
  clusterIp?: string;
  dryRun?: string | boolean;
  output?: string;
}

export function exposeCommand(): Command {
  return new Command('expose')
    .description('Create a Service for a Deployment, ReplicaSet, Pod or Service, selecting its pods (e.g. orch expose deploy/web --port 80 --target-port 8080)')
    .argument('<target>', 'deploy/NAME, rs/NAME, pod/NAME, svc/NAME, or TYPE NAME')
    .argument('[name]')
    .option('--port <port>', "the service's port (several: 80,443); default: the object's container ports")
    .option('--target-port <port>', "the pods' port: a number or a container port name (default: the same as --port)")
    .option('--type <type>', 'ClusterIP (default), NodePort, LoadBalancer or ExternalName')
    .option('--name <name>', "the service's name (default: the object's)")
    .option('--protocol <protocol>', "TCP, UDP or SCTP for every port (default: each port's protocol in the object, else TCP)")
    .option('--selector <k=v,...>', "the pods to select (default: the object's selector, or a pod's labels)")
    .option('--cluster-ip <ip>', 'a cluster IP from the service range, or None for a headless service (default: allocated)')
    .option('--labels <k=v,...>', "the service's labels (default: the object's)")
    .option('--session-affinity <mode>', 'None (default) or ClientIP')
    .option('--dry-run [mode]', 'client (only print the service) or server (validated by the server, nothing stored)')
    .option('-o, --output <format>', 'yaml | json | name: print the service instead of "service/NAME exposed"')
    .action(async (target: string, maybeName: string | undefined, flags: ExposeFlags, cmd: Command) => {
      const dryRun = parseDryRun(flags.dryRun);
      const format = flags.output;
      if (format !== undefined && !['yaml', 'json', 'name'].includes(format)) throw new Error(`unknown output format "${format}": use one of yaml, json, name`);
      const { type, name } = splitTypeName(target, maybeName);
      const r = resolveResourceName(type);
      if (!r) throw new Error(`the server doesn't have a resource type "${type}"`);
      if (!(EXPOSABLE_KINDS as readonly string[]).includes(r.kind)) throw new Error(`cannot expose a ${r.kind}: use one of deployment, replicaset, pod, service`);
      if (!name) throw new Error(`name the ${r.singular} to expose (orch expose ${r.shortNames[0] ?? r.plural}/NAME --port N)`);
      const ctx = cliContext(cmd);
      const obj = await ctx.client.resource(r.plural).get(name, ctx.namespace);
      const { port, targetPort, type: svcType, name: svcName, protocol, selector, labels, sessionAffinity } = flags;
      const svc = exposedService(obj, { port, targetPort, type: svcType, name: svcName, protocol, selector, labels, sessionAffinity, clusterIP: flags.clusterIp });
      svc.metadata.namespace = ctx.namespace;
      const result = dryRun === 'client' ? svc : await ctx.client.services.create(svc, { dryRun: dryRun === 'server', fieldManager: 'orch-expose' });
      if (format) {
        ctx.out(printObjects([result], 'Service', { format: format as 'yaml' | 'json' | 'name' }));
        return;
      }
      ctx.out(`service/${result.metadata.name ?? svc.metadata.name} exposed${dryRun === 'client' ? ' (dry run)' : dryRun === 'server' ? ' (server dry run)' : ''}`);
    });
}
