// `orch events [-n NS | -A] [-w]`: recent Events, oldest first, then (with -w) new ones.

import { Command } from 'commander';
import type { Event } from '../../api/types.js';
import { cliContext } from '../context.js';
import { printObjects } from '../printers/print.js';

const when = (e: Event) => e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? '';

export function eventsCommand(): Command {
  return new Command('events')
    .description('List recent Events (what controllers, the scheduler and agents reported)')
    .option('-A, --all-namespaces', 'events of every namespace')
    .option('-w, --watch', 'keep printing new events')
    .option('--for <type/name>', 'only events about this object, e.g. pod/web-abc12')
    .action(async (flags: { allNamespaces?: boolean; watch?: boolean; for?: string }, cmd: Command) => {
      const ctx = cliContext(cmd);
      const namespace = flags.allNamespaces ? undefined : ctx.namespace;
      const fieldSelector = flags.for ? `involvedObject.name=${flags.for.slice(flags.for.indexOf('/') + 1)}` : undefined;
      const list = await ctx.client.events.list({ namespace, fieldSelector });
      const items = [...list.items].sort((a, b) => when(a).localeCompare(when(b)));
      const withNamespace = Boolean(flags.allNamespaces);
      if (items.length) ctx.out(printObjects(items, 'Event', { format: 'table', withNamespace }));
      else if (!flags.watch) ctx.err(namespace ? `No events found in ${namespace} namespace.` : 'No events found.');
      if (!flags.watch) return;
      let rv = list.metadata.resourceVersion;
      for (;;) {
        const w = ctx.client.events.watch({ namespace, fieldSelector, resourceVersion: rv, allowWatchBookmarks: true });
        for await (const ev of w) {
          rv = ev.object.metadata.resourceVersion ?? rv;
          if (ev.type === 'ADDED' || ev.type === 'MODIFIED') ctx.out(printObjects([ev.object], 'Event', { format: 'table', withNamespace, headerPrinted: true }));
          if (ev.type === 'ERROR') rv = undefined;
        }
      }
    });
}
