// `orch create deployment|service clusterip|nodeport|loadbalancer|configmap|secret generic|
// namespace NAME`: kubectl's generators, with its flags and the objects it builds (so both
// tools store the same thing), then created (or only printed: --dry-run, -o).
// `create job` (from an image or --from=cronjob/NAME) is in create-job.ts.

import { Command } from 'commander';
import type { KubeObject } from '../../api/types.js';
import { resourceForKind } from '../../api/resources.js';
import { cliContext } from '../context.js';
import { collectData } from '../create-data.js';
import { printObjects, type OutputFormat } from '../printers/print.js';
import { kindLabel } from '../object-targets.js';
import { parseDryRun } from './apply.js';
import { jobCommand } from './create-job.js';

export interface OutputFlags {
  dryRun?: string | boolean;
  output?: string;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function withOutputFlags(c: Command): Command {
  return c
    .option('--dry-run [mode]', 'client (only print the object) or server (validated by the server, nothing stored)')
    .option('-o, --output <format>', 'yaml | json | name: print the object instead of "KIND/NAME created"');
}

/** Creates `obj` (unless --dry-run=client) and says so as kubectl does. */
export async function createObject(cmd: Command, obj: KubeObject, flags: OutputFlags): Promise<void> {
  const dryRun = parseDryRun(flags.dryRun);
  const format = flags.output;
  if (format !== undefined && !['yaml', 'json', 'name'].includes(format)) throw new Error(`unknown output format "${format}": use one of yaml, json, name`);
  const r = resourceForKind(obj.apiVersion!, obj.kind!)!;
  const ctx = cliContext(cmd);
  if (r.namespaced) obj.metadata.namespace = ctx.namespace;
  const result = dryRun === 'client' ? obj : await ctx.client.resource(r.plural).create(obj, { dryRun: dryRun === 'server', fieldManager: 'orch-create' });
  if (format) ctx.out(printObjects([result], r.kind, { format: format as OutputFormat }));
  else ctx.out(`${kindLabel(r)}/${result.metadata.name} created${dryRun !== 'none' ? ` (${dryRun} dry run)` : ''}`);
}

/** kubectl's container name for an image: the last path segment without tag or digest. */
export function containerNameFor(image: string, taken: Set<string>): string {
  let name = image.split('/').at(-1)!.split('@')[0]!.split(':')[0]!.replace(/_/g, '-');
  for (let i = 2; taken.has(name); i++) name = `${name.replace(/-\d+$/, '')}-${i}`;
  taken.add(name);
  return name;
}

function port(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${flag} must be a port number (got "${v}")`);
  return n;
}

function deploymentCommand(): Command {
  return withOutputFlags(
    new Command('deployment')
      .alias('deploy')
      .description('Create a Deployment: orch create deployment web --image=nginx --replicas=3 [-- COMMAND ARGS...]')
      .argument('<name>')
      .argument('[command...]', 'the command of the (first) container, after --')
      .requiredOption('--image <image>', 'container image (repeatable: one container each)', collect)
      .option('-r, --replicas <n>', 'number of replicas', '1')
      .option('--port <port>', "the first container's port"),
  ).action(async (name: string, command: string[], flags: OutputFlags & { image: string[]; replicas: string; port?: string }, cmd: Command) => {
    const replicas = Number(flags.replicas);
    if (!Number.isInteger(replicas) || replicas < 0) throw new Error(`--replicas must be a whole number ≥ 0 (got "${flags.replicas}")`);
    if (flags.image.length > 1 && command.length) throw new Error('cannot specify multiple --image options and command');
    const taken = new Set<string>();
    const containers = flags.image.map((image) => ({ name: containerNameFor(image, taken), image, ...(command.length ? { command } : {}) }));
    if (flags.port !== undefined) Object.assign(containers[0]!, { ports: [{ containerPort: port(flags.port, '--port') }] });
    const labels = { app: name };
    await createObject(
      cmd,
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, labels }, spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers } } } } as KubeObject,
      flags,
    );
  });
}

/** --tcp=PORT[:TARGET]: TARGET a number or a port name. */
function servicePorts(tcp: string[], nodePort?: number): Record<string, unknown>[] {
  return tcp.map((spec) => {
    const [p, target, extra] = spec.split(':');
    if (extra !== undefined || !p) throw new Error(`--tcp: "${spec}" is not PORT or PORT:TARGET_PORT`);
    const portNum = port(p, '--tcp');
    const targetPort = target === undefined ? portNum : /^\d+$/.test(target) ? port(target, '--tcp') : target;
    return { name: spec.replace(/:/g, '-'), protocol: 'TCP', port: portNum, targetPort, ...(nodePort ? { nodePort } : {}) };
  });
}

function serviceCommand(): Command {
  const svc = new Command('service').alias('svc').description('Create a Service: orch create service clusterip|nodeport|loadbalancer NAME --tcp=PORT[:TARGET]');
  const types = { clusterip: 'ClusterIP', nodeport: 'NodePort', loadbalancer: 'LoadBalancer' } as const;
  for (const [sub, type] of Object.entries(types)) {
    const c = withOutputFlags(
      new Command(sub)
        .description(`Create a ${type} Service selecting the pods labelled app=NAME`)
        .argument('<name>')
        .option('--tcp <port[:target]>', 'a port (repeatable or comma-separated), e.g. 80:8080', (v: string, prev: string[] = []) => [...prev, ...v.split(',')]),
    );
    if (type === 'ClusterIP') c.option('--clusterip <ip>', 'a cluster IP, or None for a headless service');
    if (type === 'NodePort') c.option('--node-port <port>', 'the node port of every port (default: allocated)');
    c.action(async (name: string, flags: OutputFlags & { tcp?: string[]; clusterip?: string; nodePort?: string }, cmd: Command) => {
      const tcp = flags.tcp ?? [];
      if (!tcp.length && flags.clusterip !== 'None') throw new Error('at least one tcp port specifier must be provided (--tcp=PORT[:TARGET])');
      const spec: Record<string, unknown> = { type, selector: { app: name } };
      if (tcp.length) spec.ports = servicePorts(tcp, flags.nodePort !== undefined ? port(flags.nodePort, '--node-port') : undefined);
      if (flags.clusterip) spec.clusterIP = flags.clusterip;
      await createObject(cmd, { apiVersion: 'v1', kind: 'Service', metadata: { name, labels: { app: name } }, spec } as KubeObject, flags);
    });
    svc.addCommand(c);
  }
  return svc;
}

function dataOptions(c: Command): Command {
  return withOutputFlags(
    c
      .argument('<name>')
      .option('--from-literal <key=value>', 'a key and its value (repeatable)', collect)
      .option('--from-file <[key=]path>', 'a file (key: its name) or every file of a directory (repeatable)', collect)
      .option('--from-env-file <path>', 'KEY=VALUE lines of a file (repeatable)', collect),
  );
}

function configmapCommand(): Command {
  return dataOptions(new Command('configmap').alias('cm').description('Create a ConfigMap: orch create configmap NAME --from-literal=k=v --from-file=path')).action(
    async (name: string, flags: OutputFlags & { fromLiteral?: string[]; fromFile?: string[]; fromEnvFile?: string[] }, cmd: Command) => {
      const { data, binary } = collectData(flags);
      const obj: KubeObject & { data?: unknown; binaryData?: unknown } = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } };
      if (Object.keys(data).length) obj.data = data;
      if (Object.keys(binary).length) obj.binaryData = Object.fromEntries(Object.entries(binary).map(([k, v]) => [k, v.toString('base64')]));
      await createObject(cmd, obj, flags);
    },
  );
}

function secretCommand(): Command {
  const secret = new Command('secret').description('Create a Secret: orch create secret generic NAME --from-literal=k=v');
  secret.addCommand(
    dataOptions(new Command('generic').description('Create a Secret from literals, files or env files'))
      .option('--type <type>', 'the Secret type (default Opaque)')
      .action(async (name: string, flags: OutputFlags & { fromLiteral?: string[]; fromFile?: string[]; fromEnvFile?: string[]; type?: string }, cmd: Command) => {
        const { data, binary } = collectData(flags);
        const all = { ...Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')])), ...Object.fromEntries(Object.entries(binary).map(([k, v]) => [k, v.toString('base64')])) };
        const obj: KubeObject & { data?: unknown; type?: string } = { apiVersion: 'v1', kind: 'Secret', metadata: { name } };
        if (Object.keys(all).length) obj.data = all;
        if (flags.type) obj.type = flags.type;
        await createObject(cmd, obj, flags);
      }),
  );
  return secret;
}

function namespaceCommand(): Command {
  return withOutputFlags(new Command('namespace').alias('ns').description('Create a Namespace').argument('<name>')).action(async (name: string, flags: OutputFlags, cmd: Command) => {
    await createObject(cmd, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, flags);
  });
}

/** The generators; subcommands of subcommands get the connection flags from cli/main.ts. */
export function createCommand(): Command {
  const c = new Command('create').description('Create an object with a generator: deployment, service clusterip|nodeport|loadbalancer, configmap, secret generic, namespace, job (for manifests use orch apply -f)');
  for (const sub of [deploymentCommand(), serviceCommand(), configmapCommand(), secretCommand(), namespaceCommand()]) c.addCommand(sub);
  c.addCommand(jobCommand());
  return c;
}
