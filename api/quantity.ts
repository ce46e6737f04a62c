// Resource quantities ("250m", "128Mi", "1e3") as Kubernetes writes them, converted to
// plain numbers in base units: cores for cpu, bytes for memory. Numbers are good enough
// for orch's arithmetic (scheduling fit, limits for Docker); exact decimal is not needed.

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

// sign, digits with optional fraction (".5" and "5." are both legal in Kubernetes), then
// either a binary/decimal suffix or a decimal exponent.
const QUANTITY_RE = /^([+-]?)(\d+\.?\d*|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

/** Parses a quantity into base units; throws Error naming the bad value. */
export function parseQuantity(q: string | number): number {
  if (typeof q === 'number') {
    if (!Number.isFinite(q)) throw new Error(`quantity must be a finite number, got ${q}`);
    return q;
  }
  if (typeof q !== 'string') throw new Error(`quantity must be a string or number, got ${typeof q}`);
  const m = QUANTITY_RE.exec(q);
  if (!m) {
    throw new Error(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': invalid quantity "${q}"`);
  }
  const sign = m[1] === '-' ? -1 : 1;
  const num = Number(m[2]);
  const suffix = m[3] ?? '';
  let mult: number;
  if (suffix in BINARY) mult = BINARY[suffix]!;
  else if (suffix in DECIMAL) mult = DECIMAL[suffix]!;
  else mult = 10 ** Number(suffix.slice(1));
  const value = sign * num * mult;
  if (!Number.isFinite(value)) throw new Error(`quantity "${q}" is out of range`);
  // Integers (bytes, whole cores) are exact; elsewhere drop float noise such as
  // 0.1k = 100.00000000000001 by keeping 15 significant digits.
  return Number.isInteger(value) ? value : Number(value.toPrecision(15));
}

export function isValidQuantity(q: unknown): boolean {
  if (typeof q !== 'string' && typeof q !== 'number') return false;
  try {
    parseQuantity(q);
    return true;
  } catch {
    return false;
  }
}

/** CPU quantity to millicores, rounded up as Kubernetes' MilliValue does ("0.1" → 100, "1u" → 1). */
export function cpuToMillis(q: string | number): number {
  const cores = parseQuantity(q);
  // Tolerate float noise (0.1*1000 = 100.00000000000001) before rounding up.
  return Math.ceil(Number((cores * 1000).toPrecision(12)));
}

/** Millicores as Kubernetes prints them: 2000 → "2", 250 → "250m". */
export function formatCpu(millis: number): string {
  if (millis % 1000 === 0) return String(millis / 1000);
  return `${Math.round(millis)}m`;
}

/** Bytes with the largest binary suffix that divides them exactly: 134217728 → "128Mi". */
export function formatBytes(bytes: number): string {
  if (bytes === 0) return '0';
  const n = Math.round(bytes);
  for (const suffix of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'] as const) {
    const unit = BINARY[suffix]!;
    if (Math.abs(n) >= unit && n % unit === 0) return `${n / unit}${suffix}`;
  }
  return String(n);
}
