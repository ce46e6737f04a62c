// Command-line options of the benchmarks (`npm run bench -- NAME --rounds 4`).

/** A whole number above 0 after `name`, or `fallback` when the option is absent. */
export function intOption(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const n = Number(args[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} needs a whole number above 0`);
  return n;
}
