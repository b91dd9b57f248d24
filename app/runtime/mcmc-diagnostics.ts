// MCMC diagnostics on plain arrays (methods.md §2.8): the autocorrelation of a chain's trace, its
// integrated autocorrelation time and effective sample size (ESS), and the split-R̂ of several
// chains. Pure functions in float64, no tensors: the Monitor "MCMC diagnostics" feeds them the
// energy trace of its chains.
//
// Autocorrelation: by the Wiener–Khinchin theorem, with a tiny iterative radix-2 FFT over the
// mean-removed series zero-padded to a power of two ≥ 2n (so the circular correlation equals the
// linear one): O(n log n), where the direct sums would be O(n·lags).
// τ: Geyer's (1992) initial monotone sequence estimator, as Stan computes it — pairs
// Γ_k = ρ_{2k} + ρ_{2k+1} summed while positive, each capped by the one before, τ = −1 + 2 Σ Γ_k —
// which is consistent where "truncate at the first negative lag" (TorchEBM) is noisy.
// split-R̂: Gelman et al. (2013, BDA3 §11.4) on chains cut in halves, in the rank-free form
// (Vehtari et al. 2021 add rank normalisation and folding; not needed for energy traces).

/** In-place radix-2 FFT of (re, im), whose length must be a power of two; `inverse` leaves out the 1/n. */
export function fft(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  if (im.length !== n || (n & (n - 1)) !== 0) throw new Error(`fft: length must be a power of two, got ${n}`);
  // Bit-reversal permutation.
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const angle = ((inverse ? 2 : -2) * Math.PI) / len;
    const wr = Math.cos(angle);
    const wi = Math.sin(angle);
    const half = len >> 1;
    for (let start = 0; start < n; start += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < half; k++) {
        const a = start + k;
        const b = a + half;
        const tr = re[b]! * cr - im[b]! * ci;
        const ti = re[b]! * ci + im[b]! * cr;
        re[b] = re[a]! - tr;
        im[b] = im[a]! - ti;
        re[a] = re[a]! + tr;
        im[a] = im[a]! + ti;
        const next = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = next;
      }
    }
  }
}

/**
 * The sample autocorrelation ρ_0..ρ_{n−1} of a series: ρ_k = c_k / c_0 with the biased
 * autocovariance c_k = (1/n) Σ_{t<n−k} (x_t − x̄)(x_{t+k} − x̄) (the usual estimator: it keeps the
 * sequence positive definite). All NaN when the series is constant or has a non-finite value.
 */
export function autocorrelation(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  const out = new Float64Array(n);
  if (n === 0) return out;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i]!;
  mean /= n;
  let size = 1;
  while (size < 2 * n) size <<= 1;
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  for (let i = 0; i < n; i++) re[i] = x[i]! - mean;
  fft(re, im);
  for (let i = 0; i < size; i++) {
    re[i] = re[i]! * re[i]! + im[i]! * im[i]!;
    im[i] = 0;
  }
  fft(re, im, true);
  const c0 = re[0]!;
  if (!(c0 > 0) || !Number.isFinite(c0)) return out.fill(NaN);
  for (let k = 0; k < n; k++) out[k] = re[k]! / c0;
  return out;
}

/**
 * The integrated autocorrelation time τ = 1 + 2 Σ_{k≥1} ρ_k of a series, by Geyer's initial
 * monotone sequence: Γ_m = ρ_{2m} + ρ_{2m+1} summed over the initial run of positive pairs, each
 * Γ_m lowered to Γ_{m−1} if above it; τ = −1 + 2 Σ Γ_m. For an AR(1) series with coefficient φ,
 * τ = (1 + φ)/(1 − φ). NaN for a constant series (or fewer than 4 points); never below
 * 1/log10(n) (Stan's cap, ESS ≤ n·log10 n, for antithetic chains).
 */
export function autocorrelationTime(x: ArrayLike<number>): number {
  const n = x.length;
  if (n < 4) return NaN;
  const rho = autocorrelation(x);
  if (Number.isNaN(rho[0])) return NaN;
  let sum = 0;
  let previous = Infinity;
  for (let m = 0; 2 * m + 1 < n; m++) {
    let pair = rho[2 * m]! + rho[2 * m + 1]!;
    if (!(pair > 0)) break;
    if (pair > previous) pair = previous;
    sum += pair;
    previous = pair;
  }
  const tau = -1 + 2 * sum;
  return Math.max(tau, 1 / Math.log10(n));
}

/** The effective sample size n/τ of one chain's trace (see autocorrelationTime); NaN when τ is. */
export function effectiveSampleSize(x: ArrayLike<number>): number {
  return x.length / autocorrelationTime(x);
}

/**
 * Split-R̂ of m chains of equal length n: each chain is cut into its first and second half (the
 * middle point dropped when n is odd), and over the 2m half-chains of length h,
 * W = mean within-chain variance (denominator h − 1), B/h = variance of the half-chain means
 * (denominator 2m − 1), var⁺ = (h − 1)/h · W + B/h, R̂ = √(var⁺/W). ≈ 1 when the chains have
 * mixed; above 1.01 (Vehtari et al. 2021) or 1.1 (Gelman et al. 2013) they have not. Splitting
 * catches a chain still drifting, which whole-chain R̂ misses. 1 when every value is the same,
 * +∞ when the halves are constant but differ, NaN with a non-finite value or fewer than 4 points.
 */
export function splitRhat(chains: readonly ArrayLike<number>[]): number {
  if (chains.length === 0) return NaN;
  const n = chains[0]!.length;
  if (chains.some((c) => c.length !== n)) throw new Error('splitRhat: the chains must have the same length');
  const h = Math.floor(n / 2);
  if (h < 2) return NaN;
  const halves: [ArrayLike<number>, number][] = [];
  for (const c of chains) for (const from of [0, n - h]) halves.push([c, from]);
  const means: number[] = [];
  let within = 0;
  for (const [c, from] of halves) {
    const to = from + h;
    let mean = 0;
    for (let t = from; t < to; t++) mean += c[t]!;
    mean /= h;
    let ss = 0;
    for (let t = from; t < to; t++) ss += (c[t]! - mean) ** 2;
    means.push(mean);
    within += ss / (h - 1);
  }
  const m = halves.length;
  const w = within / m;
  const grand = means.reduce((a, v) => a + v, 0) / m;
  const bOverH = means.reduce((a, v) => a + (v - grand) ** 2, 0) / (m - 1);
  if (!Number.isFinite(w) || !Number.isFinite(bOverH)) return NaN;
  if (w === 0) return bOverH === 0 ? 1 : Infinity;
  return Math.sqrt(((h - 1) / h) * w + bOverH) / Math.sqrt(w);
}

/** A trace as samplers record it: steps × chains, row-major (value[k·chains + c] is chain c after step k + 1). */
export interface TraceValues {
  readonly steps: number;
  readonly chains: number;
  readonly energies: ArrayLike<number>;
}

/** Each chain's series from step `from` on (0-based), as separate arrays. */
export function chainSeries(trace: TraceValues, from = 0): Float64Array[] {
  const { steps, chains, energies } = trace;
  if (energies.length !== steps * chains) throw new Error(`chainSeries: ${energies.length} values for ${steps} steps × ${chains} chains`);
  const start = Math.min(Math.max(0, Math.floor(from)), steps);
  return Array.from({ length: chains }, (_, c) => {
    const out = new Float64Array(steps - start);
    for (let k = start; k < steps; k++) out[k - start] = energies[k * chains + c]!;
    return out;
  });
}

export interface TraceDiagnostics {
  /** Steps kept after the burn-in. */
  readonly kept: number;
  /** Mean over chains of each chain's ESS (chains whose ESS is undefined are left out; NaN if all are). */
  readonly ess: number;
  /** ess / kept: 1 for independent draws, 1/τ in general. */
  readonly essPerStep: number;
  /** Split-R̂ over the chains' kept steps. */
  readonly rhat: number;
}

/** ESS and split-R̂ of a trace after discarding the first `burnIn` fraction of its steps. */
export function traceDiagnostics(trace: TraceValues, burnIn: number): TraceDiagnostics {
  if (!(burnIn >= 0 && burnIn < 1)) throw new Error(`traceDiagnostics: burn-in must be in [0, 1), got ${burnIn}`);
  const series = chainSeries(trace, Math.floor(burnIn * trace.steps));
  const kept = series[0]?.length ?? 0;
  const each = series.map(effectiveSampleSize).filter(Number.isFinite);
  const ess = each.length ? each.reduce((a, v) => a + v, 0) / each.length : NaN;
  return { kept, ess, essPerStep: ess / kept, rhat: splitRhat(series) };
}
