import * as tf from '@tensorflow/tfjs-core';
import { defineNode } from '../define.ts';
import { num } from '../params.ts';
import { PROJECTIONS_PARAM, projections, repeatRows, SCORE_MATCHING_INPUTS, SCORE_MATCHING_OUTPUTS } from '../shared/score-matching.ts';

export const objectiveFdssmNode = defineNode({
  type: 'objective.fdssm',
  version: 1,
  category: 'objective',
  title: 'Finite-difference sliced score matching',
  doc:
    'Sliced score matching with the derivatives along v replaced by finite differences of the energy (Pang et al. ' +
    '2020): with v = ε·u, u uniform on the unit sphere, the loss is (d/ε²)·mean[⅛(E(x+v) − E(x−v))² + 2E(x) − E(x+v) − ' +
    'E(x−v)], three forward passes and no gradient with respect to x. It equals the exact score-matching loss ' +
    'mean[½‖∇ₓE‖² − tr ∇²ₓE] up to O(ε²), so its curves compare directly with objective.sm (the FD-ScoreMatching ' +
    'code’s scaling; methods.md writes the same objective without the factor d/2, i.e. ≈ (2/d)·SM). Being ' +
    'first-order, it trains any energy, ReLU networks included, on any backend. ε = 0.1 is the reference code’s ' +
    'default, in the data’s units. Metrics: grad_sq and hess_trace, the finite-difference estimates of mean ½‖∇ₓE‖² and ' +
    'mean tr ∇²ₓE.',
  reference: 'Pang, Xu, Li, Song, Ermon & Zhu (2020); methods.md §1.2 (FD-ScoreMatching SSM/losses/efficient_sm.py)',
  inputs: SCORE_MATCHING_INPUTS,
  outputs: SCORE_MATCHING_OUTPUTS,
  params: {
    epsilon: num({
      title: 'Step ε',
      doc: 'Length of the finite-difference step v = ε·u. Smaller is less biased (O(ε²)) but loses float32 precision in 2E(x) − E(x+v) − E(x−v).',
      default: 0.1,
      min: 0,
      exclusiveMin: true,
      max: 10,
      scale: 'log',
    }),
    projections: PROJECTIONS_PARAM,
  },
  build(ctx, p, { data, energy }) {
    const rng = ctx.rng;
    const projectionRng = ctx.rng.split('projections');
    const d = data.dim;
    const scale = d / (p.epsilon * p.epsilon);
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
          const v = tf.tensor2d(projections(projectionRng, n, d, 'sphere', p.epsilon), [n, d]);
          return Promise.resolve({ tensors: { x, v } });
        },
        loss({ x, v }) {
          const n = x!.shape[0]!;
          // One energy call on [x; x + v; x − v].
          const e = energy.energy(tf.concat([x!, tf.add(x!, v!), tf.sub(x!, v!)], 0) as tf.Tensor2D);
          const [e0, ePlus, eMinus] = tf.split(e, [n, n, n]) as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
          const gradSq = tf.mul(scale / 8, tf.mean(tf.square(tf.sub(ePlus, eMinus)))) as tf.Scalar;
          const hessTrace = tf.mul(scale, tf.mean(tf.sub(tf.add(ePlus, eMinus), tf.mul(2, e0)))) as tf.Scalar;
          return { loss: tf.sub(gradSq, hessTrace) as tf.Scalar, metrics: { grad_sq: gradSq, hess_trace: hessTrace } };
        },
      },
    };
  },
});
