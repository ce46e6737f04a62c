// `orch get KIND[,KIND...] [NAME...]`: tables, wide, yaml, json, name, jsonpath,
// custom-columns; --show-labels, -L, --no-headers, --sort-by; -w streams changes.
// Tables are the server's (meta.k8s.io/v1 Table, as kubectl asks for them): the same
// cells `kubectl get` prints, laid out by printers/print.ts.

import { Command } from 'commander';
import { RESOURCES, resolveResourceName, type ResourceInfo } from '../../api/resources.js';
import type { Table } from '../../api/tables/table.js';
import type { KubeObject } from '../../api/types.js';
import { cliContext, type CliContext } from '../context.js';
import { sortByJsonPath } from '../printers/custom-columns.js';
import { isTableFormat, parseOutput, printObjects, printTable, type OutputSpec, type TableLayout } from '../printers/print.js';
import { fetchTable } from '../server-tables.js';
import { watchAll, type WatchTarget } from '../get-watch.js';

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

export interface GetFlags {
  output?: string;
  selector?: string;
  fieldSelector?: string;
  allNamespaces?: boolean;
  watch?: boolean;
  watchOnly?: boolean;
  showLabels?: boolean;
  labelColumns?: string[];
  noHeaders?: boolean;
  sortBy?: string;
  ignoreNotFound?: boolean;
  showManagedFields?: boolean;
}

/** `-L a,b -L c` → [a, b, c]. */
const collectList = (v: string, prev: string[] = []) => [...prev, ...v.split(',').map((x) => x.trim()).filter(Boolean)];

/** The table of one type now (sorted when asked), and the resourceVersion to watch from. */
async function currentTable(ctx: CliContext, t: WatchTarget, flags: GetFlags): Promise<{ text?: string; resourceVersion?: string }> {
  const q = { namespace: t.namespace, labelSelector: flags.selector, fieldSelector: flags.fieldSelector, includeObject: flags.sortBy ? ('Object' as const) : undefined };
  const table: Table = await fetchTable(ctx.client, t.r, t.names, q);
  if (flags.sortBy) table.rows = sortByJsonPath(table.rows, flags.sortBy, (row) => row.object);
  return { text: table.rows.length ? printTable(table, t.layout) : undefined, resourceVersion: t.names.length ? undefined : table.metadata.resourceVersion };
}

/** The objects of one type now (full objects, for json/yaml/name/jsonpath/custom-columns). */
async function currentObjects(ctx: CliContext, t: WatchTarget, flags: GetFlags): Promise<{ items: KubeObject[]; resourceVersion?: string }> {
  const rc = ctx.client.resource(t.r.plural);
  if (t.names.length) return { items: await Promise.all(t.names.map((n) => rc.get(n, t.namespace))) };
  const list = await rc.list({ namespace: t.namespace, labelSelector: flags.selector, fieldSelector: flags.fieldSelector });
  // A list's items carry no kind/apiVersion on the wire; printers (name, custom-columns) need them.
  const apiVersion = t.r.group ? `${t.r.group}/${t.r.version}` : t.r.version;
  return { items: list.items.map((o) => ({ ...o, apiVersion: o.apiVersion ?? apiVersion, kind: o.kind ?? t.r.kind })), resourceVersion: list.metadata.resourceVersion };
}

export function getCommand(): Command {
  return new Command('get')
    .description('Display one or many objects (e.g. orch get pods, orch get deploy web -o yaml, orch get all -A)')
    .argument('<type>', 'resource type: pods|po, deployments|deploy, replicasets|rs, daemonsets|ds, statefulsets|sts, controllerrevisions, nodes|no, namespaces|ns, services|svc, endpoints|ep, endpointslices, configmaps|cm, secrets, events|ev, leases, all; several separated by commas')
    .argument('[names...]', 'object names')
    .option('-o, --output <format>', 'wide | yaml | json | name | jsonpath=TEMPLATE | jsonpath-file=FILE | custom-columns=HEADER:PATH,... | custom-columns-file=FILE')
    .option('-l, --selector <selector>', 'label selector, e.g. app=web,tier!=db')
    .option('--field-selector <selector>', 'field selector, e.g. spec.nodeName=node-1,status.phase=Running')
    .option('-A, --all-namespaces', 'list across all namespaces')
    .option('--show-labels', "show each object's labels as the last column")
    .option('-L, --label-columns <keys>', 'a column for each of these label keys (comma-separated, repeatable)', collectList)
    .option('--no-headers', 'omit the header line of tables and custom columns')
    .option('--sort-by <jsonpath>', 'sort by this field, e.g. .metadata.creationTimestamp or {.status.phase}')
    .option('--ignore-not-found', 'print nothing (and succeed) when a named object does not exist')
    .option('--show-managed-fields', 'keep metadata.managedFields in json and yaml output (hidden by default, as kubectl does)')
    .option('-w, --watch', 'after listing, watch for changes')
    .option('--watch-only', 'watch for changes without listing first')
    .action(async (type: string, names: string[], flags: GetFlags & { headers?: boolean }, cmd: Command) => {
      const ctx = cliContext(cmd);
      // commander turns --no-headers into headers=false.
      flags.noHeaders = flags.headers === false;
      const spec: OutputSpec & { showManagedFields?: boolean } = { ...parseOutput(flags.output), showManagedFields: flags.showManagedFields };
      const types = resolveTypes(type);
      if (names.length && types.length > 1) throw new Error('names can only be given with a single resource type');
      const targets: WatchTarget[] = types.map((r) => ({
        r,
        names,
        spec,
        namespace: r.namespaced && !ctx.allNamespaces ? ctx.namespace : undefined,
        layout: {
          wide: spec.format === 'wide',
          withNamespace: Boolean(ctx.allNamespaces && r.namespaced),
          showLabels: flags.showLabels,
          labelColumns: flags.labelColumns,
          noHeaders: flags.noHeaders,
          // `get all`: each name with its type (pod/web-1, deployment.apps/web), like kubectl.
          namePrefix: types.length > 1 ? `${r.singular}${r.group ? `.${r.group}` : ''}/` : undefined,
        } satisfies TableLayout,
      }));
      if (flags.watchOnly) return watchAll(ctx, targets, flags, targets.map(() => ({ printed: false })));

      const from: { resourceVersion?: string; printed: boolean }[] = [];
      let anyFound = false;
      if (isTableFormat(spec.format)) {
        const sections: string[] = [];
        for (const t of targets) {
          const { text, resourceVersion } = await getOrIgnore(currentTable(ctx, t, flags), flags, {});
          from.push({ resourceVersion, printed: text !== undefined });
          if (text !== undefined) sections.push(text);
        }
        anyFound = sections.length > 0;
        if (anyFound) ctx.out(sections.join('\n\n'));
      } else {
        // One List across every type, as kubectl prints `get all -o json`.
        const items: KubeObject[] = [];
        for (const t of targets) {
          const got = await getOrIgnore(currentObjects(ctx, t, flags), flags, { items: [] });
          from.push({ resourceVersion: got.resourceVersion, printed: true });
          items.push(...got.items);
        }
        const sorted = flags.sortBy ? sortByJsonPath(items, flags.sortBy) : items;
        anyFound = sorted.length > 0;
        const asList = names.length !== 1 || types.length > 1;
        if (anyFound || (asList && spec.format !== 'name' && spec.format !== 'custom-columns')) {
          const text = printObjects(sorted, types[0]!.kind, { ...spec, asList, noHeaders: flags.noHeaders });
          // jsonpath prints exactly the template's text, with no newline added.
          if (spec.format === 'jsonpath') process.stdout.write(text);
          else ctx.out(text);
        }
      }
      if (!anyFound && !flags.watch && !['json', 'yaml', 'jsonpath'].includes(spec.format) && !flags.ignoreNotFound) {
        const r = types[0]!;
        ctx.err(r.namespaced && !ctx.allNamespaces ? `No resources found in ${ctx.namespace} namespace.` : 'No resources found');
      }
      if (flags.watch) await watchAll(ctx, targets, flags, from);
    });
}

/** --ignore-not-found: a named object that does not exist is no error. */
async function getOrIgnore<T>(p: Promise<T>, flags: GetFlags, empty: T): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (flags.ignoreNotFound && (err as { status?: { code?: number } }).status?.code === 404) return empty;
    throw err;
  }
}
