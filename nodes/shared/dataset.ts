// The one Dataset implementation that data nodes share: fixed train and test tensors registered
// with the run (disposed when it ends), a box around the data, batches drawn with replacement
// from the node's own seeded stream, and the true density where it is known in closed form (one
// isotropic Gaussian-mixture density serves the Gaussian data and the toy mixtures alike).
import * as tf from '@tensorflow/tfjs-core';
import { boundsOf } from '../../app/runtime/metrics.ts';
import type { Rng } from '../../app/runtime/rng.ts';
import type { BuildContext, Dataset, KnownDensity } from '../define.ts';

/** Margin of the data box on each side, as a fraction of the data's extent. */
export const BOUNDS_MARGIN = 0.05;

export interface DatasetSpec {
  name: string;
  dim: number;
  /** Row-major points, trainSize × dim and testSize × dim. */
  train: Float32Array;
  test: Float32Array;
  entropy?: number;
  truth?: Record<string, number | number[]>;
  /** The true density, where it is known in closed form; passed through to the Dataset. */
  density?: KnownDensity;
}

/** Builds a Dataset from generated points; its tensors are handed to ctx.track. */
export function makeDataset(ctx: BuildContext, spec: DatasetSpec): Dataset {
  const { dim } = spec;
  if (spec.train.length === 0 || spec.train.length % dim || spec.test.length % dim)
    throw new Error(`dataset "${spec.name}": point arrays must hold a whole number of ${dim}-D points, train at least one`);
  const nTrain = spec.train.length / dim;
  const train = ctx.track(tf.tensor2d(spec.train, [nTrain, dim]));
  const test = ctx.track(tf.tensor2d(spec.test, [spec.test.length / dim, dim]));
  const bounds = boundsOf([spec.train, spec.test], dim, BOUNDS_MARGIN);
  return {
    nodeId: ctx.nodeId,
    name: spec.name,
    dim,
    train,
    test,
    bounds,
    ...(spec.entropy !== undefined ? { entropy: spec.entropy } : {}),
    ...(spec.truth !== undefined ? { truth: spec.truth } : {}),
    ...(spec.density !== undefined ? { density: spec.density } : {}),
    batch(n: number, rng: Rng): tf.Tensor2D {
      if (!Number.isInteger(n) || n < 1) throw new Error(`batch size must be a whole number ≥ 1, got ${n}`);
      return tf.tidy(() => tf.gather(train, tf.tensor1d(rng.ints(n, nTrain), 'int32')));
    },
  };
}

/** An isotropic Gaussian mixture in d dimensions: Σ_k w_k N(μ_k, s_k² I). */
export interface GaussianMixtureSpec {
  /** The K component means, each of length d. */
  readonly means: readonly (readonly number[])[];
  /** One standard deviation for every component, or one per component. */
  readonly std: number | readonly number[];
  /** K positive weights summing to 1 (equal weights when left out). */
  readonly weights?: readonly number[];
}

/**
 * The exact density of an isotropic Gaussian mixture p(x) = Σ_k w_k N(x; μ_k, s_k² I), in any
 * dimension (one component is a plain isotropic Gaussian). With a_k(x) = log w_k − ‖x − μ_k‖²/(2s_k²)
 * − (d/2)·log(2π s_k²):
 *   log p(x) = logsumexp_k a_k(x)   (max-subtracted, so far from every centre it stays finite),
 *   ∇ₓ log p(x) = Σ_k r_k(x)·(μ_k − x)/s_k²   with responsibilities r = softmax_k a.
 * x − μ_k is formed directly (n × K × d) rather than by expanding the square, which in float32 would
 * lose digits to cancellation for narrow components far from the origin. Each call leaves only its
 * result behind.
 */
export function gaussianMixtureDensity(spec: GaussianMixtureSpec): KnownDensity & { readonly dim: number } {
  const k = spec.means.length;
  if (k === 0) throw new Error('gaussianMixtureDensity: at least one component');
  const dim = spec.means[0]!.length;
  if (dim === 0 || spec.means.some((m) => m.length !== dim)) throw new Error('gaussianMixtureDensity: every mean needs the same dimension ≥ 1');
  const stds = typeof spec.std === 'number' ? Array<number>(k).fill(spec.std) : [...spec.std];
  if (stds.length !== k || stds.some((s) => !(s > 0))) throw new Error('gaussianMixtureDensity: one positive std, or one per component');
  const weights = spec.weights ? [...spec.weights] : Array<number>(k).fill(1 / k);
  const total = weights.reduce((a, w) => a + w, 0);
  if (weights.length !== k || weights.some((w) => !(w > 0)) || Math.abs(total - 1) > 1e-9) throw new Error('gaussianMixtureDensity: K positive weights summing to 1');
  const means = spec.means.flatMap((m) => [...m]);
  const halfPrecision = stds.map((s) => -1 / (2 * s * s));
  const precision = stds.map((s) => 1 / (s * s));
  const logNorm = weights.map((w, i) => Math.log(w) - (dim / 2) * Math.log(2 * Math.PI * stds[i]! ** 2));

  const check = (x: tf.Tensor2D): void => {
    if (x.rank !== 2 || x.shape[1] !== dim) throw new Error(`gaussianMixtureDensity: expected n × ${dim} points, got shape [${x.shape.join(', ')}]`);
  };
  /** x − μ_k (n × K × d) and the log-weights a (n × K). */
  const parts = (x: tf.Tensor2D): { diff: tf.Tensor3D; logits: tf.Tensor2D } => {
    const diff = tf.sub(tf.expandDims(x, 1), tf.tensor3d(means, [1, k, dim])) as tf.Tensor3D;
    const sq = tf.sum(tf.square(diff), 2);
    const logits = tf.add(tf.mul(sq, tf.tensor1d(halfPrecision)), tf.tensor1d(logNorm)) as tf.Tensor2D;
    return { diff, logits };
  };
  return {
    dim,
    logDensity: (x) =>
      tf.tidy(() => {
        check(x);
        return tf.logSumExp(parts(x).logits, 1) as tf.Tensor1D;
      }),
    score: (x) =>
      tf.tidy(() => {
        check(x);
        const { diff, logits } = parts(x);
        const weight = tf.mul(tf.softmax(logits), tf.tensor1d(precision)); // r_k / s_k², n × K
        return tf.neg(tf.sum(tf.mul(tf.expandDims(weight, 2), diff), 1)) as tf.Tensor2D;
      }),
  };
}
