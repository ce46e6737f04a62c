// Free ports for tests: the same checks `orch up` uses for its own ports.
import { ephemeralPort, portFree } from '../../cli/up/prerequisites.js';

/** A TCP port that was free a moment ago on 127.0.0.1 (the OS picked it). */
export const freePort = ephemeralPort;

/** The first of `count` consecutive ports that were all free a moment ago (etcd's client+peer, agents' log ports). */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await freePort();
    if (first + count > 65535) continue;
    let ok = true;
    for (let p = first + 1; p < first + count && ok; p++) ok = await portFree(p);
    if (ok) return first;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}
