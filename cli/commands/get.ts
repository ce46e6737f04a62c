// `orch get KIND[,KIND...] [NAME...]`: tables, wide, yaml, json, name; -w streams changes.

import { Command } from 'commander';
import { RESOURCES, resolveResourceName, type ResourceInfo } from '../../api/resources.js';
import type { KubeObject } from '../../api/types.js';
import { cliContext, type CliContext } from '../context.js';
import { parseOutputFormat, printObjects, type OutputFormat } from '../printers/print.js';

export function resolveTypes(arg: string): ResourceInfo[] {
  const out: ResourceInfo[] = [];
  for (const part of arg.split(',').filter(Boolean)) {
    if (part === 'all') {
      out.push(...RESOURCES.filter((r) => r.categories?.includes('all')));
      continue;
    }
    const r = resolveResourceName(part);
    if (!r) throw new Error(`the server doesn't have a resource type "${part}" (try: ${RESOURCES.map((x) => x.shortNames[0] ?? x.plural).join(', ')})`);
    out.push(r);
  }
  return out;
}

interface GetFlags {
  output?: string;
  selector?: string;
  fieldSelector?: string;
  allNamespaces?: boolean;
  watch?: boolean;
  watchOnly?: boolean;
}

async function fetchObjects(ctx: CliContext, r: ResourceInfo, names: string[], flags: GetFlags): Promise<{ items: KubeObject[]; resourceVersion?: string }> {
  const rc = ctx.client.resource(r.plural);
  const ns = r.namespaced && !ctx.allNamespaces ? ctx.namespace : undefined;
  if (names.length) {
    const items = await Promise.all(names.map((n) => rc.get(n, ns)));
    return { items };
  }
  const list = await rc.list({ namespace: ns, labelSelector: flags.selector, fieldSelector: flags.fieldSelector });
  return { items: list.items, resourceVersion: list.metadata.resourceVersion };
}

async function watchChanges(ctx: CliContext, r: ResourceInfo, names: string[], flags: GetFlags, format: OutputFormat, fromRV: string | undefined, withNamespace: boolean): Promise<void> {
  const rc = ctx.client.resource(r.plural);
  const ns = r.namespaced && !ctx.allNamespaces ? ctx.namespace : undefined;
  const fieldSelector = [flags.fieldSelector, names.length === 1 ? `metadata.name=${names[0]}` : undefined].filter(Boolean).join(',') || undefined;
  let rv = fromRV;
  let first = !fromRV;
  for (;;) {
    const w = rc.watch({ namespace: ns, labelSelector: flags.selector, fieldSelector, resourceVersion: rv ?? '0', allowWatchBookmarks: true });
    try {
      for await (const ev of w) {
        if (ev.type === 'BOOKMARK') {
          rv = ev.object.metadata.resourceVersion;
          continue;
        }
        if (ev.type === 'ERROR') break; // expired: relist from scratch below
        rv = ev.object.metadata.resourceVersion;
        if (names.length > 1 && !names.includes(ev.object.metadata.name ?? '')) continue;
        ctx.out(printObjects([ev.object], r.kind, { format, withNamespace, noHeaders: !first && (format === 'table' || format === 'wide') }));
        first = false;
      }
    } catch (err) {
      ctx.err(`watch interrupted (${(err as Error).message}); reconnecting...`);
      await new Promise((res) => setTimeout(res, 1000));
    }
    if (rv === undefined) return;
  }
}

export function getCommand(): Command {
  return new Command('get')
    .description('Display one or many objects (e.g. orch get pods, orch get deploy web -o yaml, orch get all -A)')
    .argument('<type>', 'resource type: pods|po, deployments|deploy, replicasets|rs, nodes|no, namespaces|ns, services|svc, configmaps|cm, secrets, events|ev, leases, endpoints, all; several separated by commas')
    .argument('[names...]', 'object names')
    .option('-o, --output <format>', 'wide | yaml | json | name')
    .option('-l, --selector <selector>', 'label selector, e.g. app=web,tier!=db')
    .option('--field-selector <selector>', 'field selector, e.g. spec.nodeName=node-1,status.phase=Running')
    .option('-A, --all-namespaces', 'list across all namespaces')
    .option('-w, --watch', 'after listing, watch for changes')
    .option('--watch-only', 'watch for changes without listing first')
    .action(async (type: string, names: string[], flags: GetFlags, cmd: Command) => {
      const ctx = cliContext(cmd);
      const format = parseOutputFormat(flags.output);
      const types = resolveTypes(type);
      if (names.length && types.length > 1) throw new Error('names can only be given with a single resource type');
      const sections: string[] = [];
      let anyFound = false;
      for (const r of types) {
        const withNamespace = Boolean(ctx.allNamespaces && r.namespaced) && (format === 'table' || format === 'wide');
        if (flags.watchOnly) {
          await watchChanges(ctx, r, names, flags, format, undefined, withNamespace);
          continue;
        }
        const { items, resourceVersion } = await fetchObjects(ctx, r, names, flags);
        if (items.length) {
          anyFound = true;
          const table = types.length > 1 && (format === 'table' || format === 'wide');
          sections.push(printObjects(table ? withTypePrefix(items, r) : items, r.kind, { format, withNamespace }));
        }
        if (flags.watch) {
          if (sections.length) ctx.out(sections.splice(0).join('\n\n'));
          await watchChanges(ctx, r, names, flags, format, resourceVersion, withNamespace);
        }
      }
      if (sections.length) ctx.out(sections.join('\n\n'));
      if (!anyFound && !flags.watch && !flags.watchOnly && (format === 'table' || format === 'wide')) {
        const r = types[0];
        ctx.err(r.namespaced && !ctx.allNamespaces ? `No resources found in ${ctx.namespace} namespace.` : 'No resources found');
      }
    });
}

/** `get all` names each object with its type (pod/web-1, deployment.apps/web), like kubectl. */
function withTypePrefix(items: KubeObject[], r: ResourceInfo): KubeObject[] {
  const prefix = `${r.singular}${r.group ? `.${r.group}` : ''}/`;
  return items.map((o) => ({ ...o, metadata: { ...o.metadata, name: prefix + (o.metadata.name ?? '') } }));
}
