// Seeded randomness for fuzz tests: the same seed gives the same sequence of cases, so a
// failure can be replayed by passing its seed back.

/** mulberry32: a tiny seeded PRNG; returns numbers in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed CI runs with: the gate stays the same from run to run. */
export const CI_FUZZ_SEED = 20261203;

/**
 * The seed of this run: ORCH_FUZZ_SEED when set (to replay a failure); under CI a fixed
 * one, so a bug a new seed would find fails the developer's run or `npm run fuzz`, never
 * a random landing; otherwise a fresh one, so every local run explores new inputs.
 */
export function fuzzSeed(): number {
  const env = process.env.ORCH_FUZZ_SEED;
  if (env !== undefined && env !== '') return Number(env) >>> 0;
  if (process.env.CI === 'true' || process.env.CI === '1') return CI_FUZZ_SEED;
  return (Math.random() * 2 ** 32) >>> 0;
}

export interface Random {
  (): number;
  int(n: number): number;
  pick<T>(list: readonly T[]): T;
  chance(p: number): boolean;
}

export function random(seed: number): Random {
  const next = rng(seed);
  const r = (() => next()) as Random;
  r.int = (n) => Math.floor(next() * n);
  r.pick = (list) => list[Math.floor(next() * list.length)]!;
  r.chance = (p) => next() < p;
  return r;
}

/** Every path inside a value, as lists of keys and indexes (the root itself excluded). */
export function paths(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (typeof v !== 'object' || v === null) return out;
  for (const [k, child] of Object.entries(v)) {
    const key = Array.isArray(v) ? Number(k) : k;
    out.push([...prefix, key]);
    paths(child, [...prefix, key], out);
  }
  return out;
}
