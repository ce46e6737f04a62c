// `orch get KIND[,KIND...] [NAME...]`: tables, wide, yaml, json, name; -w streams changes.
// Tables are the server's (meta.k8s.io/v1 Table, as kubectl asks for them): the same
// cells `kubectl get` prints, laid out by printers/print.ts.

import { Command } from 'commander';
import { RESOURCES, resolveResourceName, type ResourceInfo } from '../../api/resources.js';
import type { Table } from '../../api/tables/table.js';
import type { KubeObject, ObjectMeta } from '../../api/types.js';
import { cliContext, type CliContext } from '../context.js';
import { isTableFormat, parseOutputFormat, printObjects, printTable, type OutputFormat, type TableLayout } from '../printers/print.js';
import { fetchTable, watchTable } from '../server-tables.js';

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
  showLabels?: boolean;
}

interface Target {
  r: ResourceInfo;
  names: string[];
  namespace?: string;
  format: OutputFormat;
  layout: TableLayout;
}

/** What one type prints now, and the resourceVersion to watch from (a list's). */
async function current(ctx: CliContext, t: Target, flags: GetFlags): Promise<{ text?: string; resourceVersion?: string }> {
  const q = { namespace: t.namespace, labelSelector: flags.selector, fieldSelector: flags.fieldSelector };
  if (isTableFormat(t.format)) {
    const table = await fetchTable(ctx.client, t.r, t.names, q);
    return { text: table.rows.length ? printTable(table, t.layout) : undefined, resourceVersion: t.names.length ? undefined : table.metadata.resourceVersion };
  }
  const rc = ctx.client.resource(t.r.plural);
  if (t.names.length) {
    const items = await Promise.all(t.names.map((n) => rc.get(n, t.namespace)));
    return { text: printObjects(items, t.r.kind, { format: t.format }) };
  }
  const list = await rc.list(q);
  return { text: list.items.length ? printObjects(list.items, t.r.kind, { format: t.format }) : undefined, resourceVersion: list.metadata.resourceVersion };
}

const nameOf = (object: unknown) => (object as { metadata?: ObjectMeta } | undefined)?.metadata?.name ?? '';

/** Prints every change from `fromRV` (or the current state first) until interrupted; the header once. */
async function watchChanges(ctx: CliContext, t: Target, flags: GetFlags, fromRV: string | undefined, headerPrinted: boolean): Promise<void> {
  const fieldSelector = [flags.fieldSelector, t.names.length === 1 ? `metadata.name=${t.names[0]}` : undefined].filter(Boolean).join(',') || undefined;
  const q = { namespace: t.namespace, labelSelector: flags.selector, fieldSelector };
  const wanted = (name: string) => t.names.length <= 1 || t.names.includes(name);
  let rv = fromRV;
  let header = !headerPrinted;
  for (;;) {
    const w = isTableFormat(t.format)
      ? watchTable(ctx.client, t.r, { ...q, resourceVersion: rv })
      : ctx.client.resource(t.r.plural).watch({ ...q, resourceVersion: rv ?? '0', allowWatchBookmarks: true });
    try {
      for await (const ev of w) {
        // Expired: start again from the current state, as kubectl does.
        if (ev.type === 'ERROR') {
          rv = undefined;
          break;
        }
        rv = ev.object.metadata?.resourceVersion ?? rv;
        if (ev.type === 'BOOKMARK') continue;
        let text: string | undefined;
        if (isTableFormat(t.format)) {
          const table = ev.object as unknown as Table;
          const rows = table.rows.filter((row) => wanted(nameOf(row.object)));
          if (rows.length) text = printTable({ ...table, rows }, { ...t.layout, noHeaders: !header });
        } else if (wanted(nameOf(ev.object))) text = printObjects([ev.object as KubeObject], t.r.kind, { format: t.format });
        if (text === undefined) continue;
        ctx.out(text);
        header = false;
      }
    } catch (err) {
      ctx.err(`watch interrupted (${(err as Error).message}); reconnecting...`);
      await new Promise((res) => setTimeout(res, 1000));
    }
  }
}

export function getCommand(): Command {
  return new Command('get')
    .description('Display one or many objects (e.g. orch get pods, orch get deploy web -o yaml, orch get all -A)')
    .argument('<type>', 'resource type: pods|po, deployments|deploy, replicasets|rs, nodes|no, namespaces|ns, services|svc, endpoints|ep, endpointslices, configmaps|cm, secrets, events|ev, leases, all; several separated by commas')
    .argument('[names...]', 'object names')
    .option('-o, --output <format>', 'wide | yaml | json | name')
    .option('-l, --selector <selector>', 'label selector, e.g. app=web,tier!=db')
    .option('--field-selector <selector>', 'field selector, e.g. spec.nodeName=node-1,status.phase=Running')
    .option('-A, --all-namespaces', 'list across all namespaces')
    .option('--show-labels', 'show each object\'s labels as the last column')
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
        const target: Target = {
          r,
          names,
          format,
          namespace: r.namespaced && !ctx.allNamespaces ? ctx.namespace : undefined,
          layout: {
            wide: format === 'wide',
            withNamespace: Boolean(ctx.allNamespaces && r.namespaced),
            showLabels: flags.showLabels,
            // `get all`: each name with its type (pod/web-1, deployment.apps/web), like kubectl.
            namePrefix: types.length > 1 ? `${r.singular}${r.group ? `.${r.group}` : ''}/` : undefined,
          },
        };
        if (flags.watchOnly) {
          await watchChanges(ctx, target, flags, undefined, false);
          continue;
        }
        const { text, resourceVersion } = await current(ctx, target, flags);
        if (text !== undefined) {
          anyFound = true;
          sections.push(text);
        }
        if (flags.watch) {
          if (sections.length) ctx.out(sections.splice(0).join('\n\n'));
          await watchChanges(ctx, target, flags, resourceVersion, text !== undefined);
        }
      }
      if (sections.length) ctx.out(sections.join('\n\n'));
      if (!anyFound && !flags.watch && !flags.watchOnly && isTableFormat(format)) {
        const r = types[0];
        ctx.err(r.namespaced && !ctx.allNamespaces ? `No resources found in ${ctx.namespace} namespace.` : 'No resources found');
      }
    });
}
