// Live progress until Deployments are rolled out: one line per Deployment, rewritten in
// place on a terminal, printed as plain lines (only when they change) otherwise. Driven
// by the watch API, not polling.

import type { Deployment } from '../api/types.js';
import type { Client } from '../client/types.js';
import { progressLine, rolloutState } from './rollout-progress.js';

export interface WaitTarget {
  namespace: string;
  name: string;
}

export interface WaitOptions {
  timeoutMs: number;
  isTTY: boolean;
  write(text: string): void;
  /** Print kubectl's wording ("Waiting for deployment ...") instead of the compact line. */
  verbose?: boolean;
}

export interface WaitResult {
  ok: boolean;
  /** Why it failed, per deployment. */
  failures: string[];
}

export async function waitForDeployments(client: Client, targets: WaitTarget[], opts: WaitOptions): Promise<WaitResult> {
  const lines = new Map<string, string>();
  const finished = new Map<string, { ok: boolean; message: string }>();
  let drawn = 0;
  const abort = new AbortController();

  const render = () => {
    const text = targets.map((t) => lines.get(`${t.namespace}/${t.name}`) ?? `${t.name}: waiting...`);
    if (opts.isTTY) {
      // Move up over what we drew last time and redraw every line.
      const up = drawn ? `\x1b[${drawn}A` : '';
      opts.write(up + text.map((l) => `\r\x1b[2K${l}`).join('\n') + '\n');
      drawn = text.length;
    }
  };

  const update = (key: string, line: string) => {
    if (lines.get(key) === line) return;
    lines.set(key, line);
    if (opts.isTTY) render();
    else opts.write(`${line}\n`);
  };

  const follow = async (t: WaitTarget) => {
    const key = `${t.namespace}/${t.name}`;
    const judge = (d: Deployment): boolean => {
      const s = rolloutState(d);
      update(key, opts.verbose ? s.message : `${progressLine(d)}${s.done ? ' — rolled out' : s.failed ? ` — ${s.message}` : ''}`);
      if (s.done || s.failed) finished.set(key, { ok: s.done, message: s.message });
      return s.done || s.failed;
    };
    while (!abort.signal.aborted) {
      let rv: string | undefined;
      try {
        const d = await client.deployments.get(t.name, t.namespace);
        if (judge(d)) return;
        rv = d.metadata.resourceVersion;
        const w = client.deployments.watch({ namespace: t.namespace, fieldSelector: `metadata.name=${t.name}`, resourceVersion: rv });
        const stop = () => w.stop();
        abort.signal.addEventListener('abort', stop, { once: true });
        try {
          for await (const ev of w) {
            if (ev.type === 'ADDED' || ev.type === 'MODIFIED') {
              if (judge(ev.object)) return;
            } else if (ev.type === 'DELETED') {
              finished.set(key, { ok: false, message: `deployment "${t.name}" was deleted` });
              update(key, `${t.name}: deleted`);
              return;
            } else if (ev.type === 'ERROR') break;
          }
        } finally {
          abort.signal.removeEventListener('abort', stop);
          w.stop();
        }
      } catch (err) {
        if (abort.signal.aborted) return;
        update(key, `${t.name}: ${(err as Error).message} (retrying)`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  };

  if (opts.isTTY) render();
  const timer = setTimeout(() => abort.abort(), opts.timeoutMs);
  try {
    await Promise.all(targets.map(follow));
  } finally {
    clearTimeout(timer);
  }
  const failures: string[] = [];
  for (const t of targets) {
    const f = finished.get(`${t.namespace}/${t.name}`);
    if (!f) failures.push(`timed out waiting for deployment "${t.name}" after ${Math.round(opts.timeoutMs / 1000)}s`);
    else if (!f.ok) failures.push(f.message);
  }
  return { ok: failures.length === 0, failures };
}
