// MCMC diagnostics against series whose answers are known: the FFT autocorrelation against the
// direct sums, the autocorrelation time of AR(1) series (τ = (1 + φ)/(1 − φ)), i.i.d. series
// (ESS = n), and split-R̂ on mixed chains, stuck chains and drifting chains.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../app/runtime/rng.ts';
import {
  autocorrelation,
  autocorrelationTime,
  chainSeries,
  effectiveSampleSize,
  fft,
  splitRhat,
  traceDiagnostics,
} from '../../../app/runtime/mcmc-diagnostics.ts';

/** x_t = φ x_{t−1} + √(1 − φ²) ε_t, started in stationarity: unit variance, ρ_k = φ^k. */
function ar1(n: number, phi: number, rng: Rng, mean = 0): Float64Array {
  const x = new Float64Array(n);
  let v = rng.normal();
  const s = Math.sqrt(1 - phi * phi);
  for (let i = 0; i < n; i++) {
    v = phi * v + s * rng.normal();
    x[i] = mean + v;
  }
  return x;
}

test('fft: the transform of a known vector, and back again', () => {
  // DFT of (1, 2, 3, 4): (10, −2 + 2i, −2, −2 − 2i).
  const re = Float64Array.from([1, 2, 3, 4]);
  const im = new Float64Array(4);
  fft(re, im);
  assert.deepEqual([...re].map((v) => +v.toFixed(12)), [10, -2, -2, -2]);
  assert.deepEqual([...im].map((v) => +v.toFixed(12) || 0), [0, 2, 0, -2]);
  fft(re, im, true);
  assert.deepEqual([...re].map((v) => +(v / 4).toFixed(12)), [1, 2, 3, 4]);
  assert.throws(() => fft(new Float64Array(6), new Float64Array(6)), /power of two/);
});

test('autocorrelation by FFT equals the direct sums (float64 round-off)', () => {
  const rng = new Rng(5);
  const x = Float64Array.from({ length: 37 }, () => rng.normal() + 3);
  const rho = autocorrelation(x);
  const mean = x.reduce((a, v) => a + v, 0) / x.length;
  const c = (k: number) => {
    let s = 0;
    for (let t = 0; t + k < x.length; t++) s += (x[t]! - mean) * (x[t + k]! - mean);
    return s / x.length;
  };
  for (let k = 0; k < x.length; k++) assert.ok(Math.abs(rho[k]! - c(k) / c(0)) < 1e-12, `lag ${k}: ${rho[k]} vs ${c(k) / c(0)}`);
  assert.ok(autocorrelation([2, 2, 2, 2]).every(Number.isNaN), 'a constant series has no autocorrelation');
  assert.ok(Number.isNaN(autocorrelationTime([1, 1, 1, 1, 1])));
  assert.ok(Number.isNaN(effectiveSampleSize([1, 2])), 'too short to tell');
});

// The estimator's spread was measured over 20 seeds at n = 2^17: s.d. 0.064 for φ = 0.5 (τ = 3)
// and 0.72 for φ = 0.9 (τ = 19), mean within 1% of τ. The tolerances are about 4 s.d.
for (const [phi, tol] of [
  [0.5, 0.3],
  [0.9, 2.9],
] as const) {
  test(`AR(1) with φ = ${phi}: τ = (1 + φ)/(1 − φ) = ${(1 + phi) / (1 - phi)}, ESS = n/τ`, () => {
    const n = 1 << 17;
    const x = ar1(n, phi, new Rng(11).split(`ar-${phi}`));
    const expected = (1 + phi) / (1 - phi);
    const tau = autocorrelationTime(x);
    assert.ok(Math.abs(tau - expected) < tol, `τ ${tau.toFixed(3)} vs ${expected} ± ${tol}`);
    assert.ok(Math.abs(effectiveSampleSize(x) - n / tau) < 1e-6);
  });
}

test('i.i.d. draws: ESS ≈ n', () => {
  // τ̂ of white noise at n = 16384: mean 1.006, s.d. 0.028 over 20 seeds; ±12% is 4 s.d.
  const n = 1 << 14;
  for (const seed of [1, 2, 3]) {
    const rng = new Rng(seed);
    const ess = effectiveSampleSize(Float64Array.from({ length: n }, () => rng.normal()));
    assert.ok(Math.abs(ess / n - 1) < 0.12, `ESS/n ${(ess / n).toFixed(3)}`);
  }
  // An alternating (antithetic) series has τ < 1; the estimate is capped at ESS = n·log10(n).
  const alternating = Float64Array.from({ length: 1000 }, (_, i) => (i % 2 ? 1 : -1));
  assert.ok(effectiveSampleSize(alternating) <= 1000 * 3 + 1e-9);
});

test('split-R̂: ≈ 1 for mixed chains, well above 1.1 for stuck or drifting ones', () => {
  const rng = new Rng(21);
  // 8 chains of the same AR(1) process (φ = 0.5, 1000 steps): R̂ − 1 is O(1/√(n_eff)) ≈ 0.005.
  const mixed = Array.from({ length: 8 }, () => ar1(1000, 0.5, rng));
  const mixedRhat = splitRhat(mixed);
  assert.ok(mixedRhat > 0.99 && mixedRhat < 1.02, `mixed: R̂ ${mixedRhat}`);
  // Chains stuck at levels 0, 1, 2, 3 (unit noise): between-chain variance 1.67 against 1 within.
  const stuck = Array.from({ length: 4 }, (_, level) => ar1(1000, 0.5, rng, level));
  const stuckRhat = splitRhat(stuck);
  assert.ok(stuckRhat > 1.2, `stuck: R̂ ${stuckRhat}`);
  // Chains that all drift the same way mix with each other, but each half-chain has its own
  // level: only the split version sees it.
  const drifting = Array.from({ length: 4 }, () => ar1(1000, 0.5, rng).map((v, t) => v + (4 * t) / 1000));
  const driftRhat = splitRhat(drifting);
  assert.ok(driftRhat > 1.1, `drifting: split-R̂ ${driftRhat}`);
  // Edge cases: identical constant chains agree (1); constant but different ones never mix (∞).
  assert.equal(splitRhat([[1, 1, 1, 1], [1, 1, 1, 1]]), 1);
  assert.equal(splitRhat([[1, 1, 1, 1], [2, 2, 2, 2]]), Infinity);
  assert.ok(Number.isNaN(splitRhat([[1, 2, 3]])));
  assert.ok(Number.isNaN(splitRhat([[1, NaN, 3, 4, 5]])));
  assert.throws(() => splitRhat([[1, 2, 3, 4], [1, 2, 3]]), /same length/);
});

test('a trace: chains read by column after the burn-in; ESS per step and R̂ of mixed chains', () => {
  // 3 steps × 2 chains, row-major: chain 0 is 1, 2, 3 and chain 1 is 10, 20, 30.
  const small = { steps: 3, chains: 2, energies: Float32Array.from([1, 10, 2, 20, 3, 30]) };
  assert.deepEqual(chainSeries(small).map((c) => [...c]), [[1, 2, 3], [10, 20, 30]]);
  assert.deepEqual(chainSeries(small, 2).map((c) => [...c]), [[3], [30]]);
  assert.throws(() => chainSeries({ steps: 2, chains: 2, energies: new Float32Array(3) }), /values/);
  // 16 AR(1) chains (φ = 0.5, τ = 3) of 4000 steps, the first half a burn-in: ESS per step ≈ 1/3.
  const rng = new Rng(8);
  const chains = 16;
  const steps = 4000;
  const columns = Array.from({ length: chains }, () => ar1(steps, 0.5, rng));
  const energies = new Float32Array(steps * chains);
  columns.forEach((col, c) => col.forEach((v, k) => (energies[k * chains + c] = v)));
  const d = traceDiagnostics({ steps, chains, energies }, 0.5);
  assert.equal(d.kept, 2000);
  // τ̂ of each 2000-step chain has an s.d. of about 0.3 (see above, scaled by √(2^17/2000)); over 16
  // chains the mean ESS per step has an s.d. near 0.01. ±0.04 is 4 s.d.
  assert.ok(Math.abs(d.essPerStep - 1 / 3) < 0.04, `ESS/step ${d.essPerStep}`);
  assert.ok(Math.abs(d.ess - d.essPerStep * 2000) < 1e-9);
  assert.ok(d.rhat < 1.01, `R̂ ${d.rhat}`);
  assert.throws(() => traceDiagnostics({ steps, chains, energies }, 1), /burn-in/);
});
