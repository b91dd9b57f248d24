// noise.gaussian: N(μ, s·Σ) fitted to the training data, the usual contrast of noise-contrastive
// estimation (methods.md §1.3). Also home of the small float64 linear algebra the noise nodes share
// (mean and covariance, Cholesky factor, triangular inverse), which runs once at build time.
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../app/runtime/rng.ts';
import type { BuildContext, NoiseDistribution } from '../define.ts';
import { defineNode } from '../define.ts';
import { num } from '../params.ts';

const LOG_2PI = Math.log(2 * Math.PI);

/** Relative ridge added to a fitted covariance: RIDGE × (mean variance) on the diagonal. It keeps
 * the Cholesky factor of a (near-)degenerate data set finite and is far below float32 precision
 * of any covariance it is added to. */
export const RIDGE = 1e-6;

/** Mean and maximum-likelihood covariance (divided by n, not n − 1) of row-major points, in float64. */
export function meanAndCovariance(points: ArrayLike<number>, dim: number): { mean: number[]; covariance: number[][] } {
  const n = points.length / dim;
  if (!(n >= 1) || !Number.isInteger(n)) throw new Error(`meanAndCovariance: expected a whole number of ${dim}-D points`);
  const mean = Array<number>(dim).fill(0);
  for (let i = 0; i < n; i++) for (let c = 0; c < dim; c++) mean[c]! += points[i * dim + c]!;
  for (let c = 0; c < dim; c++) mean[c]! /= n;
  const cov = Array.from({ length: dim }, () => Array<number>(dim).fill(0));
  const row = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < dim; c++) row[c] = points[i * dim + c]! - mean[c]!;
    for (let a = 0; a < dim; a++) {
      const ra = row[a]!;
      const ca = cov[a]!;
      for (let b = 0; b <= a; b++) ca[b]! += ra * row[b]!;
    }
  }
  for (let a = 0; a < dim; a++) {
    for (let b = 0; b <= a; b++) {
      const v = cov[a]![b]! / n;
      cov[a]![b] = v;
      cov[b]![a] = v;
    }
  }
  return { mean, covariance: cov };
}

/** The lower-triangular L with L Lᵀ = m (m symmetric positive definite), in float64; throws otherwise. */
export function cholesky(m: readonly (readonly number[])[]): number[][] {
  const d = m.length;
  const l = Array.from({ length: d }, () => Array<number>(d).fill(0));
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = m[i]![j]!;
      for (let k = 0; k < j; k++) s -= l[i]![k]! * l[j]![k]!;
      if (i === j) {
        if (!(s > 0)) throw new Error('cholesky: the matrix is not positive definite');
        l[i]![i] = Math.sqrt(s);
      } else l[i]![j] = s / l[j]![j]!;
    }
  }
  return l;
}

/** The inverse of a lower-triangular matrix with a non-zero diagonal (itself lower-triangular). */
export function invertLower(l: readonly (readonly number[])[]): number[][] {
  const d = l.length;
  const inv = Array.from({ length: d }, () => Array<number>(d).fill(0));
  for (let j = 0; j < d; j++) {
    inv[j]![j] = 1 / l[j]![j]!;
    for (let i = j + 1; i < d; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s -= l[i]![k]! * inv[k]![j]!;
      inv[i]![j] = s / l[i]![i]!;
    }
  }
  return inv;
}

/** Adds `ridge` × (mean diagonal entry, or 1 if that is 0) to the diagonal, in a copy. */
export function withRidge(cov: readonly (readonly number[])[], ridge: number): number[][] {
  const d = cov.length;
  const meanVar = cov.reduce((s, r, i) => s + r[i]!, 0) / d;
  const add = ridge * (meanVar > 0 ? meanVar : 1);
  return cov.map((r, i) => r.map((v, j) => (i === j ? v + add : v)));
}

/** Throws a clear error unless `x` is a batch of `dim`-D points (the noise nodes' inputs). */
export function checkPoints(x: tf.Tensor, dim: number, who: string): void {
  if (x.rank !== 2 || x.shape[1] !== dim) throw new Error(`${who}: expected n × ${dim} points, got shape [${x.shape.join(', ')}]`);
}

/** Throws a clear error unless `n` is a whole number of points to draw (≥ 1). */
export function checkCount(n: number, who: string): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${who}: the number of points to draw must be a whole number ≥ 1, got ${n}`);
}

/** A fitted Gaussian noise distribution: N(mean, covariance), with its parameters for readouts. */
export interface GaussianNoise extends NoiseDistribution {
  readonly mean: readonly number[];
  readonly covariance: readonly (readonly number[])[];
}

/**
 * N(mean, cov) as a NoiseDistribution: samples μ + L z (L the Cholesky factor of cov, z ~ N(0, I)
 * from the caller's stream), and the exact log-density −½‖L⁻¹(x − μ)‖² − Σ log L_ii − (d/2) log 2π.
 * Its constant tensors go to ctx.track.
 */
export function gaussianNoise(ctx: BuildContext, mean: readonly number[], cov: readonly (readonly number[])[]): GaussianNoise {
  const d = mean.length;
  const l = cholesky(cov);
  const lInv = invertLower(l);
  const logNorm = -l.reduce((s, r, i) => s + Math.log(r[i]!), 0) - (d / 2) * LOG_2PI;
  // Row vectors: x = μ + z Lᵀ, and (x − μ) L⁻ᵀ has identity covariance.
  const transpose = (m: number[][]): number[] => m[0]!.flatMap((_, j) => m.map((r) => r[j]!));
  const mu = ctx.track(tf.tensor1d(mean as number[]));
  const lT = ctx.track(tf.tensor2d(transpose(l), [d, d]));
  const whiten = ctx.track(tf.tensor2d(transpose(lInv), [d, d]));
  return {
    nodeId: ctx.nodeId,
    dim: d,
    mean: [...mean],
    covariance: cov.map((r) => [...r]),
    sample(n: number, rng: Rng): tf.Tensor2D {
      checkCount(n, 'noise.gaussian');
      return tf.tidy(() => tf.add(mu, tf.matMul(tf.tensor2d(rng.normals(n * d), [n, d]), lT)) as tf.Tensor2D);
    },
    logDensity(x: tf.Tensor2D): tf.Tensor1D {
      checkPoints(x, d, 'noise.gaussian');
      return tf.tidy(() => tf.add(logNorm, tf.mul(-0.5, tf.sum(tf.square(tf.matMul(tf.sub(x, mu), whiten)), 1))) as tf.Tensor1D);
    },
  };
}

export const noiseGaussianNode = defineNode({
  type: 'noise.gaussian',
  version: 1,
  category: 'noise',
  title: 'Gaussian noise',
  doc:
    'A Gaussian N(μ, s·Σ) whose mean μ and full covariance Σ are fitted to the training set once, at build ' +
    'time (maximum likelihood, in float64, plus a ridge of 10⁻⁶ of the mean variance for stability). It is ' +
    'the standard contrast of noise-contrastive estimation on 2-D data (methods.md §1.3: “a Gaussian fitted ' +
    'to the data mean and covariance, ν = 1”). The covariance scale s > 1 widens the noise so that it covers ' +
    'the data’s tails and outlying modes; NCE is consistent only where the noise has mass. Sampled through the ' +
    'Cholesky factor; its log-density is exact.',
  reference: 'Gutmann & Hyvärinen (2010); methods.md §1.3',
  inputs: { data: { type: 'dataset', title: 'Data', doc: 'The training set the Gaussian is fitted to' } },
  outputs: { noise: { type: 'noise', title: 'Noise' } },
  params: {
    scale: num({
      title: 'Covariance scale s',
      doc: 'Multiplies the fitted covariance (the standard deviations by √s). 1 matches the data; 1.5² = 2.25 is a wider contrast.',
      default: 1,
      min: 0,
      exclusiveMin: true,
      max: 1e4,
      scale: 'log',
    }),
  },
  build(ctx, p, { data }) {
    const { mean, covariance } = meanAndCovariance(data.train.dataSync(), data.dim);
    const scaled = withRidge(covariance, RIDGE).map((r) => r.map((v) => v * p.scale));
    return { noise: gaussianNoise(ctx, mean, scaled) };
  },
});
