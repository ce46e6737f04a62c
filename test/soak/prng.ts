// A small seeded PRNG for the soak: the same seed gives the same sequence of faults and
// workload actions on every machine. mulberry32 (32-bit state, good enough for choosing
// among a handful of actions; not for anything cryptographic). Hand-written because the
// whole point is a sequence that never changes with a library upgrade.

export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A stream of its own for one consumer (nemesis, workload), so one's draws never shift the other's. */
  static forStream(seed: number, stream: string): Prng {
    let h = seed >>> 0;
    for (let k = 0; k < stream.length; k++) h = Math.imul(h ^ stream.charCodeAt(k), 0x9e3779b1) >>> 0;
    return new Prng(h ^ (h >>> 16));
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}
