// The checker over the write history: acknowledged writes are never lost. For each object
// it replays the history into the set of states the object may be in now:
//   ok write            → exactly the state the response showed (or absent, for a delete)
//   failed write        → no change (a refused write that took effect shows as a state
//                         outside the set)
//   indeterminate write → the states so far, plus each of them with the write applied
// and the object read from the API must be one of them. A later acknowledged write
// replaces the set, so "the final or a later state reflects each acknowledged write".
// Also: the resourceVersion read is never below the last acknowledged one of the same
// object (uid). Pure: unit-tested without a cluster.

import type { DeploymentFields, WriteRecord } from './history.js';

/** What the API shows for one object now; null when it does not exist. */
export interface Observed extends DeploymentFields {
  uid: string;
  resourceVersion: string;
  /** Being deleted (deletionTimestamp set): counts as absent. */
  deleting: boolean;
}

/** A possible state: absent, or present with fields (uid '*' when an unanswered create made it). */
type Possible = { absent: true } | ({ absent: false; uid: string } & DeploymentFields);

const MAX_STATES = 256;
const keyOf = (p: Possible) => JSON.stringify(p);

function apply(p: Possible, w: WriteRecord): Possible {
  switch (w.op) {
    case 'create':
      return p.absent ? { absent: false, uid: '*', replicas: w.intent.replicas!, image: w.intent.image!, revision: w.intent.revision! } : p;
    case 'delete':
      return { absent: true };
    case 'scale':
      return p.absent ? p : { ...p, replicas: w.intent.replicas! };
    case 'roll':
      return p.absent ? p : { ...p, image: w.intent.image!, revision: w.intent.revision! };
  }
}

/** The states the object may be in after these writes (in order), starting absent. */
export function possibleStates(writes: WriteRecord[]): Possible[] {
  let set: Possible[] = [{ absent: true }];
  for (const w of writes) {
    if (w.outcome === 'failed') continue;
    if (w.outcome === 'ok') {
      set = w.op === 'delete' ? [{ absent: true }] : [{ absent: false, uid: w.uid ?? '*', ...w.state! }];
      continue;
    }
    const next = new Map(set.map((p) => [keyOf(p), p]));
    for (const p of set) {
      const q = apply(p, w);
      next.set(keyOf(q), q);
    }
    set = [...next.values()].slice(0, MAX_STATES);
  }
  return set;
}

function matches(p: Possible, o: Observed | null): boolean {
  const absent = o === null || o.deleting;
  if (p.absent) return absent;
  if (absent) return false;
  return (p.uid === '*' || p.uid === o.uid) && p.replicas === o.replicas && p.image === o.image && p.revision === o.revision;
}

const describe = (p: Possible) => (p.absent ? 'absent' : `uid ${p.uid.slice(0, 8)} replicas ${p.replicas} ${p.image} rev ${p.revision}`);
const describeObserved = (o: Observed | null) =>
  o === null ? 'absent' : `uid ${o.uid.slice(0, 8)} rv ${o.resourceVersion} replicas ${o.replicas} ${o.image} rev ${o.revision}${o.deleting ? ' (deleting)' : ''}`;

/** Violations for one object: its writes (any order; sorted by seq here) and what the API shows. */
export function checkObject(key: string, writes: WriteRecord[], observed: Observed | null): string[] {
  const ordered = [...writes].sort((a, b) => a.seq - b.seq);
  const out: string[] = [];
  const set = possibleStates(ordered);
  if (!set.some((p) => matches(p, observed))) {
    const lastOk = [...ordered].reverse().find((w) => w.outcome === 'ok');
    const after = lastOk ? ordered.filter((w) => w.seq > lastOk.seq) : ordered;
    out.push(
      `acknowledged write lost: deployment ${key} is ${describeObserved(observed)}; the history allows only [${set.map(describe).join(' | ')}]` +
        (lastOk ? `; last acknowledged: #${lastOk.seq} step ${lastOk.step} ${lastOk.op} rv ${lastOk.resourceVersion}` : '') +
        (after.length ? `; later: ${after.map((w) => `#${w.seq} ${w.op} ${w.outcome}${w.code ? ` ${w.code}` : ''}`).join(', ')}` : ''),
    );
  }
  if (observed && !observed.deleting) {
    const acked = ordered.filter((w) => w.outcome === 'ok' && w.uid === observed.uid && w.resourceVersion);
    const maxRv = acked.reduce((m, w) => (BigInt(w.resourceVersion!) > m ? BigInt(w.resourceVersion!) : m), 0n);
    if (BigInt(observed.resourceVersion) < maxRv) out.push(`resourceVersion went back: deployment ${key} reads rv ${observed.resourceVersion}, a write was acknowledged at rv ${maxRv}`);
  }
  return out;
}
