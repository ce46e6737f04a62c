// Completion indexes of Indexed Jobs in Kubernetes' text form: increasing decimals joined by
// commas, three or more consecutive ones as a range ("1,3-5,7"). The controller keeps the
// set in status.completedIndexes, so it survives restarts and counts every index once.

/** Parse "1,3-5,7" (malformed parts and indexes outside 0..completions-1 are dropped). */
export function parseIndexes(s: string | undefined, completions: number): Set<number> {
  const out = new Set<number>();
  if (!s) return out;
  for (const part of s.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    for (let i = a; i <= b && i < completions; i++) out.add(i);
  }
  return out;
}

export function formatIndexes(set: Iterable<number>): string {
  const xs = [...new Set(set)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < xs.length; ) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j]! + 1) j++;
    if (j - i >= 2) parts.push(`${xs[i]}-${xs[j]}`);
    else for (let k = i; k <= j; k++) parts.push(String(xs[k]));
    i = j + 1;
  }
  return parts.join(',');
}

/** The first `n` indexes below `completions` that are neither completed nor taken by an active pod. */
export function pendingIndexes(completions: number, completed: Set<number>, active: Set<number>, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < completions && out.length < n; i++) if (!completed.has(i) && !active.has(i)) out.push(i);
  return out;
}
