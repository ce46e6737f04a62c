// Hop tracing for the end-to-end waterfall (`npm run bench -- e2e`, docs/performance.md).
//
// ORCH_TRACE=FILE in a process's environment makes it append one JSON line per hop to
// FILE: {"hop":"sched.bound","ns":"default","name":"web-x7k2p","t":1764793512345.678}.
// `t` is wall-clock milliseconds with microsecond digits (performance.timeOrigin +
// performance.now()), comparable between the processes of one machine; object timestamps
// (creationTimestamp, managedFields) have 1 s resolution, far too coarse for hops of a
// few milliseconds. Every component (CLI, apiserver, controller manager, scheduler,
// agent) writes to the same file: O_APPEND keeps each short line whole.
//
// Off (the default) a hop is one test and a return: no file, no allocation beyond the
// caller's literal. On, each hop is one synchronous write(2) of one line (a CLI that exits
// right after its request loses nothing). Not pino: these are measurements for a bench,
// not logs, and must not depend on (or flood) the components' log level.

import fs from 'node:fs';
import { performance } from 'node:perf_hooks';

const FILE = process.env.ORCH_TRACE;

let fd: number | undefined;

/** Is tracing on in this process (ORCH_TRACE set)? */
export const tracing = FILE !== undefined && FILE !== '';

/** Now as wall-clock ms with sub-millisecond digits. */
export function hrNow(): number {
  return performance.timeOrigin + performance.now();
}

export interface HopFields {
  ns?: string;
  name?: string;
  /** The resource (writes in the apiserver), the node (agent), a count, ...: small values only. */
  [k: string]: string | number | boolean | undefined;
}

/** Records one hop now (or at `t`), when tracing is on. */
export function traceHop(hop: string, fields: HopFields = {}, t = 0): void {
  if (!tracing) return;
  try {
    fd ??= fs.openSync(FILE!, 'a');
    fs.writeSync(fd, JSON.stringify({ hop, ...fields, t: Math.round((t || hrNow()) * 1000) / 1000 }) + '\n');
  } catch {
    // A trace that cannot be written must never break the component it observes.
  }
}
