// `orch get -w` / `--watch-only`: one watch per type, all at once (`get all -A -w` follows
// every kind of the category, not only the first), each resuming from the list it
// printed. A watch that expired (410 Gone, as an answer or as an ERROR event) starts over
// from the current state, as kubectl's does; a lost connection resumes where it was.

import { ApiError } from '../api/errors.js';
import type { ResourceInfo } from '../api/resources.js';
import type { Table } from '../api/tables/table.js';
import type { KubeObject, ObjectMeta } from '../api/types.js';
import type { CliContext } from './context.js';
import { isTableFormat, printObjects, printTable, type OutputSpec, type TableLayout } from './printers/print.js';
import { watchTable } from './server-tables.js';

export interface WatchTarget {
  r: ResourceInfo;
  names: string[];
  namespace?: string;
  spec: OutputSpec & { showManagedFields?: boolean };
  layout: TableLayout;
}

export interface WatchFlags {
  selector?: string;
  fieldSelector?: string;
}

const nameOf = (object: unknown) => (object as { metadata?: ObjectMeta } | undefined)?.metadata?.name ?? '';

const isGone = (err: unknown) => err instanceof ApiError && err.status.code === 410;

/** Watches every target until interrupted; `from[i]` is where target i's list left off. */
export async function watchAll(ctx: CliContext, targets: WatchTarget[], flags: WatchFlags, from: { resourceVersion?: string; printed: boolean }[]): Promise<void> {
  await Promise.all(targets.map((t, i) => watchChanges(ctx, t, flags, from[i]?.resourceVersion, from[i]?.printed ?? false)));
}

/** Prints every change from `fromRV` (or the current state first) until interrupted; the header once. */
async function watchChanges(ctx: CliContext, t: WatchTarget, flags: WatchFlags, fromRV: string | undefined, headerPrinted: boolean): Promise<void> {
  const fieldSelector = [flags.fieldSelector, t.names.length === 1 ? `metadata.name=${t.names[0]}` : undefined].filter(Boolean).join(',') || undefined;
  const q = { namespace: t.namespace, labelSelector: flags.selector, fieldSelector };
  const wanted = (name: string) => t.names.length <= 1 || t.names.includes(name);
  const table = isTableFormat(t.spec.format);
  let rv = fromRV;
  let header = !headerPrinted && !t.layout.noHeaders;
  for (;;) {
    const w = table
      ? watchTable(ctx.client, t.r, { ...q, resourceVersion: rv })
      : ctx.client.resource(t.r.plural).watch({ ...q, resourceVersion: rv ?? '0', allowWatchBookmarks: true });
    try {
      for await (const ev of w) {
        if (ev.type === 'ERROR') {
          // Expired (or any other error the server ends a watch with): start over from the current state.
          rv = undefined;
          break;
        }
        rv = ev.object.metadata?.resourceVersion ?? rv;
        if (ev.type === 'BOOKMARK') continue;
        let text: string | undefined;
        if (table) {
          const tbl = ev.object as unknown as Table;
          const rows = tbl.rows.filter((row) => wanted(nameOf(row.object)));
          if (rows.length) text = printTable({ ...tbl, rows }, { ...t.layout, headerPrinted: !header });
        } else if (wanted(nameOf(ev.object))) {
          const obj = { ...ev.object, apiVersion: ev.object.apiVersion ?? (t.r.group ? `${t.r.group}/${t.r.version}` : t.r.version), kind: ev.object.kind ?? t.r.kind } as KubeObject;
          text = printObjects([obj], t.r.kind, { ...t.spec, ...t.layout, noHeaders: t.layout.noHeaders || !header, asList: false });
        }
        if (text === undefined) continue;
        if (t.spec.format === 'jsonpath') process.stdout.write(text);
        else ctx.out(text);
        header = false;
      }
    } catch (err) {
      if (isGone(err)) {
        // The version we resume from is older than the server keeps: relist, do not retry it forever.
        rv = undefined;
        continue;
      }
      ctx.err(`watch interrupted (${(err as Error).message}); reconnecting...`);
      await new Promise((res) => setTimeout(res, 1000));
    }
  }
}
