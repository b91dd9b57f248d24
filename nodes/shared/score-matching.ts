// What the score-matching objectives share (exact, sliced, finite-difference sliced, denoising):
// their ports, the random projections, and ∇ₓE together with a Hessian-vector product in one pass.
//
// Energy convention p ∝ e^{−E}: the score is s = −∇ₓE and ∇²ₓ log p = −∇²ₓE (methods.md §1.2).
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../app/runtime/rng.ts';
import type { EnergyModel } from '../define.ts';
import { choice, int } from '../params.ts';
import { energyGradient } from './score.ts';

/** Inputs of every score-matching objective: data and an energy, no sampler. */
export const SCORE_MATCHING_INPUTS = {
  data: { type: 'dataset', title: 'Data' },
  energy: { type: 'energy', title: 'Energy' },
} as const;

export const SCORE_MATCHING_OUTPUTS = { objective: { type: 'objective', title: 'Loss' } } as const;

/** Number of random directions per data point (the SSM repo's `n_particles`). */
export const PROJECTIONS_PARAM = int({
  title: 'Projections M',
  doc: 'Random directions drawn per data point; the loss averages over them. More lowers the variance at M× the cost (the SSM repo uses 1).',
  default: 1,
  min: 1,
  max: 64,
  unit: 'per point',
});

export const PROJECTION_KIND_PARAM = choice({
  title: 'Projection distribution',
  doc: 'Distribution of the directions v; both have E[vvᵀ] = I, as the estimator needs.',
  default: 'rademacher',
  options: [
    { value: 'rademacher', label: 'Rademacher (±1)', doc: 'Each coordinate ±1 with probability ½: the lowest-variance Hutchinson estimator.' },
    { value: 'gaussian', label: 'Gaussian', doc: 'v ~ N(0, I).' },
  ],
});

export type ProjectionKind = 'rademacher' | 'gaussian' | 'sphere';

/**
 * n directions in d dimensions, row-major. 'rademacher': coordinates ±1 with probability ½;
 * 'gaussian': N(0, I) (both E[vvᵀ] = I); 'sphere': uniform on the sphere of radius `radius`
 * (E[vvᵀ] = radius²·I/d).
 */
export function projections(rng: Rng, n: number, d: number, kind: ProjectionKind, radius = 1): Float32Array {
  if (kind === 'rademacher') {
    const out = new Float32Array(n * d);
    for (let i = 0; i < out.length; i++) out[i] = rng.next() < 0.5 ? -1 : 1;
    return out;
  }
  const out = rng.normals(n * d);
  if (kind === 'gaussian') return out;
  for (let r = 0; r < n; r++) {
    let sq = 0;
    for (let j = 0; j < d; j++) sq += out[r * d + j]! ** 2;
    // A zero row has probability zero; keep it finite anyway.
    const scale = radius / Math.sqrt(sq || 1);
    for (let j = 0; j < d; j++) out[r * d + j]! *= scale;
  }
  return out;
}

/** The batch repeated M times, [M·n, d]: each copy is paired with its own projections. */
export function repeatRows(x: tf.Tensor2D, m: number): tf.Tensor2D {
  return m === 1 ? x : tf.tidy(() => tf.tile(x, [m, 1]));
}

/**
 * ∇ₓE(x) and the Hessian-vector products ∇²ₓE(x)·v, row by row, from one forward pass and two
 * backward passes: f(x) = ∇ₓE(x) is itself differentiated with the cotangent v, which gives
 * ∇ₓ Σᵢ ∇ₓE(xᵢ)·vᵢ, and row i of that is ∇²ₓE(xᵢ)vᵢ because rows do not interact. Both
 * stay differentiable with respect to θ (through the verified activations of autodiff.ts), so
 * the loss's parameter gradient is exact. (tfjs cannot differentiate an already computed ∇ₓE
 * again, as PyTorch's create_graph does; returning it as the value of the second pass avoids
 * computing it twice.)
 */
export function gradientAndHvp(energy: EnergyModel): (x: tf.Tensor2D, v: tf.Tensor2D) => { grad: tf.Tensor2D; hvp: tf.Tensor2D } {
  const vg = tf.valueAndGrad(energyGradient(energy));
  return (x, v) => {
    const { value, grad } = vg(x, v);
    return { grad: value, hvp: grad as tf.Tensor2D };
  };
}

/** Mean over rows of ½‖g‖². */
export function meanHalfSquaredNorm(g: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mul(0.5, tf.mean(tf.sum(tf.square(g), 1))) as tf.Scalar);
}
