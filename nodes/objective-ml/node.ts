import * as tf from '@tensorflow/tfjs-core';
import { defineNode } from '../define.ts';
import { num } from '../params.ts';

export const objectiveMlNode = defineNode({
  type: 'objective.ml',
  version: 1,
  category: 'objective',
  title: 'Maximum likelihood (MCMC)',
  doc:
    'Maximum likelihood with MCMC samples: minimises the contrastive surrogate mean E(data) − mean E(samples), ' +
    'whose gradient is minus the log-likelihood gradient when the samples come from the model. No gradient flows ' +
    'through the sampler. The optional α term, α·(mean E(data)² + mean E(samples)²), keeps energies near zero ' +
    '(IGEBM, UvA tutorial, TorchEBM). The sampler’s chain start decides the variant: data (CD-k), replay buffer ' +
    '(persistent CD) or noise (short-run MCMC).',
  reference: 'Song & Kingma (2021) §2, eq. for ∇θ log p; methods.md §1.1',
  inputs: {
    data: { type: 'dataset', title: 'Data' },
    energy: { type: 'energy', title: 'Energy' },
    sampler: { type: 'sampler', title: 'Samples' },
  },
  outputs: { objective: { type: 'objective', title: 'Loss' } },
  params: {
    alpha: num({ title: 'Energy L2 α', doc: 'Weight of the energy-magnitude regulariser; 0 turns it off.', default: 0.1, min: 0, max: 100 }),
  },
  build(ctx, p, { data, energy, sampler }) {
    const rng = ctx.rng;
    const samplerRng = ctx.rng.split('sampler');
    return {
      objective: {
        nodeId: ctx.nodeId,
        energy,
        data,
        sampler,
        variables: energy.variables,
        async prepare(batchSize) {
          const positive = data.batch(batchSize, rng);
          const draw = await sampler.sample({ data: positive, rng: samplerRng, persist: true });
          return { tensors: { positive, negative: draw.samples }, stats: draw.stats };
        },
        loss({ positive, negative }) {
          const ePos = energy.energy(positive as tf.Tensor2D);
          const eNeg = energy.energy(negative as tf.Tensor2D);
          const eData = tf.mean(ePos);
          const eSamples = tf.mean(eNeg);
          let loss = tf.sub(eData, eSamples);
          if (p.alpha > 0) loss = tf.add(loss, tf.mul(p.alpha, tf.add(tf.mean(tf.square(ePos)), tf.mean(tf.square(eNeg)))));
          return { loss: loss as tf.Scalar, metrics: { e_data: eData as tf.Scalar, e_samples: eSamples as tf.Scalar, gap: tf.sub(eSamples, eData) as tf.Scalar } };
        },
      },
    };
  },
});
