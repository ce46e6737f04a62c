// The one duration parser for every flag of every orch process: Go's time.ParseDuration
// syntax, which is what Kubernetes components take ("20s", "1m30s", "500ms", "1.5h",
// ".5s", "300us", "2h45m"; units ns, us, µs, μs, ms, s, m, h), plus a bare number meaning
// seconds ("--timeout 90"), which is what people type. Durations are never negative
// here: no orch flag means anything by one, so "-5s" is refused rather than clamped.

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const NUMBER = String.raw`(?:\d+(?:\.\d*)?|\.\d+)`;
const BARE_SECONDS = new RegExp(`^\\+?${NUMBER}$`);
// Longer units first, so "ms" is not read as "m" followed by garbage.
const TERM = new RegExp(`(${NUMBER})(ns|us|µs|μs|ms|s|m|h)`, 'gy');

/**
 * Milliseconds (fractions kept: "1us" is 0.001). Throws on garbage, naming the text and,
 * when given, the flag it came from.
 */
export function parseDuration(text: string, flag?: string): number {
  const s = text.trim();
  const invalid = (why = '') => new Error(`invalid duration "${text}"${flag ? ` for ${flag}` : ''}${why} (examples: 20s, 1m30s, 500ms, 1.5h; a bare number is seconds)`);
  if (s.startsWith('-')) throw invalid(': must not be negative');
  if (BARE_SECONDS.test(s)) return Number(s.replace(/^\+/, '')) * 1000;
  const body = s.replace(/^\+/, '');
  if (body === '') throw invalid();
  TERM.lastIndex = 0;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = TERM.exec(body)) !== null) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    pos = TERM.lastIndex;
  }
  if (pos !== body.length) throw invalid();
  if (!Number.isFinite(total)) throw invalid(': too large');
  return total;
}
