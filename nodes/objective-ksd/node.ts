import * as tf from '@tensorflow/tfjs-core';
import { medianBandwidth } from '../../app/runtime/metrics.ts';
import { defineNode } from '../define.ts';
import { choice, num } from '../params.ts';
import { modelScore } from '../shared/score.ts';
import { ksdUStatisticWith } from '../shared/stein.ts';

export const objectiveKsdNode = defineNode({
  type: 'objective.ksd',
  version: 1,
  category: 'objective',
  title: 'Kernel Stein discrepancy',
  doc:
    'Minimises the kernel Stein discrepancy between the data and the model (Liu, Lee & Jordan 2016; ' +
    'Song & Kingma 2021 §5.2): the unbiased U-statistic KSD² = mean over pairs i ≠ j of u(x_i, x_j), where ' +
    'u combines the model score s_θ = −∇ₓE at both points with an RBF kernel exp(−‖x − y‖²/(2h²)) and its ' +
    'derivatives. It needs no sampler and no normaliser, and is zero exactly when the model score equals the ' +
    'data score. It differentiates ∇ₓE with respect to θ (second order: smooth activations only), and costs ' +
    'O(B²) per step in the batch size. It sees the data only through the kernel: with h much smaller than the ' +
    'spacing of the points the pairs stop interacting and the loss is all noise; with h far larger than the ' +
    'data it only matches the score’s averages. Hence the default median heuristic, h = median distance between ' +
    'the batch’s points, recomputed every step (not differentiated), as in Liu et al.’s and Gretton et al.’s ' +
    'code. KSD weighs score errors by the kernel and by the data density, so it is scale-sensitive and slow ' +
    'to correct mass in regions the kernel links weakly (separated modes).',
  reference: 'Liu, Lee & Jordan (2016); Chwialkowski, Strathmann & Gretton (2016); Song & Kingma (2021) §5.2; methods.md §1.4, §2.6',
  inputs: {
    data: { type: 'dataset', title: 'Data' },
    energy: { type: 'energy', title: 'Energy' },
  },
  outputs: { objective: { type: 'objective', title: 'Loss' } },
  params: {
    bandwidth: choice({
      title: 'Bandwidth h',
      doc: 'Median heuristic on each batch, or a fixed value.',
      default: 'median',
      options: [
        { value: 'median', label: 'Median heuristic', doc: 'h = the median distance between distinct points of the batch, each step.' },
        { value: 'fixed', label: 'Fixed', doc: 'The value below, in data units.' },
      ],
    }),
    fixedBandwidth: num({
      title: 'Fixed h',
      doc: 'The kernel bandwidth in data units, when fixed.',
      default: 1,
      min: 0,
      exclusiveMin: true,
      max: 1e4,
      scale: 'log',
      visibleWhen: { param: 'bandwidth', oneOf: ['fixed'] },
    }),
  },
  needsSecondOrder: true,
  build(ctx, p, { data, energy }) {
    if (energy.inputDim !== data.dim) throw new Error(`objective.ksd: the energy takes ${energy.inputDim}-D points but the data are ${data.dim}-D`);
    const rng = ctx.rng;
    const score = modelScore(energy);
    return {
      objective: {
        nodeId: ctx.nodeId,
        energy,
        data,
        variables: energy.variables,
        async prepare(batchSize) {
          if (batchSize < 2) throw new Error('objective.ksd: the U-statistic needs a batch of at least 2 points');
          const positive = data.batch(batchSize, rng);
          let h = p.fixedBandwidth;
          if (p.bandwidth === 'median') {
            // medianBandwidth pools its two arguments: the batch's two halves pool back to the batch.
            // (1 if all points coincide.)
            const half = batchSize >> 1;
            const [a, b] = tf.split(positive, [half, batchSize - half]) as [tf.Tensor2D, tf.Tensor2D];
            h = medianBandwidth(a, b);
            tf.dispose([a, b]);
            if (!(h > 0)) h = 1;
          }
          return { tensors: { positive, bandwidth: tf.scalar(h) }, stats: { bandwidth: tf.scalar(h) } };
        },
        loss({ positive, bandwidth }) {
          const x = positive as tf.Tensor2D;
          const s = score(x);
          const ksd = ksdUStatisticWith(x, s, bandwidth as tf.Scalar);
          return {
            loss: ksd,
            metrics: { e_data: tf.mean(energy.energy(x)) as tf.Scalar, score_norm: tf.mean(tf.sqrt(tf.sum(tf.square(s), 1))) as tf.Scalar },
          };
        },
      },
    };
  },
});
