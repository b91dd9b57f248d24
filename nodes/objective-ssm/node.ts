import * as tf from '@tensorflow/tfjs-core';
import { defineNode } from '../define.ts';
import { choice } from '../params.ts';
import {
  gradientAndHvp,
  meanHalfSquaredNorm,
  PROJECTION_KIND_PARAM,
  PROJECTIONS_PARAM,
  projections,
  repeatRows,
  SCORE_MATCHING_INPUTS,
  SCORE_MATCHING_OUTPUTS,
} from '../shared/score-matching.ts';

export const objectiveSsmNode = defineNode({
  type: 'objective.ssm',
  version: 1,
  category: 'objective',
  title: 'Sliced score matching',
  doc:
    'Score matching along random directions v with E[vvᵀ] = I: minimises mean[vᵀ∇²ₓ log p_θ v + ½(vᵀ∇ₓ log p_θ)²] = ' +
    'mean[−vᵀ∇²ₓE v + ½(vᵀ∇ₓE)²] over the data batch, an unbiased estimate of the exact score-matching loss at the ' +
    'cost of one Hessian-vector product per direction, whatever the dimension. The variance-reduced form (SSM-VR, ' +
    'default) replaces ½(vᵀ∇ₓE)² by its expectation ½‖∇ₓE‖². Defaults follow the NCSN toy and methods.md §6.3: one ' +
    'projection per point, VR. No sampler; needs an energy with second derivatives (not ReLU). Metrics: grad_sq = ' +
    'mean ½‖∇ₓE‖², hess_trace = mean vᵀ∇²ₓE v (a Hutchinson estimate of tr ∇²ₓE).',
  reference: 'Song, Garg, Shi & Ermon (2019); Song & Kingma (2021) §3.2; methods.md §1.2 (SSM repo losses/sliced_sm.py)',
  inputs: SCORE_MATCHING_INPUTS,
  outputs: SCORE_MATCHING_OUTPUTS,
  params: {
    variant: choice({
      title: 'Variant',
      doc: 'Variance-reduced (½‖∇ₓE‖², exact in expectation over v) or plain (½(vᵀ∇ₓE)²).',
      default: 'vr',
      options: [
        { value: 'vr', label: 'SSM-VR', doc: 'Replaces ½(vᵀ∇ₓE)² by its expectation ½‖∇ₓE‖²: lower variance, the usual choice.' },
        { value: 'plain', label: 'Plain SSM', doc: 'The original estimator, ½(vᵀ∇ₓE)².' },
      ],
    }),
    projection: PROJECTION_KIND_PARAM,
    projections: PROJECTIONS_PARAM,
  },
  needsSecondOrder: true,
  build(ctx, p, { data, energy }) {
    const rng = ctx.rng;
    const projectionRng = ctx.rng.split('projections');
    const gradAndHvp = gradientAndHvp(energy);
    const d = data.dim;
    return {
      objective: {
        nodeId: ctx.nodeId,
        energy,
        data,
        variables: energy.variables,
        prepare(batchSize) {
          const n = batchSize * p.projections;
          const batch = data.batch(batchSize, rng);
          const x = repeatRows(batch, p.projections);
          if (x !== batch) batch.dispose();
          const v = tf.tensor2d(projections(projectionRng, n, d, p.projection), [n, d]);
          return Promise.resolve({ tensors: { x, v } });
        },
        loss({ x, v }) {
          const { grad, hvp } = gradAndHvp(x as tf.Tensor2D, v as tf.Tensor2D);
          const hessTrace = tf.mean(tf.sum(tf.mul(v!, hvp), 1)) as tf.Scalar;
          const gradSq = meanHalfSquaredNorm(grad);
          const first = p.variant === 'vr' ? gradSq : (tf.mul(0.5, tf.mean(tf.square(tf.sum(tf.mul(v!, grad), 1)))) as tf.Scalar);
          return { loss: tf.sub(first, hessTrace) as tf.Scalar, metrics: { grad_sq: gradSq, hess_trace: hessTrace } };
        },
      },
    };
  },
});
