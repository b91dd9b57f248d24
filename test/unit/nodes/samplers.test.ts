// The MCMC samplers beyond plain Langevin (MALA, HMC, annealed Langevin) and the Replay buffer node,
// against answers known in closed form: a 2-D Gaussian mixture whose exact draws are cheap (moments
// and an MMD calibrated on exact-vs-exact draws), Gaussians whose stationary variances are known
// exactly (MALA is exact where unadjusted Langevin is biased; annealed Langevin follows a variance
// recursion), and a fake wrapped sampler that records where the buffer starts its chains.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../../app/runtime/rng.ts';
import { traceDiagnostics } from '../../../app/runtime/mcmc-diagnostics.ts';
import type { AnyNodeDef, Dataset, Draw, EnergyModel, SampleRequest, Sampler } from '../../../nodes/define.ts';
import { energyGaussianNode } from '../../../nodes/energy-gaussian/node.ts';
import { samplerAnnealedLangevinNode, schedule, stepSizes } from '../../../nodes/sampler-annealed-langevin/node.ts';
import { samplerHmcNode } from '../../../nodes/sampler-hmc/node.ts';
import { samplerLangevinNode } from '../../../nodes/sampler-langevin/node.ts';
import { samplerMalaNode } from '../../../nodes/sampler-mala/node.ts';
import { samplerReplayBufferNode } from '../../../nodes/sampler-replay-buffer/node.ts';
import * as ad from '../../../nodes/shared/autodiff.ts';
import { energyAndGradient } from '../../../nodes/shared/chains.ts';
import { gaussianMixtureDensity, makeDataset } from '../../../nodes/shared/dataset.ts';
import { buildNode, defaults, fakeContext, leaked, useBackend } from '../../helpers/nodes.ts';

before(() => useBackend('cpu'));

// ---------------------------------------------------------------------------------------------
// The target: p = 0.7·N(μ₁, s²I) + 0.3·N(μ₂, s²I), μ₁ = (−1.2, −0.6), μ₂ = (1.2, 0.6), s = 0.6.
// The modes are 2.7 apart (4.5 s): the density at the midpoint is 8% of the smaller peak, so chains
// cross, but only a sampler that gets the barrier right puts 70/30 of its mass on them.

const MIX = { means: [[-1.2, -0.6], [1.2, 0.6]], std: 0.6, weights: [0.7, 0.3] } as const;

/**
 * E = −log p + const, in closed form with the verified softplus of nodes/shared/autodiff.ts:
 * −log(w₁N₁ + w₂N₂) = ‖x − μ₁‖²/(2s²) − softplus(b·x + c) + const, b = (μ₂ − μ₁)/s²,
 * c = (‖μ₁‖² − ‖μ₂‖²)/(2s²) + log(w₂/w₁). Checked against the exact density below.
 */
function mixtureEnergy(): EnergyModel {
  const [m1, m2] = MIX.means;
  const s2 = MIX.std ** 2;
  const b = [(m2[0] - m1[0]) / s2, (m2[1] - m1[1]) / s2];
  const c = (m1[0] ** 2 + m1[1] ** 2 - m2[0] ** 2 - m2[1] ** 2) / (2 * s2) + Math.log(MIX.weights[1] / MIX.weights[0]);
  return {
    nodeId: 'mixture',
    inputDim: 2,
    variables: [],
    energy: (x) =>
      tf.tidy(() => {
        const quad = tf.div(tf.sum(tf.square(tf.sub(x, tf.tensor1d([...m1]))), 1), 2 * s2);
        const logit = tf.add(tf.reshape(tf.matMul(x, tf.tensor2d(b, [2, 1])), [-1]), c);
        return tf.sub(quad, ad.softplus(logit)) as tf.Tensor1D;
      }),
  };
}

/** n exact draws of the mixture, row-major. */
function exactMixture(n: number, rng: Rng): Float64Array {
  const out = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const mean = MIX.means[rng.next() < MIX.weights[0] ? 0 : 1];
    out[2 * i] = mean[0] + MIX.std * rng.normal();
    out[2 * i + 1] = mean[1] + MIX.std * rng.normal();
  }
  return out;
}

/** Mean (x, y) and covariance (xx, yy, xy) of 2-D points, in that order. */
function moments(v: ArrayLike<number>): number[] {
  const n = v.length / 2;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += v[2 * i]!;
    my += v[2 * i + 1]!;
  }
  mx /= n;
  my /= n;
  let xx = 0;
  let yy = 0;
  let xy = 0;
  for (let i = 0; i < n; i++) {
    const a = v[2 * i]! - mx;
    const b = v[2 * i + 1]! - my;
    xx += a * a;
    yy += b * b;
    xy += a * b;
  }
  return [mx, my, xx / n, yy / n, xy / n];
}

/** The mixture's exact moments: Σ w_k μ_k, and Σ w_k (s²I + μ_k μ_kᵀ) − mean meanᵀ. */
function exactMoments(): number[] {
  const [w1, w2] = MIX.weights;
  const [m1, m2] = MIX.means;
  const s2 = MIX.std ** 2;
  const mx = w1 * m1[0] + w2 * m2[0];
  const my = w1 * m1[1] + w2 * m2[1];
  return [
    mx,
    my,
    s2 + w1 * m1[0] ** 2 + w2 * m2[0] ** 2 - mx * mx,
    s2 + w1 * m1[1] ** 2 + w2 * m2[1] ** 2 - my * my,
    w1 * m1[0] * m1[1] + w2 * m2[0] * m2[1] - mx * my,
  ];
}

/** Standard errors of the five moments of n independent exact draws (from 40 000 exact draws:
 * the sd of x, y, (x − μx)², (y − μy)², (x − μx)(y − μy), over √n). */
function momentErrors(n: number): number[] {
  const v = exactMixture(40000, new Rng(999));
  const [mx, my] = exactMoments();
  const terms = [(x: number) => x, (_: number, y: number) => y, (x: number) => (x - mx!) ** 2, (_: number, y: number) => (y - my!) ** 2, (x: number, y: number) => (x - mx!) * (y - my!)];
  return terms.map((f) => {
    let s = 0;
    let ss = 0;
    for (let i = 0; i < 40000; i++) {
      const t = f(v[2 * i]!, v[2 * i + 1]!);
      s += t;
      ss += t * t;
    }
    return Math.sqrt(ss / 40000 - (s / 40000) ** 2) / Math.sqrt(n);
  });
}

/** Σ_{i<j} or Σ_{i,j} of the RBF kernel exp(−‖a_i − b_j‖²/(2h²)), in float64. */
function kernelSum(a: ArrayLike<number>, b: ArrayLike<number>, h: number, same: boolean): number {
  const g = 1 / (2 * h * h);
  const na = a.length / 2;
  const nb = b.length / 2;
  let s = 0;
  for (let i = 0; i < na; i++) {
    const ax = a[2 * i]!;
    const ay = a[2 * i + 1]!;
    for (let j = same ? i + 1 : 0; j < nb; j++) {
      const dx = ax - b[2 * j]!;
      const dy = ay - b[2 * j + 1]!;
      s += Math.exp(-g * (dx * dx + dy * dy));
    }
  }
  return s;
}

/** The unbiased MMD² U-statistic (methods.md §2.7) between point sets x and y. */
function mmd2(x: ArrayLike<number>, y: ArrayLike<number>, h: number): number {
  const m = x.length / 2;
  const n = y.length / 2;
  return (2 * kernelSum(x, x, h, true)) / (m * (m - 1)) + (2 * kernelSum(y, y, h, true)) / (n * (n - 1)) - (2 * kernelSum(x, y, h, false)) / (m * n);
}

/** The median distance between points of the first 400 rows: the usual RBF bandwidth. */
function medianDistance(v: ArrayLike<number>): number {
  const d: number[] = [];
  for (let i = 0; i < 400; i++) for (let j = i + 1; j < 400; j++) d.push(Math.hypot(v[2 * i]! - v[2 * j]!, v[2 * i + 1]! - v[2 * j + 1]!));
  d.sort((a, b) => a - b);
  return d[d.length >> 1]!;
}

const fmt = (v: number) => (Math.abs(v) < 1e-2 && v !== 0 ? v.toExponential(2) : v.toFixed(4));

function build(def: AnyNodeDef, params: Record<string, unknown>, energy: EnergyModel, seed = 1): Sampler {
  return buildNode(def, params, { energy }, seed).outputs.sampler as Sampler;
}

/** The samples of a draw as numbers, with its statistics read and everything disposed. */
async function read(draw: Promise<Draw>): Promise<{ x: Float32Array; stats: Record<string, number>; draw: Draw }> {
  const d = await draw;
  const x = (await d.samples.data()) as Float32Array;
  const stats: Record<string, number> = {};
  for (const [k, s] of Object.entries(d.stats)) stats[k] = (await s.data())[0]!;
  d.samples.dispose();
  tf.dispose(d.stats);
  return { x, stats, draw: d };
}

/** Variance of all coordinates of all rows around their mean. */
function variance(v: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]!;
  const mean = s / v.length;
  let ss = 0;
  for (let i = 0; i < v.length; i++) ss += (v[i]! - mean) ** 2;
  return { mean, variance: ss / v.length };
}

const zeros = (n: number, d = 2) => tf.zeros([n, d]) as tf.Tensor2D;

// ---------------------------------------------------------------------------------------------
// 1. MALA and HMC sample the mixture: moments and MMD against exact draws.

test('the mixture energy is the exact negative log density (up to a constant) and its gradient the exact −score', () => {
  const density = gaussianMixtureDensity({ means: MIX.means.map((m) => [...m]), std: MIX.std, weights: [...MIX.weights] });
  const x = tf.tensor2d(Float32Array.from(exactMixture(200, new Rng(5))), [200, 2]);
  const { value, grad } = energyAndGradient(mixtureEnergy())(x);
  const logp = density.logDensity(x);
  const score = density.score(x);
  const offset = tf.add(value, logp).dataSync();
  const spread = Math.max(...offset) - Math.min(...offset);
  const gradError = tf.max(tf.abs(tf.add(grad, score))).dataSync()[0]!;
  // float32 arithmetic on values of order 10: agreement to ~1e-5 relative.
  assert.ok(spread < 1e-4, `E + log p varies by ${spread}`);
  assert.ok(gradError < 1e-4, `max |∇E + score| = ${gradError}`);
  tf.dispose([x, value, grad, logp, score]);
});

test('MALA and HMC from overdispersed noise sample the 2-D mixture: moments and MMD² to exact draws; too few steps fail', async (t) => {
  const n = 2000;
  const exact = exactMoments();
  const se = momentErrors(n);
  const reference = exactMixture(n, new Rng(300));
  const h = medianDistance(reference);
  // The bound: the unbiased MMD² of two independent exact draws of n points is centred on 0 with
  // a spread σ₀ estimated from 6 such pairs; an exact sampler's MMD² has the same law, so it stays
  // below 5σ₀ (a Gaussian approximation puts the chance of exceeding it under 1e-6; the U-statistic
  // is skewed right, so we keep the margin wide), while a sampler off the target by a visible
  // amount sits far above it.
  const nulls = [0, 1, 2, 3, 4, 5].map((i) => mmd2(exactMixture(n, new Rng(100 + i)), exactMixture(n, new Rng(200 + i)), h));
  const sigma0 = Math.sqrt(nulls.reduce((s, v) => s + v * v, 0) / nulls.length);
  const bound = 5 * sigma0;
  t.diagnostic(`bandwidth ${fmt(h)}; exact-vs-exact MMD² ${nulls.map(fmt).join(' ')}: σ₀ ${fmt(sigma0)}, bound ${fmt(bound)}`);
  t.diagnostic(`exact moments ${exact.map(fmt).join(' ')}; tolerances (4 s.e. for ${n} draws) ${se.map((s) => fmt(4 * s)).join(' ')}`);

  const energy = mixtureEnergy();
  const data = zeros(n);
  // Chains start uniform on [−3, 3]²: overdispersed, with the wrong mass on each mode (about 50/50).
  const box = { init: 'noise', noiseLow: -3, noiseHigh: 3 };
  const runs = [
    // ε = 0.3 (√ε = 0.55 ≈ s per proposal): acceptance about 0.9; 300 steps cross the barrier often enough.
    { name: 'MALA', def: samplerMalaNode, params: { ...box, stepSize: 0.3, steps: 300 }, good: true },
    // δ = 0.2, L = 5: a trajectory of 1 ≈ a quarter period π·s/2 of a mode (see the HMC node's doc);
    // 100 transitions: the mode masses (the slowest part) have settled by then on every seed tried.
    { name: 'HMC', def: samplerHmcNode, params: { ...box, stepSize: 0.2, leapfrogSteps: 5, steps: 100 }, good: true },
    // Negative controls: 5 MALA steps from a small box next to the lighter mode; and 20 steps from
    // the overdispersed box, which settle each mode but not yet the 70/30 split between them.
    { name: 'MALA, 5 steps from [2, 3]²', def: samplerMalaNode, params: { init: 'noise', noiseLow: 2, noiseHigh: 3, stepSize: 0.3, steps: 5 }, good: false },
    { name: 'MALA, 20 steps', def: samplerMalaNode, params: { ...box, stepSize: 0.3, steps: 20 }, good: false },
  ];
  for (const run of runs) {
    const { x, stats } = await read(build(run.def, run.params, energy).sample({ data, rng: new Rng(7), persist: false }));
    const m = moments(x);
    const d = mmd2(x, reference, h);
    const off = m.map((v, i) => Math.abs(v - exact[i]!) / se[i]!);
    t.diagnostic(`${run.name}: moments ${m.map(fmt).join(' ')} (|error|/s.e. ${off.map((v) => v.toFixed(1)).join(' ')}), MMD² ${fmt(d)} vs bound ${fmt(bound)}, acceptance ${fmt(stats.acceptance!)}`);
    if (run.good) {
      off.forEach((z, i) => assert.ok(z < 4, `${run.name}: moment ${i} is ${m[i]} vs ${exact[i]} (${z.toFixed(1)} s.e.)`));
      assert.ok(d < bound, `${run.name}: MMD² ${d} above ${bound}`);
    } else {
      assert.ok(d > bound, `${run.name}: MMD² ${d} should be above ${bound}`);
      assert.ok(off.some((z) => z > 4), `${run.name}: some moment should be off by more than 4 s.e.`);
    }
    assert.ok(stats.acceptance! > 0 && stats.acceptance! <= 1);
  }
  data.dispose();
});

// ---------------------------------------------------------------------------------------------
// 2. MALA is exact where unadjusted Langevin is not.

/** A built Gaussian energy E = ½‖x‖²/s² in `dim` dimensions. */
function gaussianEnergy(variance: number, dim = 2): { energy: EnergyModel; dispose(): void } {
  const built = buildNode(energyGaussianNode, { dim, initVariance: variance });
  return { energy: built.outputs.energy as EnergyModel, dispose: built.dispose };
}

test('MALA with a step large enough to bias Langevin keeps the exact variance s²', async (t) => {
  // E = ½‖x‖²/s², s² = 1, ε = 1. Unadjusted Langevin x' = (1 − ε/(2s²))x + √ε z has stationary
  // variance ε/(1 − (1 − ε/(2s²))²) = 4/3 (the brief's form with its ε = our ε/2). MALA's is s² = 1.
  const s2 = 1;
  const eps = 1;
  const ula = eps / (1 - (1 - eps / (2 * s2)) ** 2);
  const n = 3000;
  // 2n independent coordinates: the s.e. of the variance is s²·√(2/2n) = 0.018; 4 s.e. = 0.073.
  const tol = 4 * s2 * Math.sqrt(2 / (2 * n));
  assert.ok(Math.abs(ula - s2) > 3 * tol, 'the test needs ULA’s bias to be far outside the tolerance');
  const g = gaussianEnergy(s2);
  const data = zeros(n);
  // From U[−4, 4]² (variance 16/3); both chains contract by (1 − ε/2)² = 1/4 per (accepted) step:
  // 80 steps leave nothing of the start.
  const mala = await read(build(samplerMalaNode, { init: 'noise', stepSize: eps, steps: 80 }, g.energy).sample({ data, rng: new Rng(21), persist: false }));
  const langevin = await read(build(samplerLangevinNode, { init: 'noise', stepSize: eps, steps: 80 }, g.energy).sample({ data, rng: new Rng(21), persist: false }));
  const vm = variance(mala.x);
  const vl = variance(langevin.x);
  t.diagnostic(`MALA variance ${fmt(vm.variance)} (target ${s2} ± ${fmt(tol)}), mean ${fmt(vm.mean)}, acceptance ${fmt(mala.stats.acceptance!)}`);
  t.diagnostic(`unadjusted Langevin, same ε: variance ${fmt(vl.variance)} (analytic ${fmt(ula)})`);
  assert.ok(Math.abs(vm.variance - s2) < tol, `MALA variance ${vm.variance}`);
  assert.ok(Math.abs(vm.mean) < 4 * Math.sqrt(s2 / (2 * n)), `MALA mean ${vm.mean}`);
  // The control: the same step without the Metropolis test lands on ULA's biased variance.
  assert.ok(Math.abs(vl.variance - ula) < 4 * ula * Math.sqrt(2 / (2 * n)), `ULA variance ${vl.variance} vs ${ula}`);
  assert.ok(Math.abs(vl.variance - s2) > tol);
  // Rejections happen (else MALA would be ULA): the acceptance is well below 1.
  assert.ok(mala.stats.acceptance! < 0.95 && mala.stats.acceptance! > 0.3, `acceptance ${mala.stats.acceptance}`);
  data.dispose();
  g.dispose();
});

// ---------------------------------------------------------------------------------------------
// 3. Step adaptation, and HMC's mass.

for (const { def, name, target, initial, steps, extra } of [
  { def: samplerHmcNode, name: 'HMC', target: 0.65, initial: 0.3, steps: 40, extra: { leapfrogSteps: 5 } },
  { def: samplerMalaNode, name: 'MALA', target: 0.57, initial: 0.5, steps: 40, extra: {} },
]) {
  test(`${name} adapts its step to the target acceptance ${target}; only training draws keep it`, async (t) => {
    const g = gaussianEnergy(1);
    const n = 500;
    const data = zeros(n);
    // Chains that persist across draws: a buffer of exactly n chains, never restarted.
    const sampler = build(def, { ...extra, stepSize: initial, steps, adaptStep: true, targetAcceptance: target, init: 'buffer', bufferSize: n, reinitProb: 0 }, g.energy);
    const rng = new Rng(31);
    const history: string[] = [];
    let last = { acceptance: NaN, step_size: NaN };
    for (let i = 0; i < 4; i++) {
      const { stats } = await read(sampler.sample({ data, rng, persist: true }));
      last = { acceptance: stats.acceptance!, step_size: stats.step_size! };
      history.push(`${fmt(last.acceptance)} @ ${fmt(last.step_size)}`);
    }
    t.diagnostic(`${name}: acceptance @ step size after each of 4 training draws of ${steps} steps: ${history.join(', ')}`);
    // The last draw's acceptance (a mean over its steps and 500 chains, the step moving by ±2% per
    // step around its equilibrium) is within 0.1 of the target.
    assert.ok(Math.abs(last.acceptance - target) < 0.1, `acceptance ${last.acceptance} vs ${target}`);
    assert.ok(Math.abs(last.step_size / initial - 1) > 0.5, 'the step moved well away from its start');

    // A monitor's draw (persist false) adapts its own copy of the step over its 30 steps: the ratio
    // of its end to S is 1.02^a·0.98^(30−a), at least 0.6% away from 1, 0.98/1.02 and 1.02/0.98...
    const monitor = await read(sampler.sample({ data, rng, persist: false, steps: 30 }));
    const drift = monitor.stats.step_size! / last.step_size;
    t.diagnostic(`${name}: a monitor draw of 30 steps ends at step ${fmt(monitor.stats.step_size!)} (ratio ${drift.toFixed(5)} to the training step)`);
    for (const r of [1, 0.98 / 1.02, 1.02 / 0.98]) assert.ok(Math.abs(drift - r) > 1e-3, `monitor ratio ${drift}`);
    // ...and the next training draw continues from the last training draw's step S, not from the
    // monitor's: after one step it is exactly S·1.02 or S·0.98 (float32: 1e-5).
    const next = await read(sampler.sample({ data, rng, persist: true, steps: 1 }));
    const ratio = next.stats.step_size! / last.step_size;
    t.diagnostic(`${name}: next training draw of 1 step: step ${fmt(next.stats.step_size!)}, ratio ${ratio.toFixed(5)}`);
    assert.ok(Math.abs(ratio - 1.02) < 1e-5 || Math.abs(ratio - 0.98) < 1e-5, `ratio ${ratio}`);
    // Without adaptation there is no step-size statistic, and the acceptance is still reported.
    const fixed = await read(build(def, { ...extra, stepSize: initial, steps: 3, init: 'data' }, g.energy).sample({ data, rng, persist: true }));
    assert.deepEqual(Object.keys(fixed.stats), ['acceptance']);
    data.dispose();
    g.dispose();
  });
}

test('HMC mass m with step δ is the unit-mass chain with step δ/√m; a heavier mass slows the dynamics, not the target', async (t) => {
  const g = gaussianEnergy(1);
  const n = 2000;
  const data = zeros(n);
  const run = (params: Record<string, unknown>, seed: number, start?: tf.Tensor2D) =>
    read(
      build(samplerHmcNode, { init: 'noise', leapfrogSteps: 3, steps: 30, ...params }, g.energy).sample({ data, rng: new Rng(seed), persist: false, ...(start ? { start } : {}) }),
    );
  // Same random numbers: momenta √m·z against z, the same uniforms for the Metropolis test.
  const heavy = await run({ mass: 4, stepSize: 1 }, 41);
  const scaled = await run({ mass: 1, stepSize: 0.5 }, 41);
  let differ = 0;
  for (let i = 0; i < n; i++) if (Math.hypot(heavy.x[2 * i]! - scaled.x[2 * i]!, heavy.x[2 * i + 1]! - scaled.x[2 * i + 1]!) > 1e-3) differ++;
  t.diagnostic(`mass 4, δ 1 vs mass 1, δ 0.5: ${differ} of ${n} chains differ by more than 1e-3`);
  // float32 rounding differs between the two forms; it could flip a rare accept decision, no more.
  assert.ok(differ <= n / 100, `${differ} chains differ`);

  // One transition from exact draws x₀ ~ N(0, I). On E = ½‖x‖² the leapfrog with effective step
  // h = δ/√m is a rotation by θ = arccos(1 − h²/2) per step in scaled phase space, whose position
  // entry is exactly cos(Lθ): x_L = cos(Lθ)·x₀ + c·p₀, p₀ independent of x₀. So the regression
  // of x₁ on x₀ is cos(Lθ) (up to the few rejected proposals, which keep x₀). δ = 0.5, L = 3:
  // mass 1 gives cos(1.516) = 0.055, mass 4 cos(0.752) = 0.730.
  const exact = tf.tensor2d(new Rng(43).normals(2 * n), [n, 2]);
  const x0 = await exact.data();
  for (const mass of [1, 4]) {
    const h = 0.5 / Math.sqrt(mass);
    const expected = Math.cos(3 * Math.acos(1 - (h * h) / 2));
    const { x, stats } = await run({ mass, stepSize: 0.5, steps: 1 }, 44, exact);
    let xy = 0;
    let xx = 0;
    for (let i = 0; i < 2 * n; i++) {
      xy += x0[i]! * x[i]!;
      xx += x0[i]! * x0[i]!;
    }
    const slope = xy / xx;
    // s.e. of the slope √((1 − cos²)/4000) ≤ 0.016; rejections (acceptance > 0.97 measured) pull it
    // towards 1 by at most (1 − acceptance)·(1 − cos) < 0.03: tolerance 0.08.
    t.diagnostic(`mass ${mass}: regression of x₁ on x₀ ${fmt(slope)}, leapfrog cos(Lθ) ${fmt(expected)} ± 0.08; acceptance ${fmt(stats.acceptance!)}`);
    assert.ok(Math.abs(slope - expected) < 0.08, `mass ${mass}: ${slope} vs ${expected}`);
  }
  exact.dispose();

  // Both masses sample the target: 30 transitions from U[−4, 4]².
  const light = await run({ mass: 1, stepSize: 0.5 }, 45);
  const heavier = await run({ mass: 4, stepSize: 0.5 }, 46);
  // 4000 coordinates: s.e. of the variance √(2/4000) = 0.022; 4 s.e. = 0.09.
  const tol = 4 * Math.sqrt(2 / (2 * n));
  const [vl, vh] = [variance(light.x).variance, variance(heavier.x).variance];
  t.diagnostic(`δ 0.5, 30 transitions: variance ${fmt(vl)} (mass 1), ${fmt(vh)} (mass 4); target 1 ± ${fmt(tol)}`);
  assert.ok(Math.abs(vl - 1) < tol && Math.abs(vh - 1) < tol);
  data.dispose();
  g.dispose();
});

// ---------------------------------------------------------------------------------------------
// 4. Annealed Langevin.

test('annealed Langevin: the ladder α_i = ε σ_i²/σ_L², T steps per level, and steps overridden across levels', () => {
  const alpha = stepSizes({ sigmaMax: 1, sigmaMin: 0.1, levels: 3, stepSize: 0.01 });
  [1, 0.1, 0.01].forEach((a, i) => assert.ok(Math.abs(alpha[i]! - a) < 1e-12, `α${i + 1} = ${alpha[i]}`));
  assert.deepEqual(stepSizes({ sigmaMax: 1, sigmaMin: 0.1, levels: 1, stepSize: 0.01 }), [0.01]);
  assert.deepEqual(schedule([3, 2, 1], 6), [3, 3, 2, 2, 1, 1]);
  assert.deepEqual(schedule([3, 2, 1], 4), [3, 2, 1, 1]);
  const p = { ...defaults(samplerAnnealedLangevinNode), sigmaMax: 1, sigmaMin: 0.1, levels: 3, stepSize: 0.01, stepsPerLevel: 7 } as never;
  const derived = samplerAnnealedLangevinNode.derived!(p);
  assert.equal(derived.totalSteps!.value, 21);
  assert.ok(Math.abs(derived.firstStep!.value - 1) < 1e-12 && Math.abs(derived.lastStep!.value - 0.01) < 1e-12);
  assert.equal(samplerAnnealedLangevinNode.check!({ ...(p as object), sigmaMax: 0.1, sigmaMin: 1 } as never)[0]?.param, 'sigmaMax');
});

test('annealed Langevin on a Gaussian follows the exact variance recursion of its ladder and ends near s²', async (t) => {
  // E = ½‖x‖²/s², s² = 0.25. Each step x' = (1 − α/(2s²))x + √α z maps the variance v to
  // (1 − α/(2s²))² v + α: iterated over the schedule from the U[−4, 4] start (v = 16/3) it gives the
  // exact expected variance of the draw, whatever the ladder.
  const s2 = 0.25;
  const recursion = (alphas: readonly number[]) => alphas.reduce((v, a) => (1 - a / (2 * s2)) ** 2 * v + a, 16 / 3);
  const g = gaussianEnergy(s2);
  const n = 3000;
  const data = zeros(n);
  for (const [i, stepsPerLevel] of [25, 2].entries()) {
    const params = { init: 'noise', sigmaMax: 1, sigmaMin: 0.1, levels: 4, stepsPerLevel, stepSize: 0.004 };
    const total = params.levels * stepsPerLevel;
    const v = recursion(schedule(stepSizes(params), total));
    // The same recursion with a wrong ladder (α_i = ε σ_i/σ_L, the first power of σ): the test must tell them apart.
    const wrong = recursion(schedule(stepSizes({ ...params, stepSize: 1 }).map((a) => params.stepSize * Math.sqrt(a)), total));
    const { x, stats } = await read(build(samplerAnnealedLangevinNode, params, g.energy).sample({ data, rng: new Rng(51 + i), persist: false }));
    const m = variance(x);
    const tol = 4 * v * Math.sqrt(2 / (2 * n));
    t.diagnostic(`T = ${stepsPerLevel}: variance ${fmt(m.variance)}, recursion ${fmt(v)} ± ${fmt(tol)} (4 s.e.), with a σ¹ ladder ${fmt(wrong)}; target s² = ${s2}; mean ${fmt(m.mean)}`);
    assert.ok(Math.abs(m.variance - v) < tol, `variance ${m.variance} vs ${v}`);
    assert.ok(Math.abs(m.mean) < 4 * Math.sqrt(m.variance / (2 * n)));
    assert.deepEqual(Object.keys(stats), []);
    if (stepsPerLevel === 2) assert.ok(Math.abs(wrong - v) > 2 * tol, 'the short ladder tells a σ¹ ladder apart');
    // Close to the target with 25 steps a level: the last level's step bias ε/(4s²) = 0.4%, plus
    // what 25 steps of ε leave of the level before (1.8% here, by the recursion), plus 4 s.e.
    // (1.8%): within 5%.
    if (stepsPerLevel === 25) assert.ok(Math.abs(m.variance - s2) < 0.05 * s2, `variance ${m.variance} vs s² ${s2}`);
  }
  data.dispose();
  g.dispose();
});

test('annealed Langevin samples the 2-D mixture from noise: moments within tolerance', async (t) => {
  const n = 2000;
  const exact = exactMoments();
  const se = momentErrors(n);
  const data = zeros(n);
  // α from ε(σmax/σmin)² = 1 (below 4s² = 1.44: the modes hold the chains) down to 0.01, whose bias
  // on a mode's variance is ε/(4s²) = 0.7%; 8 levels × 25 steps.
  const params = { init: 'noise', noiseLow: -3, noiseHigh: 3, sigmaMax: 1, sigmaMin: 0.1, levels: 8, stepsPerLevel: 25, stepSize: 0.01 };
  const { x } = await read(build(samplerAnnealedLangevinNode, params, mixtureEnergy()).sample({ data, rng: new Rng(61), persist: false }));
  const m = moments(x);
  const off = m.map((v, i) => Math.abs(v - exact[i]!) / se[i]!);
  t.diagnostic(`moments ${m.map(fmt).join(' ')} vs exact ${exact.map(fmt).join(' ')} (|error|/s.e. ${off.map((z) => z.toFixed(1)).join(' ')}; bound 4)`);
  off.forEach((z, i) => assert.ok(z < 4, `moment ${i}: ${m[i]} vs ${exact[i]}`));
  data.dispose();
});

// ---------------------------------------------------------------------------------------------
// 5. The Replay buffer node, around a fake sampler that records its starts.

/** A wrapped sampler that records every request's start and returns `move(start)` as its samples,
 * with a statistic counting its calls. */
function fakeSampler(dim = 2) {
  const starts: Float32Array[] = [];
  const fake = {
    starts,
    move: (start: Float32Array): Float32Array => start.map((v) => v + 100),
    sampler: {
      nodeId: 'fake',
      energy: { nodeId: 'fake-energy', inputDim: dim, variables: [], energy: (x: tf.Tensor2D) => tf.sum(tf.square(x), 1) as tf.Tensor1D },
      async sample(req: SampleRequest): Promise<Draw> {
        assert.ok(req.start, 'the Replay buffer gives the wrapped sampler its starts');
        assert.equal(req.start.shape[0], req.data.shape[0]);
        const s = (await req.start.data()) as Float32Array;
        starts.push(s.slice());
        return { samples: tf.tensor2d(fake.move(s), req.start.shape), stats: { calls: tf.scalar(starts.length) } };
      },
    } satisfies Sampler,
  };
  return fake;
}

/** The rows of row-major points, as a sorted list of strings: a multiset to compare. */
function rowsOf(v: ArrayLike<number>, d = 2): string[] {
  const out: string[] = [];
  for (let i = 0; i < v.length / d; i++) out.push(Array.from({ length: d }, (_, j) => v[i * d + j]).join(','));
  return out.sort();
}

function replay(params: Record<string, unknown>, inputs: Record<string, unknown>) {
  const built = buildNode(samplerReplayBufferNode, params, inputs);
  return { sampler: built.outputs.sampler as Sampler, dispose: built.dispose };
}

/** Draws n chains from the buffer node and returns the starts the fake saw and the draw's stats. */
async function drawStarts(s: Sampler, fake: ReturnType<typeof fakeSampler>, n: number, persist: boolean, rng: Rng) {
  const data = zeros(n);
  const { stats } = await read(s.sample({ data, rng, persist }));
  data.dispose();
  return { start: fake.starts[fake.starts.length - 1]!, stats };
}

test('Replay buffer: the next draw starts from the last training draw’s ends; stats pass through', async () => {
  for (const policy of ['random', 'fifo']) {
    const fake = fakeSampler();
    const n = 50;
    // A buffer of exactly n chains and no restarts: every draw takes every slot.
    const s = replay({ bufferSize: n, reinitProb: 0, policy }, { sampler: fake.sampler });
    const rng = new Rng(71);
    const first = await drawStarts(s.sampler, fake, n, true, rng);
    assert.ok(first.start.every((v) => v >= -4 && v <= 4), 'the initial buffer is the uniform box');
    assert.equal(first.stats.calls, 1);
    const second = await drawStarts(s.sampler, fake, n, true, rng);
    assert.deepEqual(rowsOf(second.start), rowsOf(fake.move(first.start)), `${policy}: the second draw starts where the first ended`);
    assert.equal(second.stats.calls, 2, 'the wrapped draw’s statistics pass through');
    s.dispose();
  }
});

test('Replay buffer: monitor draws (persist false) leave the buffer and the FIFO position alone', async () => {
  for (const policy of ['random', 'fifo']) {
    const fake = fakeSampler();
    const size = 20;
    const s = replay({ bufferSize: size, reinitProb: 0, policy }, { sampler: fake.sampler });
    const rng = new Rng(72);
    // A probe of `size` chains takes every slot once: the buffer's whole content, as a multiset.
    const before = rowsOf((await drawStarts(s.sampler, fake, size, false, rng)).start);
    for (let i = 0; i < 3; i++) await drawStarts(s.sampler, fake, 5, false, rng);
    const after = rowsOf((await drawStarts(s.sampler, fake, size, false, rng)).start);
    assert.deepEqual(after, before, `${policy}: unchanged`);
    s.dispose();
  }
});

test('Replay buffer: random replacement writes ends back to their slots; FIFO overwrites the oldest slots in turn', async () => {
  // Random: a training draw of 5 chains replaces exactly the 5 states it took by their ends.
  {
    const fake = fakeSampler();
    const s = replay({ bufferSize: 20, reinitProb: 0, policy: 'random' }, { sampler: fake.sampler });
    const rng = new Rng(73);
    const before = (await drawStarts(s.sampler, fake, 20, false, rng)).start;
    const taken = (await drawStarts(s.sampler, fake, 5, true, rng)).start;
    const after = rowsOf((await drawStarts(s.sampler, fake, 20, false, rng)).start);
    const expected = rowsOf(before);
    for (const row of rowsOf(taken)) expected.splice(expected.indexOf(row), 1);
    assert.deepEqual(after, [...expected, ...rowsOf(fake.move(taken))].sort());
    s.dispose();
  }
  // FIFO, 6 slots, draws of 2 whose ends are labelled by the draw: after 3 training draws (with
  // monitor draws between them) the buffer holds exactly their 6 ends, whatever slots the starts
  // came from; a 4th replaces the 1st draw's ends.
  {
    const fake = fakeSampler();
    const s = replay({ bufferSize: 6, reinitProb: 0, policy: 'fifo' }, { sampler: fake.sampler });
    const rng = new Rng(74);
    const ends = (label: number) => Float32Array.from([label, 0, label, 1]);
    const contents = async () => rowsOf((await drawStarts(s.sampler, fake, 6, false, rng)).start);
    for (let label = 1; label <= 4; label++) {
      // Row i of any draw ends at (label, i): a draw of 2 ends at ends(label).
      fake.move = (start) => Float32Array.from({ length: start.length }, (_, j) => (j % 2 ? (j - 1) / 2 : label));
      await drawStarts(s.sampler, fake, 2, true, rng);
      await drawStarts(s.sampler, fake, 2, false, rng); // a monitor: must not move the FIFO
      if (label === 3) assert.deepEqual(await contents(), rowsOf([...ends(1), ...ends(2), ...ends(3)]));
    }
    assert.deepEqual(await contents(), rowsOf([...ends(2), ...ends(3), ...ends(4)]));
    s.dispose();
  }
});

test('Replay buffer: a fraction ρ of the starts restart from the restart law (uniform, Gaussian or training points)', async (t) => {
  const n = 4000;
  const rho = 0.25;
  // n chains of 2 coordinates, restarted with probability ρ: the restarted fraction has s.e.
  // √(ρ(1 − ρ)/n) = 0.0068; tolerance 4 s.e. = 0.027.
  const tol = 4 * Math.sqrt((rho * (1 - rho)) / n);
  const trainPoints = Float32Array.from({ length: 20 }, (_, i) => 10 + i);
  const ctx = fakeContext('data', new Rng(1));
  const dataset: Dataset = makeDataset(ctx, { name: 'ten points', dim: 2, train: trainPoints, test: trainPoints });
  const trainRows = new Set(rowsOf(trainPoints));
  for (const restart of ['uniform', 'gaussian', 'data']) {
    const fake = fakeSampler();
    fake.move = (start) => start.map(() => 50); // every end at (50, 50)
    const s = replay({ bufferSize: n, reinitProb: rho, restart, restartStd: 2, noiseLow: -3, noiseHigh: 3 }, { sampler: fake.sampler, data: dataset });
    const rng = new Rng(75);
    await drawStarts(s.sampler, fake, n, true, rng); // the whole buffer now holds (50, 50)
    const { start } = await drawStarts(s.sampler, fake, n, false, rng);
    const restarted: number[] = [];
    for (let i = 0; i < n; i++) if (!(start[2 * i] === 50 && start[2 * i + 1] === 50)) restarted.push(start[2 * i]!, start[2 * i + 1]!);
    const fraction = restarted.length / 2 / n;
    const m = variance(restarted);
    t.diagnostic(`${restart}: restarted fraction ${fmt(fraction)} (ρ = ${rho} ± ${fmt(tol)}), their mean ${fmt(m.mean)}, sd ${fmt(Math.sqrt(m.variance))}`);
    assert.ok(Math.abs(fraction - rho) < tol, `${restart}: fraction ${fraction}`);
    if (restart === 'uniform') {
      assert.ok(restarted.every((v) => v >= -3 && v <= 3));
      // U[−3, 3]: sd √3 = 1.732; about 2000 values, s.e. of the sd about 0.02.
      assert.ok(Math.abs(Math.sqrt(m.variance) - Math.sqrt(3)) < 0.1);
    }
    // N(0, 2²): about 2000 values, s.e. of the sd 2/√(2·2000) = 0.032; tolerance 0.15.
    if (restart === 'gaussian') assert.ok(Math.abs(Math.sqrt(m.variance) - 2) < 0.15 && Math.abs(m.mean) < 0.2);
    if (restart === 'data') assert.ok(rowsOf(restarted).every((row) => trainRows.has(row)), 'restarts are training points');
    s.dispose();
  }
  ctx.tracked.forEach((d) => d.dispose());
});

test('Replay buffer: restarting from training points without the Data input is a clear error; a caller’s start bypasses the buffer', async () => {
  const fake = fakeSampler();
  assert.throws(() => replay({ restart: 'data' }, { sampler: fake.sampler }), /Training points.*needs the Data input/);
  const ctx = fakeContext('data', new Rng(1));
  const threeD = makeDataset(ctx, { name: '3-D', dim: 3, train: new Float32Array(30), test: new Float32Array(30) });
  assert.throws(() => replay({ restart: 'data' }, { sampler: fake.sampler, data: threeD }), /3-D.*2-D/);
  ctx.tracked.forEach((d) => d.dispose());

  // The MCMC monitor's own starts go to the wrapped sampler as they are; the buffer is untouched.
  const s = replay({ bufferSize: 10, reinitProb: 0 }, { sampler: fake.sampler });
  const rng = new Rng(76);
  const before = rowsOf((await drawStarts(s.sampler, fake, 10, false, rng)).start);
  const given = tf.tensor2d([[7, 7], [8, 8], [9, 9]]);
  const data = zeros(3);
  await read(s.sampler.sample({ data, rng, persist: true, start: given }));
  assert.deepEqual(Array.from(fake.starts[fake.starts.length - 1]!), [7, 7, 8, 8, 9, 9]);
  assert.deepEqual(rowsOf((await drawStarts(s.sampler, fake, 10, false, rng)).start), before);
  tf.dispose([given, data]);
  s.dispose();
});

// ---------------------------------------------------------------------------------------------
// 6. Traces, and 7. no tensor leaks, for every sampler.

/** Every sampler of this file, built on E = ½‖x‖² (2-D), with the options each test varies. */
function everySampler(energy: EnergyModel, extra: Record<string, unknown> = {}): { name: string; sampler: Sampler }[] {
  const mala = build(samplerMalaNode, { steps: 6, ...extra }, energy);
  return [
    { name: 'MALA', sampler: mala },
    { name: 'HMC', sampler: build(samplerHmcNode, { steps: 6, leapfrogSteps: 3, ...extra }, energy) },
    { name: 'annealed Langevin', sampler: build(samplerAnnealedLangevinNode, { levels: 3, stepsPerLevel: 2, ...extra }, energy) },
    { name: 'Replay buffer around MALA', sampler: replay({ bufferSize: 100 }, { sampler: mala }).sampler },
  ];
}

test('every sampler returns a trace of every chain’s energy after every step, ending at the samples’ energy', async (t) => {
  const g = gaussianEnergy(1);
  const data = tf.tensor2d([[1, 2], [-3, 0.5], [0, 0]]);
  for (const { name, sampler } of everySampler(g.energy, { init: 'data' })) {
    for (const steps of [6, 40]) {
      const { samples, stats, trace } = await sampler.sample({ data, rng: new Rng(81), persist: false, trace: true, steps });
      assert.ok(trace, name);
      assert.equal(trace.steps, steps, `${name}: steps`);
      assert.equal(trace.chains, 3, `${name}: chains`);
      assert.equal(trace.energies.length, steps * 3);
      assert.ok(trace.energies.every(Number.isFinite), `${name}: finite energies`);
      // The last row is the energy of the samples themselves (E = ½‖x‖²).
      const end = await samples.data();
      for (let c = 0; c < 3; c++) {
        const e = 0.5 * (end[2 * c]! ** 2 + end[2 * c + 1]! ** 2);
        assert.ok(Math.abs(trace.energies[(steps - 1) * 3 + c]! - e) < 1e-4 * (1 + e), `${name}, chain ${c}: ${trace.energies[(steps - 1) * 3 + c]} vs ${e}`);
      }
      if (steps === 40) {
        // What the MCMC monitor computes from it: a finite, positive effective sample size.
        const d = traceDiagnostics(trace, 0.5);
        t.diagnostic(`${name}: 40-step trace of 3 chains, ESS ${fmt(d.ess)} of ${d.kept}, R̂ ${fmt(d.rhat)}`);
        assert.ok(Number.isFinite(d.ess) && d.ess > 0 && Number.isFinite(d.rhat), name);
      }
      samples.dispose();
      tf.dispose(stats);
    }
    // A caller's start overrides the sampler's own (data here; the Replay buffer's buffer): with the
    // default steps (MALA ε = 0.01, HMC δ = 0.1, annealed α ≤ 0.1) one step from (±40, ±40), where
    // E = 1600, changes x by a few percent, far from the data's E ≤ 4.7.
    const far = tf.tensor2d([[40, -40], [-40, 40], [40, 40]]);
    const moved = await sampler.sample({ data, rng: new Rng(83), persist: false, trace: true, steps: 1, start: far });
    assert.ok(moved.trace!.energies.every((e) => e > 300), `${name}: the chains started at the given start: ${moved.trace!.energies}`);
    moved.samples.dispose();
    tf.dispose(moved.stats);
    far.dispose();
    // No trace unless asked.
    const plain = await sampler.sample({ data, rng: new Rng(82), persist: false });
    assert.equal(plain.trace, undefined);
    plain.samples.dispose();
    tf.dispose(plain.stats);
  }
  data.dispose();
  g.dispose();
});

test('sampling leaks no tensors: every sampler, chain start, adaptation, trace and persistence', async () => {
  const g = gaussianEnergy(1);
  const data = tf.fill([32, 2], 0.3) as tf.Tensor2D;
  for (const init of ['noise', 'data', 'buffer']) {
    for (const adaptStep of [false, true]) {
      for (const { name, sampler } of everySampler(g.energy, { init, adaptStep, bufferSize: 100 })) {
        const d = await leaked(async () => {
          for (const [i, persist] of [true, false, true].entries()) {
            const draw = await sampler.sample({ data, rng: new Rng(i), persist, trace: i === 1 });
            draw.samples.dispose();
            tf.dispose(draw.stats);
          }
        });
        assert.equal(d, 0, `${name}, init ${init}, adaptStep ${adaptStep}: ${d} tensors leaked`);
      }
    }
  }
  data.dispose();
  g.dispose();
});
