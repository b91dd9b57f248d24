// Linear and log scales with "nice" ticks (1-2-5 steps, log decades) and compact tick labels.
// Pure functions: no canvas here, so every rule is tested on its own.

export type Domain = readonly [number, number];

export interface Tick {
  readonly value: number;
  /** Empty for a minor tick. */
  readonly label: string;
  readonly minor: boolean;
}

export interface Scale {
  readonly kind: 'linear' | 'log';
  readonly domain: Domain;
  readonly range: Domain;
  /** Value to pixel. NaN for values the scale cannot show (non-finite, or ≤ 0 on a log scale). */
  map(value: number): number;
  invert(pixel: number): number;
  /** Ticks inside the domain, about `count` labelled ones. */
  ticks(count: number): Tick[];
}

const MINUS = '\u2212';

/** [min, max] of the finite values (and positive ones only, if asked); null if there are none. */
export function finiteExtent(values: Iterable<number>, positiveOnly = false): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v) || (positiveOnly && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

/**
 * A 1-2-5 step for about `count` intervals over `span`, as { step, inverse }: when the step is
 * below 1, `inverse` is the integer 1/step, so that tick k can be computed exactly as k / inverse.
 */
export function niceStep(span: number, count: number): { step: number; inverse: number } {
  const raw = Math.abs(span) / Math.max(1, count);
  if (!(raw > 0) || !Number.isFinite(raw)) return { step: 1, inverse: 1 };
  const power = Math.floor(Math.log10(raw));
  const error = raw / 10 ** power;
  // Round the raw step to 1, 2, 5 or 10 (× 10^power) at the geometric midpoints, as d3 does.
  const factor = error >= Math.sqrt(50) ? 10 : error >= Math.sqrt(10) ? 5 : error >= Math.sqrt(2) ? 2 : 1;
  const step = factor * 10 ** power;
  if (step >= 1) return { step, inverse: 1 / step };
  // 10^−power / factor is a whole number here (factor divides 10); 1/inverse is the step rounded.
  const inverse = Math.round(10 ** -power / factor);
  return { step: 1 / inverse, inverse };
}

/** Multiples of a nice step in [lo, hi], and the step. */
export function linearTicks(lo: number, hi: number, count: number): { values: number[]; step: number } {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { values: [], step: 1 };
  if (lo > hi) [lo, hi] = [hi, lo];
  if (lo === hi) return { values: [lo], step: Math.abs(lo) || 1 };
  const { step, inverse } = niceStep(hi - lo, count);
  const values: number[] = [];
  if (step >= 1) {
    const k0 = Math.ceil(lo / step - 1e-9);
    const k1 = Math.floor(hi / step + 1e-9);
    for (let k = k0; k <= k1; k++) values.push(k * step);
  } else {
    const k0 = Math.ceil(lo * inverse - 1e-9);
    const k1 = Math.floor(hi * inverse + 1e-9);
    for (let k = k0; k <= k1; k++) values.push(k / inverse);
  }
  return { values: values.map((v) => (Object.is(v, -0) ? 0 : v)), step };
}

/** A linear domain that holds [lo, hi], widened when degenerate and rounded out to nice steps. */
export function niceLinearDomain(lo: number, hi: number, count = 5, padFraction = 0): [number, number] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    const e = finiteExtent([lo, hi]);
    if (!e) return [0, 1];
    [lo, hi] = e;
  }
  if (lo > hi) [lo, hi] = [hi, lo];
  if (lo === hi) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= d;
    hi += d;
  }
  const pad = (hi - lo) * padFraction;
  lo -= pad;
  hi += pad;
  // Round out twice: the step can change once the domain grows.
  for (let i = 0; i < 2; i++) {
    const { step, inverse } = niceStep(hi - lo, count);
    if (step >= 1) {
      lo = Math.floor(lo / step + 1e-9) * step;
      hi = Math.ceil(hi / step - 1e-9) * step;
    } else {
      lo = Math.floor(lo * inverse + 1e-9) / inverse;
      hi = Math.ceil(hi * inverse - 1e-9) / inverse;
    }
  }
  return [lo, hi];
}

/** A positive log domain that holds [lo, hi] with a little room (a fraction of the log span). */
export function logDomain(lo: number, hi: number, padFraction = 0.04): [number, number] {
  if (!(lo > 0) || !Number.isFinite(lo)) lo = hi > 0 && Number.isFinite(hi) ? hi / 10 : 1;
  if (!(hi > 0) || !Number.isFinite(hi)) hi = lo * 10;
  if (lo > hi) [lo, hi] = [hi, lo];
  let a = Math.log10(lo);
  let b = Math.log10(hi);
  if (b - a < 0.3) {
    const mid = (a + b) / 2;
    a = mid - 0.15;
    b = mid + 0.15;
  }
  const pad = (b - a) * padFraction;
  return [10 ** (a - pad), 10 ** (b + pad)];
}

function decimalsFor(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

function stripZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

function signed(negative: boolean, body: string): string {
  return negative ? MINUS + body : body;
}

const SUFFIXES: readonly [number, string][] = [
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
];

/**
 * A compact label for a tick value on an axis whose ticks are `step` apart: 0.25, 0.001, 1e-4,
 * 2.5e-4, 500, 1.5k, 12k, 3M. Negative values take a true minus sign.
 */
export function formatTick(value: number, step: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '\u221e' : MINUS + '\u221e';
  if (!(step > 0) || !Number.isFinite(step)) step = Math.abs(value) || 1;
  const a = Math.abs(value);
  // Zero takes the axis's decimals (0.0 between 0.5s) unless the axis is in exponent form.
  if (a < step * 1e-9) return step >= 1e-3 && step < 1 ? (0).toFixed(decimalsFor(step)) : '0';
  const neg = value < 0;
  if (a < 1e-3 || a >= 1e15) {
    const exponent = Math.floor(Math.log10(a) + 1e-12);
    const digits = Math.min(6, Math.max(0, exponent - Math.floor(Math.log10(step) + 1e-9)));
    let mantissa = a / 10 ** exponent;
    let e = exponent;
    if (Number(mantissa.toFixed(digits)) >= 10) {
      mantissa /= 10;
      e += 1;
    }
    return signed(neg, `${stripZeros(mantissa.toFixed(digits))}e${e < 0 ? '-' : ''}${Math.abs(e)}`);
  }
  if (a >= 1e3) {
    for (const [unit, suffix] of SUFFIXES) {
      if (a < unit) continue;
      const decimals = Math.max(0, Math.round(Math.log10(unit)) - Math.floor(Math.log10(step) + 1e-9));
      if (decimals <= 2) return signed(neg, stripZeros((a / unit).toFixed(decimals)) + suffix);
      break;
    }
  }
  return signed(neg, a.toFixed(Math.min(20, decimalsFor(step))));
}

/** A short label for one number (a legend entry, a readout): three significant digits. */
export function formatValue(value: number, significant = 3): string {
  if (!Number.isFinite(value)) return formatTick(value, 1);
  const a = Math.abs(value);
  if (a === 0) return '0';
  if (a < 1e-3 || a >= 1e15) {
    const [m = '0', e = '0'] = a.toExponential(significant - 1).split('e');
    return signed(value < 0, `${stripZeros(m)}e${Number(e)}`);
  }
  const units: readonly [number, string][] = [[1, ''], [1e3, 'k'], [1e6, 'M'], [1e9, 'G'], [1e12, 'T']];
  let i = units.length - 1;
  while (i > 0 && a < (units[i]?.[0] ?? 1)) i--;
  let [unit, suffix] = units[i] ?? [1, ''];
  // 999.96 rounds to "1.00e+3" at three digits: the next unit takes it ("1k").
  if (Number((a / unit).toPrecision(significant)) >= 1000 && i + 1 < units.length) [unit, suffix] = units[i + 1] ?? [unit, suffix];
  return signed(value < 0, stripZeros(Number((a / unit).toPrecision(significant)).toString()) + suffix);
}

export function linearScale(domain: Domain, range: Domain): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return {
    kind: 'linear',
    domain,
    range,
    map: (v) => (Number.isFinite(v) ? r0 + (v - d0) * k : NaN),
    invert: (p) => (k === 0 ? d0 : d0 + (p - r0) / k),
    ticks(count) {
      const { values, step } = linearTicks(Math.min(d0, d1), Math.max(d0, d1), count);
      return values.map((value) => ({ value, label: formatTick(value, step), minor: false }));
    },
  };
}

export function logScale(domain: Domain, range: Domain): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const l0 = Math.log10(d0);
  const l1 = Math.log10(d1);
  const k = l1 === l0 ? 0 : (r1 - r0) / (l1 - l0);
  return {
    kind: 'log',
    domain,
    range,
    map: (v) => (v > 0 && Number.isFinite(v) ? r0 + (Math.log10(v) - l0) * k : NaN),
    invert: (p) => 10 ** (k === 0 ? l0 : l0 + (p - r0) / k),
    ticks: (count) => logTicks(Math.min(d0, d1), Math.max(d0, d1), count),
  };
}

/**
 * Ticks for a log axis over [lo, hi] (both > 0): labelled decades (every n-th when there are many),
 * unlabelled minor ticks at 2..9 × 10^k when few decades show; 1-2-5 ticks when fewer than two
 * decades fall inside; plain linear ticks when the domain is narrower than that.
 */
export function logTicks(lo: number, hi: number, count = 5): Tick[] {
  if (!(lo > 0) || !(hi > 0) || !Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (lo > hi) [lo, hi] = [hi, lo];
  const eps = 1e-9;
  const k0 = Math.ceil(Math.log10(lo) - eps);
  const k1 = Math.floor(Math.log10(hi) + eps);
  const inside = (v: number) => v >= lo * (1 - eps) && v <= hi * (1 + eps);
  const decade = (k: number) => (k < 0 ? 1 / 10 ** -k : 10 ** k);
  const label = (v: number) => formatTick(v, v);
  if (k1 - k0 + 1 >= 2) {
    const stride = Math.max(1, Math.ceil((k1 - k0 + 1) / Math.max(2, count)));
    const ticks: Tick[] = [];
    const showMinor = k1 - k0 <= 6;
    // With only two or three decades showing, 2× and 5× are labelled too (1, 2, 5, 10, 20...).
    const label25 = k1 - k0 + 1 <= 3 && count >= 4;
    for (let k = k0 - 1; k <= k1; k++) {
      const v = decade(k);
      if (k >= k0 && (k - k0) % stride === 0) ticks.push({ value: v, label: label(v), minor: false });
      else if (k >= k0 && showMinor) ticks.push({ value: v, label: '', minor: true });
      if (showMinor) {
        for (let m = 2; m <= 9; m++) {
          const w = Number((decade(k) * m).toPrecision(12));
          if (!inside(w)) continue;
          const major = label25 && (m === 2 || m === 5);
          ticks.push({ value: w, label: major ? label(w) : '', minor: !major });
        }
      }
    }
    return ticks.filter((t) => inside(t.value)).sort((a, b) => a.value - b.value);
  }
  const candidates: number[] = [];
  for (let k = k0 - 1; k <= k1; k++) for (const m of [1, 2, 5]) candidates.push(Number((decade(k) * m).toPrecision(12)));
  const picked = candidates.filter(inside);
  if (picked.length >= 2) return picked.map((value) => ({ value, label: label(value), minor: false }));
  const { values, step } = linearTicks(lo, hi, Math.max(2, Math.min(count, 4)));
  return values.filter((v) => v > 0).map((value) => ({ value, label: formatTick(value, step), minor: false }));
}
