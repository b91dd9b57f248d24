import * as tf from '@tensorflow/tfjs-core';
import { defineNode } from '../define.ts';
import { choice, int, num } from '../params.ts';
import * as ad from '../shared/autodiff.ts';
import { constant, trainable } from '../shared/init.ts';

/**
 * E(x) = ½ (x − μ)ᵀ P (x − μ) with learnable mean μ and precision P. Diagonal: P = diag(e^ℓ).
 * Full: P = L Lᵀ with L lower-triangular and a positive (exp) diagonal, so P stays positive definite.
 */
export const energyGaussianNode = defineNode({
  type: 'energy.gaussian',
  version: 1,
  category: 'energy',
  title: 'Gaussian energy',
  doc:
    'A quadratic energy E(x) = ½ (x − μ)ᵀ P (x − μ) with learnable mean μ and precision P: the model with known ' +
    'answers. Trained on Gaussian data, every consistent objective recovers the data’s mean and variance ' +
    '(denoising score matching recovers the variance plus σ²), which makes it the first test of any method. ' +
    'The run summary reports the recovered mean and variance.',
  reference: 'methods.md §6.5 (unit tests to port)',
  inputs: {},
  outputs: { energy: { type: 'energy', title: 'Energy' } },
  params: {
    dim: int({ title: 'Dimension', doc: 'Dimension d of the points; must match the data.', default: 2, min: 1, max: 256 }),
    covariance: choice({
      title: 'Precision',
      doc: 'Diagonal: d variances. Full: a full positive-definite precision matrix.',
      default: 'diagonal',
      options: [
        { value: 'diagonal', label: 'Diagonal' },
        { value: 'full', label: 'Full' },
      ],
    }),
    initMean: num({ title: 'Initial mean', doc: 'Every coordinate of μ starts here.', default: 0 }),
    initVariance: num({ title: 'Initial variance', doc: 'Every variance starts here (P = I / this).', default: 4, min: 0, exclusiveMin: true }),
  },
  dim: (p) => p.dim,
  secondOrder: () => ({ ok: true }),
  build(ctx, p) {
    const d = p.dim;
    const mean = trainable(ctx, () => tf.fill([d], p.initMean));
    const full = p.covariance === 'full';
    // Log of the diagonal (of P, or of its Cholesky factor L), and L's strict lower triangle.
    const logDiag = trainable(ctx, () => tf.fill([d], full ? -0.5 * Math.log(p.initVariance) : -Math.log(p.initVariance)));
    const lower = full ? trainable(ctx, () => tf.zeros([d, d])) : null;
    const eye = full ? constant(ctx, () => tf.eye(d)) : null;
    const strictLowerMask = full ? constant(ctx, () => tf.sub(tf.linalg.bandPart(tf.ones([d, d]), -1, 0), tf.eye(d))) : null;

    const choleskyFactor = (): tf.Tensor2D => tf.add(tf.mul(lower!, strictLowerMask!), tf.mul(eye!, ad.exp(logDiag))) as tf.Tensor2D;

    return {
      energy: {
        nodeId: ctx.nodeId,
        inputDim: d,
        variables: lower ? [mean, logDiag, lower] : [mean, logDiag],
        energy: (x) =>
          tf.tidy(() => {
            const centred = tf.sub(x, mean);
            if (!full) return tf.mul(0.5, tf.sum(tf.mul(tf.square(centred), ad.exp(logDiag)), 1)) as tf.Tensor1D;
            // ½‖Lᵀ(x − μ)‖² = ½ (x − μ)ᵀ L Lᵀ (x − μ)
            return tf.mul(0.5, tf.sum(tf.square(tf.matMul(centred, choleskyFactor())), 1)) as tf.Tensor1D;
          }),
        readouts(): Record<string, number | number[]> {
          const mu = Array.from(mean.dataSync());
          if (!full) return { mean: mu, variance: Array.from(logDiag.dataSync(), (l) => Math.exp(-l)) };
          const covariance = tf.tidy(() => {
            const l = choleskyFactor();
            return tf.matMul(l, l, false, true).arraySync() as number[][];
          });
          const cov = invertSpd(covariance);
          return { mean: mu, variance: cov.map((row, i) => row[i]!), covariance: cov.flat() };
        },
      },
    };
  },
});

/** Inverse of a small symmetric positive-definite matrix by Gauss–Jordan with partial pivoting. */
function invertSpd(m: number[][]): number[][] {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[pivot]![c]!)) pivot = r;
    [a[c], a[pivot]] = [a[pivot]!, a[c]!];
    const pr = a[c]!;
    const pv = pr[c]!;
    for (let k = 0; k < 2 * n; k++) pr[k] = pr[k]! / pv;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const row = a[r]!;
      const f = row[c]!;
      for (let k = 0; k < 2 * n; k++) row[k] = row[k]! - f * pr[k]!;
    }
  }
  return a.map((row) => row.slice(n));
}
