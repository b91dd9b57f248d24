import * as tf from '@tensorflow/tfjs-core';
import { defineNode } from '../define.ts';
import { num } from '../params.ts';
import { trainable } from '../shared/init.ts';

export const objectiveNceNode = defineNode({
  type: 'objective.nce',
  version: 1,
  category: 'objective',
  title: 'Noise-contrastive estimation',
  doc:
    'Noise-contrastive estimation (Gutmann & Hyvärinen 2010): train the energy as a classifier between data ' +
    'and noise drawn from a known density p_n. The model log p_θ(x) = −E(x) − c carries its own learnable ' +
    'normaliser c ≈ log Z, and the logit is G(x) = log p_θ(x) − log(ν·p_n(x)); the loss is ' +
    'mean_data softplus(−G) + ν·mean_noise softplus(G), with ν noise points per data point. At the optimum ' +
    'p_θ = p_data and c = log Z (self-normalisation). First-order only, no sampler. It works when the noise ' +
    'is close to the data and covers its support (a Gaussian fitted to the data with ν = 1 is the usual 2-D ' +
    'choice, methods.md §1.3); in high dimensions the classification becomes too easy and learning stalls. ' +
    'Metrics: log_z (c), the classifier’s accuracy (0.5 when the model matches the data and ν = 1), and the ' +
    'mean energies of data and noise.',
  reference: 'Gutmann & Hyvärinen (2010); Song & Kingma (2021) §4; methods.md §1.3',
  inputs: {
    data: { type: 'dataset', title: 'Data' },
    energy: { type: 'energy', title: 'Energy' },
    noise: { type: 'noise', title: 'Noise', doc: 'The contrast: a distribution with a density that covers the data' },
  },
  outputs: { objective: { type: 'objective', title: 'Loss' } },
  params: {
    noiseRatio: num({
      title: 'Noise ratio ν',
      doc: 'Noise points per data point (round(ν·batch) are drawn). More noise lowers the variance of the estimate at more cost; 1 is the usual choice.',
      default: 1,
      min: 0,
      exclusiveMin: true,
      max: 1000,
      scale: 'log',
    }),
    initLogZ: num({ title: 'Initial log Z', doc: 'Starting value of the learnable normaliser c.', default: 0 }),
  },
  build(ctx, p, { data, energy, noise }) {
    if (noise.dim !== data.dim) throw new Error(`objective.nce: the noise is ${noise.dim}-D but the data are ${data.dim}-D`);
    if (energy.inputDim !== data.dim) throw new Error(`objective.nce: the energy takes ${energy.inputDim}-D points but the data are ${data.dim}-D`);
    const rng = ctx.rng;
    const noiseRng = ctx.rng.split('noise');
    // c ≈ log Z, trained with the energy's parameters.
    const logZ = trainable(ctx, () => tf.scalar(p.initLogZ));
    return {
      objective: {
        nodeId: ctx.nodeId,
        energy,
        data,
        variables: [...energy.variables, logZ],
        async prepare(batchSize) {
          const nNoise = Math.max(1, Math.round(p.noiseRatio * batchSize));
          const positive = data.batch(batchSize, rng);
          const negative = noise.sample(nNoise, noiseRng);
          // log p_n is fixed: evaluated here, outside the tape.
          return { tensors: { positive, negative, logNoisePositive: noise.logDensity(positive), logNoiseNegative: noise.logDensity(negative) } };
        },
        loss({ positive, negative, logNoisePositive, logNoiseNegative }) {
          // ν as drawn: the noise-to-data ratio of this batch (round(ν·B)/B).
          const nu = negative!.shape[0] / positive!.shape[0];
          const ePos = energy.energy(positive as tf.Tensor2D);
          const eNeg = energy.energy(negative as tf.Tensor2D);
          // G = −E − c − log ν − log p_n. Where p_n = 0 (outside a uniform box) G = +∞: softplus(−∞) = 0
          // with a zero gradient, i.e. a point the noise cannot produce is surely data.
          const logit = (e: tf.Tensor, logPn: tf.Tensor): tf.Tensor => tf.sub(tf.sub(tf.neg(e), logZ), tf.add(logPn, Math.log(nu)));
          const gPos = logit(ePos, logNoisePositive!);
          const gNeg = logit(eNeg, logNoiseNegative!);
          const loss = tf.add(tf.mean(tf.softplus(tf.neg(gPos))), tf.mul(nu, tf.mean(tf.softplus(gNeg)))) as tf.Scalar;
          const correct = tf.add(tf.sum(tf.cast(tf.greater(gPos, 0), 'float32')), tf.sum(tf.cast(tf.less(gNeg, 0), 'float32')));
          return {
            loss,
            metrics: {
              log_z: tf.clone(logZ) as tf.Scalar,
              accuracy: tf.div(correct, gPos.shape[0]! + gNeg.shape[0]!) as tf.Scalar,
              e_data: tf.mean(ePos) as tf.Scalar,
              e_noise: tf.mean(eNeg) as tf.Scalar,
            },
          };
        },
      },
    };
  },
});
