import * as tf from '@tensorflow/tfjs-core';
import { defineNode } from '../define.ts';
import { gradientAndHvp, meanHalfSquaredNorm, SCORE_MATCHING_INPUTS, SCORE_MATCHING_OUTPUTS } from '../shared/score-matching.ts';

/** Above this dimension the exact trace (d backward passes) is refused in favour of sliced SM. */
export const MAX_EXACT_SM_DIM = 64;

export const objectiveSmNode = defineNode({
  type: 'objective.sm',
  version: 1,
  category: 'objective',
  title: 'Score matching (exact)',
  doc:
    'Hyvärinen’s score matching: minimises the Fisher divergence ½ E‖∇ₓ log p_data − ∇ₓ log p_θ‖² without knowing ' +
    'p_data or log Z, through its integration-by-parts form mean[½‖∇ₓE(x)‖² − tr ∇²ₓE(x)] over the data batch, which ' +
    'equals the Fisher divergence minus a constant (so the loss can go below zero). No sampler. The trace of the ' +
    'Hessian is exact: it costs d backward passes (done as one pass over the batch repeated d times), so this node ' +
    `refuses data of more than ${MAX_EXACT_SM_DIM} dimensions; use sliced score matching there. Needs an energy with ` +
    'second derivatives (Swish, Softplus, tanh... not ReLU). Metrics: grad_sq = mean ½‖∇ₓE‖², hess_trace = mean tr ∇²ₓE.',
  reference: 'Hyvärinen (2005); Song & Kingma (2021) §3; methods.md §1.2 (SSM repo losses/score_matching.py)',
  inputs: SCORE_MATCHING_INPUTS,
  outputs: SCORE_MATCHING_OUTPUTS,
  params: {},
  needsSecondOrder: true,
  build(ctx, _p, { data, energy }) {
    const d = data.dim;
    if (d > MAX_EXACT_SM_DIM)
      throw new Error(
        `exact score matching needs ${d} backward passes per step on ${d}-D data (at most ${MAX_EXACT_SM_DIM} here); ` +
          'use sliced score matching (objective.ssm) or finite-difference sliced score matching (objective.fdssm), which cost the same in any dimension',
      );
    const rng = ctx.rng;
    const gradAndHvp = gradientAndHvp(energy);
    return {
      objective: {
        nodeId: ctx.nodeId,
        energy,
        data,
        variables: energy.variables,
        prepare(batchSize) {
          return Promise.resolve({ tensors: { x: data.batch(batchSize, rng) } });
        },
        loss({ x }) {
          const n = x!.shape[0]!;
          // The batch repeated d times; copy k is differentiated along e_k, so row k·n + b of the
          // Hessian-vector product is ∇²E(x_b)e_k and its k-th entry is ∂²E/∂x_k² at x_b.
          const basis = tf.reshape(tf.tile(tf.expandDims(tf.eye(d), 1), [1, n, 1]), [d * n, d]) as tf.Tensor2D;
          const { grad, hvp } = gradAndHvp(tf.tile(x!, [d, 1]) as tf.Tensor2D, basis);
          // Every copy has the same ∇ₓE; the first one serves.
          const gradSq = meanHalfSquaredNorm(tf.slice(grad, [0, 0], [n, d]));
          const hessTrace = tf.div(tf.sum(tf.mul(hvp, basis)), n) as tf.Scalar;
          return { loss: tf.sub(gradSq, hessTrace) as tf.Scalar, metrics: { grad_sq: gradSq, hess_trace: hessTrace } };
        },
      },
    };
  },
});
