// The noise nodes of noise-contrastive estimation (Gaussian fitted to the data, uniform box,
// Gaussian mixture fitted by EM), against known answers:
//  - the fitted parameters are the data's (mean and covariance times the scale; the data box plus
//    the margin; a known two-component mixture's weights, means and covariances);
//  - logDensity is the exact normalised log-density (closed form at points, and it integrates to 1
//    on a 2-D grid), −∞ outside a box;
//  - samples have the moments of the distribution;
//  - clear errors on bad input, and no leaked tensors.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../../app/runtime/rng.ts';
import type { Dataset, NoiseDistribution } from '../../../nodes/define.ts';
import { makeDataset } from '../../../nodes/shared/dataset.ts';
import { noiseGaussianNode, RIDGE, type GaussianNoise } from '../../../nodes/noise-gaussian/node.ts';
import { noiseUniformNode, type UniformNoise } from '../../../nodes/noise-uniform/node.ts';
import { noiseMixtureNode, type MixtureNoise } from '../../../nodes/noise-mixture/node.ts';
import { buildNode, defaults, fakeContext, leaked, useBackend } from '../../helpers/nodes.ts';

before(() => useBackend('cpu'));

const LOG_2PI = Math.log(2 * Math.PI);
const close = (got: number, want: number, tol: number, what: string) => assert.ok(Math.abs(got - want) <= tol, `${what}: ${got} vs ${want} (tolerance ${tol})`);

// --- Small float64 helpers, written independently of the nodes' own -------------------------------

type Mat2 = [[number, number], [number, number]];

/** log N(x; μ, Σ) for a 2 × 2 covariance, from its inverse and determinant. */
function logNormal2(x: readonly number[], mu: readonly number[], cov: readonly (readonly number[])[]): number {
  const [[a, b], [c, d]] = cov as Mat2;
  const det = a * d - b * c;
  const u = x[0]! - mu[0]!;
  const v = x[1]! - mu[1]!;
  const q = (d * u * u - (b + c) * u * v + a * v * v) / det;
  return -0.5 * q - 0.5 * Math.log(det) - LOG_2PI;
}

function logSumExp(values: number[]): number {
  const m = Math.max(...values);
  return m + Math.log(values.reduce((s, v) => s + Math.exp(v - m), 0));
}

/** Mean and covariance (divided by n) of row-major 2-D points, in float64. */
function moments(points: ArrayLike<number>): { mean: number[]; cov: number[][] } {
  const n = points.length / 2;
  const mean = [0, 0];
  for (let i = 0; i < n; i++) for (let j = 0; j < 2; j++) mean[j]! += points[2 * i + j]! / n;
  const cov = [
    [0, 0],
    [0, 0],
  ];
  for (let i = 0; i < n; i++) for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) cov[a]![b]! += ((points[2 * i + a]! - mean[a]!) * (points[2 * i + b]! - mean[b]!)) / n;
  return { mean, cov };
}

/** Points x = m + A z, z ~ N(0, I), from the stream: covariance AAᵀ. */
function correlatedGaussian(n: number, m: number[], a: Mat2, rng: Rng): Float32Array {
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const z0 = rng.normal();
    const z1 = rng.normal();
    out[2 * i] = m[0]! + a[0][0] * z0 + a[0][1] * z1;
    out[2 * i + 1] = m[1]! + a[1][0] * z0 + a[1][1] * z1;
  }
  return out;
}

/** A data set from fixed points (train and test), with the bounds makeDataset computes. */
function dataset(train: Float32Array, test: Float32Array = train.slice(0, 20)): { data: Dataset; dispose(): void } {
  const ctx = fakeContext('data', new Rng(0));
  const data = makeDataset(ctx, { name: 'fixed', dim: 2, train, test });
  return { data, dispose: () => ctx.tracked.forEach((t) => t.dispose()) };
}

/** log p_n at the rows of `points` (number[][]), as numbers. */
function logDensityAt(noise: NoiseDistribution, points: number[][]): number[] {
  return tf.tidy(() => Array.from(noise.logDensity(tf.tensor2d(points)).dataSync()));
}

/**
 * ∫ p_n over a box by the midpoint rule on an n × n grid of cells (density evaluated in float32 by the
 * node, summed in float64).
 */
function integrate(noise: NoiseDistribution, box: [number, number][], n: number): number {
  const [[x0, x1], [y0, y1]] = box as [[number, number], [number, number]];
  const hx = (x1 - x0) / n;
  const hy = (y1 - y0) / n;
  const grid = new Float32Array(2 * n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      grid[2 * (i * n + j)] = x0 + (j + 0.5) * hx;
      grid[2 * (i * n + j) + 1] = y0 + (i + 0.5) * hy;
    }
  }
  const logP = tf.tidy(() => noise.logDensity(tf.tensor2d(grid, [n * n, 2])).dataSync());
  let mass = 0;
  for (const v of logP) mass += Math.exp(v);
  return mass * hx * hy;
}

/** The mean and covariance of `n` samples of the noise. */
function sampleMoments(noise: NoiseDistribution, n: number, seed: number): { mean: number[]; cov: number[][]; points: Float32Array } {
  const t = noise.sample(n, new Rng(seed));
  assert.deepEqual(t.shape, [n, 2]);
  const points = t.dataSync() as Float32Array;
  t.dispose();
  return { ...moments(points), points };
}

/**
 * Sample moments against the true mean m and covariance S: each mean coordinate within 4 standard
 * errors √(S_aa/n), each covariance entry within 4 standard errors, √((S_aa S_bb + S_ab²)/n) for a
 * Gaussian; `kurtosis` scales the latter for other shapes (a uniform's variance has a smaller one,
 * a mixture's a larger one: we pass an upper bound).
 */
function assertMoments(got: { mean: number[]; cov: number[][] }, m: number[], s: number[][], n: number, kurtosis = 1) {
  for (let a = 0; a < 2; a++) close(got.mean[a]!, m[a]!, 4 * Math.sqrt(s[a]![a]! / n), `sample mean[${a}]`);
  for (let a = 0; a < 2; a++) {
    for (let b = 0; b <= a; b++) {
      const se = Math.sqrt((kurtosis * (s[a]![a]! * s[b]![b]! + s[a]![b]! ** 2)) / n);
      close(got.cov[a]![b]!, s[a]![b]!, 4 * se, `sample covariance[${a}][${b}]`);
    }
  }
}

// --- noise.gaussian --------------------------------------------------------------------------------

// Correlated data: mean (3, −1), covariance AAᵀ = [[2.25, 1.2], [1.2, 1]].
const A: Mat2 = [
  [1.5, 0],
  [0.8, 0.6],
];
const GAUSS_TRAIN = correlatedGaussian(5000, [3, -1], A, new Rng(11));

for (const scale of [1, 2.25]) {
  test(`noise.gaussian (scale ${scale}): fitted to the data's mean and ML covariance × ${scale}; exact log-density; samples with those moments`, () => {
    const { data, dispose } = dataset(GAUSS_TRAIN);
    const built = buildNode(noiseGaussianNode, { scale }, { data });
    const noise = built.outputs.noise as GaussianNoise;
    assert.equal(noise.dim, 2);

    // The data's own mean and covariance (divided by n), computed here in float64 from the same
    // float32 points: the fit is the same arithmetic up to summation order, hence 1e-9; the only
    // addition is the documented ridge of RIDGE × the mean variance on the diagonal (before scaling).
    const want = moments(GAUSS_TRAIN);
    const ridge = (RIDGE * (want.cov[0]![0]! + want.cov[1]![1]!)) / 2;
    const wantCov = want.cov.map((r, a) => r.map((v, b) => scale * (v + (a === b ? ridge : 0))));
    noise.mean.forEach((v, j) => close(v, want.mean[j]!, 1e-9, `mean[${j}]`));
    noise.covariance.forEach((r, a) => r.forEach((v, b) => close(v, wantCov[a]![b]!, 1e-9, `covariance[${a}][${b}]`)));
    // And that is the truth the data came from, within sampling error (n = 5000: ~2% on a variance).
    close(want.cov[0]![1]!, 1.2, 0.1, 'data covariance[0][1] (sanity)');

    // Exact log-density at points near and far (up to ~10 standard deviations: log p ≈ −60). float32
    // evaluation: relative error ~1e-6 of the largest term.
    const points = [
      [3, -1],
      [0, 0],
      [5.5, 2],
      [-10, 4],
      [3.2, -6],
    ];
    logDensityAt(noise, points).forEach((v, i) => {
      const exact = logNormal2(points[i]!, noise.mean, noise.covariance);
      close(v, exact, 1e-5 * Math.max(1, Math.abs(exact)), `log p(${points[i]})`);
    });

    // It integrates to 1: a 400² midpoint grid over ±9 standard deviations (mass outside < 1e-17; the
    // midpoint rule on a Gaussian with cells of σ/22 is exact to far below float32's 1e-7).
    const sd = [0, 1].map((j) => Math.sqrt(noise.covariance[j]![j]!));
    const box = [0, 1].map((j) => [noise.mean[j]! - 9 * sd[j]!, noise.mean[j]! + 9 * sd[j]!] as [number, number]);
    close(integrate(noise, box, 400), 1, 1e-4, '∫ p_n');

    // Samples: 40 000 of them have the fitted mean and covariance within 4 standard errors.
    assertMoments(sampleMoments(noise, 40000, 3), noise.mean as number[], noise.covariance as number[][], 40000);
    built.dispose();
    dispose();
  });
}

test('noise.gaussian: a degenerate data set (one coordinate constant) still gets a finite, proper density', () => {
  const train = new Float32Array(200);
  const rng = new Rng(4);
  for (let i = 0; i < 100; i++) [train[2 * i], train[2 * i + 1]] = [rng.normal(), 0.5];
  const { data, dispose } = dataset(train);
  const built = buildNode(noiseGaussianNode, {}, { data });
  const noise = built.outputs.noise as GaussianNoise;
  // The ridge (1e-6 of the mean variance) is the constant coordinate's whole variance.
  assert.ok(noise.covariance[1]![1]! > 0 && noise.covariance[1]![1]! < 1e-5, `variance ${noise.covariance[1]![1]}`);
  logDensityAt(noise, [[0, 0.5]]).forEach((v) => assert.ok(Number.isFinite(v), `log p = ${v}`));
  built.dispose();
  dispose();
});

// --- noise.uniform ---------------------------------------------------------------------------------

test('noise.uniform (data box): the data box widened by the margin covers every point; log p = −log volume inside, −∞ outside', () => {
  const { data, dispose } = dataset(GAUSS_TRAIN, correlatedGaussian(500, [3, -1], A, new Rng(12)));
  const margin = 0.2;
  const built = buildNode(noiseUniformNode, { margin }, { data });
  const noise = built.outputs.noise as UniformNoise;
  const want = data.bounds.map(([lo, hi]) => [lo - margin * (hi - lo), hi + margin * (hi - lo)] as [number, number]);
  noise.box.forEach(([lo, hi], j) => {
    close(lo, want[j]![0], 1e-12, `box[${j}] low`);
    close(hi, want[j]![1], 1e-12, `box[${j}] high`);
  });
  // Every training and test point is inside, with at least the margin to spare.
  for (const points of [data.train.dataSync(), data.test.dataSync()]) {
    for (let i = 0; i < points.length; i++) {
      const [lo, hi] = noise.box[i % 2]!;
      const pad = (margin / (1 + 2 * margin)) * (hi - lo); // the margin, in the widened box's terms
      assert.ok(points[i]! >= lo + pad - 1e-9 && points[i]! <= hi - pad + 1e-9, `point coordinate ${points[i]} inside [${lo}, ${hi}] with the margin`);
    }
  }

  const logVolume = noise.box.reduce((s, [lo, hi]) => s + Math.log(hi - lo), 0);
  const [[x0, x1], [y0, y1]] = noise.box as [[number, number], [number, number]];
  const inside = [
    [(x0 + x1) / 2, (y0 + y1) / 2],
    [x0 + 0.01, y1 - 0.01],
    [x0, y0], // the edges belong to the box
    [x1, y1],
  ];
  const outside = [
    [x0 - 0.01, (y0 + y1) / 2],
    [(x0 + x1) / 2, y1 + 0.01],
    [x1 + 5, y0 - 5],
    [NaN, 0],
  ];
  // float32: −log volume (about 4) to 1e-6.
  logDensityAt(noise, inside).forEach((v, i) => close(v, -logVolume, 1e-6, `log p at ${inside[i]}`));
  logDensityAt(noise, outside).forEach((v, i) => assert.equal(v, -Infinity, `log p at ${outside[i]}`));

  // ∫ p_n over a grid that overhangs the box by 1 on each side: exact but for the cells the box's edges
  // cut, at most a strip of one cell's width along the perimeter: perimeter × h × density.
  const n = 500;
  const gridBox = noise.box.map(([lo, hi]) => [lo - 1, hi + 1] as [number, number]);
  const h = Math.max(...gridBox.map(([lo, hi]) => (hi - lo) / n));
  const perimeter = 2 * (x1 - x0 + (y1 - y0));
  close(integrate(noise, gridBox, n), 1, perimeter * h * Math.exp(-logVolume), '∫ p_n');

  // Samples: inside the box, mean at the centre, variance width²/12, no correlation. A uniform's
  // variance has kurtosis 1.8 against a Gaussian's 3: its standard error is below the Gaussian bound.
  const got = sampleMoments(noise, 40000, 5);
  for (let i = 0; i < got.points.length; i++) {
    const [lo, hi] = noise.box[i % 2]!;
    assert.ok(got.points[i]! >= Math.fround(lo) && got.points[i]! <= Math.fround(hi), `sample ${got.points[i]} in [${lo}, ${hi}]`);
  }
  const widths = noise.box.map(([lo, hi]) => hi - lo);
  assertMoments(
    got,
    noise.box.map(([lo, hi]) => (lo + hi) / 2),
    [
      [widths[0]! ** 2 / 12, 0],
      [0, widths[1]! ** 2 / 12],
    ],
    40000,
  );
  const logP = tf.tidy(() => noise.logDensity(tf.tensor2d(got.points, [40000, 2])).dataSync());
  assert.ok(logP.every((v) => v === Math.fround(-logVolume)), 'every sample has the inside density');
  built.dispose();
  dispose();
});

test('noise.uniform (fixed box): [low, high]ᵈ; an empty box is an error of the form', () => {
  const { data, dispose } = dataset(GAUSS_TRAIN);
  const built = buildNode(noiseUniformNode, { box: 'fixed', low: -2, high: 3 }, { data });
  const noise = built.outputs.noise as UniformNoise;
  assert.deepEqual(noise.box, [
    [-2, 3],
    [-2, 3],
  ]);
  logDensityAt(noise, [[0, 0]]).forEach((v) => close(v, -2 * Math.log(5), 1e-6, 'log p inside'));
  // Data outside a fixed box have density 0 under the noise (NCE then classifies them as data).
  logDensityAt(noise, [[3, -1.5]]).forEach((v) => close(v, -2 * Math.log(5), 1e-6, 'log p at the edge'));
  logDensityAt(noise, [[3.001, 0]]).forEach((v) => assert.equal(v, -Infinity));
  // Cells of 0.01 whose edges fall on the box's: no cell is cut, so the sum is exact (to float32's
  // 1e-7 per value).
  close(integrate(noise, [[-3, 4], [-3, 4]], 700), 1, 1e-5, '∫ p_n (grid aligned with the box)');
  const p = { ...defaults(noiseUniformNode), box: 'fixed', low: 1, high: 1 } as never;
  const issues = noiseUniformNode.check!(p);
  assert.equal(issues.length, 1);
  assert.equal(issues[0]!.severity, 'error');
  assert.equal(issues[0]!.param, 'high');
  assert.deepEqual(noiseUniformNode.check!({ ...defaults(noiseUniformNode) } as never), []);
  built.dispose();
  dispose();
});

// --- noise.mixture ---------------------------------------------------------------------------------

// A known mixture: 0.3·N((−3, 0), 0.5·I) + 0.7·N((2, 1), [[1, 0.4], [0.4, 0.6]]).
const MIX = {
  weights: [0.3, 0.7],
  means: [
    [-3, 0],
    [2, 1],
  ],
  covariances: [
    [
      [0.5, 0],
      [0, 0.5],
    ],
    [
      [1, 0.4],
      [0.4, 0.6],
    ],
  ],
};
/** Cholesky factors of MIX's covariances, for drawing. */
const MIX_A: Mat2[] = [
  [
    [Math.sqrt(0.5), 0],
    [0, Math.sqrt(0.5)],
  ],
  [
    [1, 0],
    [0.4, Math.sqrt(0.6 - 0.16)],
  ],
];

function mixturePoints(n: number, rng: Rng): Float32Array {
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const c = rng.next() < MIX.weights[0]! ? 0 : 1;
    out.set(correlatedGaussian(1, MIX.means[c]!, MIX_A[c]!, rng), 2 * i);
  }
  return out;
}

const MIX_TRAIN = mixturePoints(4000, new Rng(21));

/** Mean log-likelihood per point of row-major 2-D points under a mixture, in float64. */
function mixtureLogLikelihood(points: ArrayLike<number>, fit: { weights: readonly number[]; means: readonly (readonly number[])[]; covariances: readonly (readonly (readonly number[])[])[] }): number {
  const n = points.length / 2;
  let ll = 0;
  for (let i = 0; i < n; i++) {
    const x = [points[2 * i]!, points[2 * i + 1]!];
    ll += logSumExp(fit.weights.map((w, c) => Math.log(w) + logNormal2(x, fit.means[c]!, fit.covariances[c]!)));
  }
  return ll / n;
}

test('noise.mixture (K = 2, full): EM recovers a known two-component mixture; exact log-density; samples with its moments', () => {
  const { data, dispose } = dataset(MIX_TRAIN);
  const built = buildNode(noiseMixtureNode, { components: 2 }, { data });
  const noise = built.outputs.noise as MixtureNoise;
  // Components in a fixed order: the one on the left first.
  const order = noise.means[0]![0]! < noise.means[1]![0]! ? [0, 1] : [1, 0];
  // Tolerances from n = 4000 points: a weight's standard error is √(0.21/4000) = 0.007 (we allow
  // 0.03); a mean coordinate's at most √(1/(0.3·4000)) = 0.03 (we allow 0.12); a covariance entry's
  // at most √(2/(0.3·4000)) × 0.5 = 0.02 for the small component and 0.04 for the large one (we allow
  // 0.12). The components are 5 standard deviations apart, so the overlap adds next to nothing.
  order.forEach((c, k) => {
    close(noise.weights[c]!, MIX.weights[k]!, 0.03, `weight ${k}`);
    noise.means[c]!.forEach((v, j) => close(v, MIX.means[k]![j]!, 0.12, `mean ${k}[${j}]`));
    noise.covariances[c]!.forEach((r, a) => r.forEach((v, b) => close(v, MIX.covariances[k]![a]![b]!, 0.12, `covariance ${k}[${a}][${b}]`)));
  });
  close(
    noise.weights.reduce((s, w) => s + w, 0),
    1,
    1e-12,
    'weights sum to 1',
  );

  // Its log-likelihood is that of its own parameters (recomputed here), and beats one Gaussian's:
  // the best single Gaussian, N(mean, ML covariance), has the mean log-likelihood −½ log det(2πeS).
  close(noise.logLikelihood, mixtureLogLikelihood(MIX_TRAIN, noise), 1e-9, 'reported log-likelihood');
  const single = moments(MIX_TRAIN);
  const det = single.cov[0]![0]! * single.cov[1]![1]! - single.cov[0]![1]! ** 2;
  const singleLl = -0.5 * Math.log(det) - LOG_2PI - 1;
  assert.ok(noise.logLikelihood > singleLl + 0.1, `mixture ${noise.logLikelihood} vs one Gaussian ${singleLl}`);
  // And it is at least as good as the truth's parameters on these points, EM's fixed point being a
  // maximum (up to the variance floor's O(1e-6) cost).
  assert.ok(noise.logLikelihood >= mixtureLogLikelihood(MIX_TRAIN, MIX) - 1e-4, `fit ${noise.logLikelihood} vs truth ${mixtureLogLikelihood(MIX_TRAIN, MIX)}`);

  // Exact log-density at points (float32 evaluation: 1e-5 relative), including far from both modes.
  const points = [
    [-3, 0],
    [2, 1],
    [-0.5, 0.5],
    [8, -7],
    [-12, 9],
  ];
  logDensityAt(noise, points).forEach((v, i) => {
    const exact = logSumExp(noise.weights.map((w, c) => Math.log(w) + logNormal2(points[i]!, noise.means[c]!, noise.covariances[c]!)));
    close(v, exact, 1e-5 * Math.max(1, Math.abs(exact)), `log p(${points[i]})`);
  });
  // The node's log-density over the fit points averages to the reported log-likelihood.
  const mean = tf.tidy(() => tf.mean(noise.logDensity(data.train)).dataSync()[0]!);
  close(mean, noise.logLikelihood, 1e-4, 'mean log p over the training set');
  // It integrates to 1 (600² cells of about 0.04 over [−9, 9] × [−8, 9]: at least 8 standard deviations
  // from every mode; the midpoint rule's error is far below float32's).
  close(integrate(noise, [[-9, 9], [-8, 9]], 600), 1, 1e-4, '∫ p_n');

  // Samples: the mixture's mean Σwμ and covariance Σw(Σ + μμᵀ) − mmᵀ. A mixture's sample covariance
  // has another standard error than a Gaussian's (here 0.46–0.92 times the Gaussian formula's
  // variance, by a 2·10⁶-point simulation of this mixture): we allow twice the formula's.
  const m = [0, 1].map((j) => noise.weights.reduce((s, w, c) => s + w * noise.means[c]![j]!, 0));
  const s = [0, 1].map((a) => [0, 1].map((b) => noise.weights.reduce((acc, w, c) => acc + w * (noise.covariances[c]![a]![b]! + noise.means[c]![a]! * noise.means[c]![b]!), 0) - m[a]! * m[b]!));
  const got = sampleMoments(noise, 40000, 9);
  assertMoments(got, m, s, 40000, 2);
  // And the component shares: the fraction of samples left of x = −0.5 is about the left weight
  // (the modes' tails cross x = −0.5 with a mass of ~1e-4); binomial standard error 0.0023.
  const left = got.points.filter((_, i) => i % 2 === 0 && got.points[i]! < -0.5).length / 40000;
  close(left, noise.weights[order[0]!]!, 0.01, 'share of samples in the left mode');
  built.dispose();
  dispose();
});

test('noise.mixture: K = 1 is the single Gaussian fit; diagonal covariances have no off-diagonal', () => {
  const { data, dispose } = dataset(MIX_TRAIN);
  const one = buildNode(noiseMixtureNode, { components: 1, restarts: 1 }, { data });
  const noise = one.outputs.noise as MixtureNoise;
  const single = moments(MIX_TRAIN);
  noise.means[0]!.forEach((v, j) => close(v, single.mean[j]!, 1e-9, `mean[${j}]`));
  // The variance floor, 1e-3 of the mean variance (about 0.006 here), is on the diagonal.
  const floor = 1e-3 * ((single.cov[0]![0]! + single.cov[1]![1]!) / 2);
  noise.covariances[0]!.forEach((r, a) => r.forEach((v, b) => close(v, single.cov[a]![b]! + (a === b ? floor : 0), 1e-9, `covariance[${a}][${b}]`)));
  assert.deepEqual(noise.weights, [1]);

  const diag = buildNode(noiseMixtureNode, { components: 2, covariance: 'diagonal' }, { data });
  const dn = diag.outputs.noise as MixtureNoise;
  dn.covariances.forEach((c, k) => assert.ok(c[0]![1] === 0 && c[1]![0] === 0, `component ${k} is diagonal: ${JSON.stringify(c)}`));
  // The left component is isotropic in truth: diagonal loses nothing there, so the means still match.
  const left = dn.means[0]![0]! < dn.means[1]![0]! ? 0 : 1;
  dn.means[left]!.forEach((v, j) => close(v, MIX.means[0]![j]!, 0.12, `diagonal fit, left mean[${j}]`));
  close(integrate(dn, [[-9, 9], [-8, 9]], 400), 1, 1e-4, '∫ p_n (diagonal)');
  // With the right component's correlation dropped it fits worse than the full mixture, better than one Gaussian.
  const full = buildNode(noiseMixtureNode, { components: 2 }, { data });
  assert.ok(dn.logLikelihood < (full.outputs.noise as MixtureNoise).logLikelihood, 'diagonal below full');
  assert.ok(dn.logLikelihood > noise.logLikelihood, 'diagonal K = 2 above K = 1');
  full.dispose();
  diag.dispose();
  one.dispose();
  dispose();
});

test('noise.mixture: the fit subset (fitPoints) and the seed make it reproducible', () => {
  const { data, dispose } = dataset(MIX_TRAIN);
  const a = buildNode(noiseMixtureNode, { components: 2, fitPoints: 500 }, { data }, 3);
  const b = buildNode(noiseMixtureNode, { components: 2, fitPoints: 500 }, { data }, 3);
  const na = a.outputs.noise as MixtureNoise;
  assert.deepEqual(na.means, (b.outputs.noise as MixtureNoise).means, 'same seed, same fit');
  // 500 random points of the 4000 still find the two modes (standard errors √(8) times larger).
  const left = na.means[0]![0]! < na.means[1]![0]! ? 0 : 1;
  close(na.weights[left]!, 0.3, 0.08, 'left weight from 500 points');
  // Its reported log-likelihood is over its 500 points, not the whole set: it differs from the
  // whole set's under the same parameters.
  assert.notEqual(na.logLikelihood, mixtureLogLikelihood(MIX_TRAIN, na));
  a.dispose();
  b.dispose();
  dispose();
});

// --- Bad input, leaks -------------------------------------------------------------------------------

test('noise nodes: clear errors for points of the wrong dimension, bad sample counts, too few points for K', () => {
  const { data, dispose } = dataset(MIX_TRAIN);
  const built = [
    buildNode(noiseGaussianNode, {}, { data }),
    buildNode(noiseUniformNode, {}, { data }),
    buildNode(noiseMixtureNode, { components: 2, restarts: 1, iterations: 5 }, { data }),
  ];
  for (const b of built) {
    const noise = b.outputs.noise as NoiseDistribution;
    const type = b === built[0] ? 'noise.gaussian' : b === built[1] ? 'noise.uniform' : 'noise.mixture';
    const threeD = tf.zeros([4, 3]) as tf.Tensor2D;
    const flat = tf.zeros([4]) as unknown as tf.Tensor2D;
    assert.throws(() => noise.logDensity(threeD), new RegExp(`${type.replace('.', '\\.')}: expected n × 2 points, got shape \\[4, 3\\]`));
    assert.throws(() => noise.logDensity(flat), /expected n × 2 points, got shape \[4\]/);
    assert.throws(() => noise.sample(0, new Rng(1)), /whole number ≥ 1, got 0/);
    assert.throws(() => noise.sample(2.5, new Rng(1)), /whole number ≥ 1, got 2.5/);
    tf.dispose([threeD, flat]);
    b.dispose();
  }
  const few = dataset(MIX_TRAIN.slice(0, 2 * 12));
  assert.throws(() => buildNode(noiseMixtureNode, { components: 20 }, { data: few.data }), /noise\.mixture: 20 components need at least 20 fit points, but the fit has 12/);
  few.dispose();
  dispose();
});

test('noise nodes: sample and logDensity leak no tensors', async () => {
  const { data, dispose } = dataset(MIX_TRAIN);
  const built = [
    buildNode(noiseGaussianNode, {}, { data }),
    buildNode(noiseUniformNode, {}, { data }),
    buildNode(noiseMixtureNode, { components: 3, restarts: 1, iterations: 10 }, { data }),
  ];
  const rng = new Rng(2);
  for (const b of built) {
    const noise = b.outputs.noise as NoiseDistribution;
    const once = () => {
      const x = noise.sample(16, rng);
      const logP = noise.logDensity(x);
      assert.deepEqual(logP.shape, [16]);
      tf.dispose([x, logP]);
    };
    once();
    const d = await leaked(() => {
      for (let i = 0; i < 3; i++) once();
    });
    assert.equal(d, 0, `${noise.nodeId}: leaked ${d} tensors`);
    b.dispose();
  }
  dispose();
});
