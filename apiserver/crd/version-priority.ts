// Kubernetes' version priority (apimachinery version.CompareKubeAwareVersionStrings):
// GA before beta before alpha, higher numbers first, then anything else alphabetically.
// Discovery lists a CRD's versions in this order and prefers the first.

const RE = /^v(\d+)(?:(alpha|beta)(\d+))?$/;

function rank(v: string): [number, number, number] | undefined {
  const m = RE.exec(v);
  if (!m) return undefined;
  const stage = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
  return [stage, Number(m[1]), Number(m[3] ?? 0)];
}

/** Negative when `a` comes first. */
export function compareVersions(a: string, b: string): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra && !rb) return -1;
  if (!ra && rb) return 1;
  if (!ra || !rb) return a < b ? -1 : a > b ? 1 : 0;
  if (ra[0] !== rb[0]) return rb[0] - ra[0];
  if (ra[1] !== rb[1]) return rb[1] - ra[1];
  return rb[2] - ra[2];
}
