import * as tf from '@tensorflow/tfjs-core';
import { defineNode } from '../define.ts';
import { num } from '../params.ts';
import { optimizerFor } from '../shared/optimize.ts';

export const optimizerAdamNode = defineNode({
  type: 'optimizer.adam',
  version: 1,
  category: 'optimizer',
  title: 'Adam',
  doc:
    'Adam (Kingma & Ba 2015) on the objective’s parameters, with optional clipping of the global gradient norm. ' +
    'β₁ = 0 is common for MCMC-trained EBMs (IGEBM, UvA tutorial), where the gradient changes sign often.',
  reference: 'Kingma & Ba (2015); methods.md §3.9',
  inputs: { objective: { type: 'objective', title: 'Loss' } },
  outputs: { optimizer: { type: 'optimizer', title: 'Updates' } },
  params: {
    learningRate: num({ title: 'Learning rate', doc: 'Step size of the update.', default: 1e-3, min: 0, exclusiveMin: true, max: 10, scale: 'log' }),
    beta1: num({ title: 'β₁', doc: 'Decay of the first-moment (momentum) average.', default: 0.9, min: 0, max: 0.9999 }),
    beta2: num({ title: 'β₂', doc: 'Decay of the second-moment average.', default: 0.999, min: 0, max: 0.999999 }),
    epsilon: num({ title: 'ε', doc: 'Added to the denominator for stability (PyTorch’s default 1e-8).', default: 1e-8, min: 0, exclusiveMin: true, max: 1, scale: 'log' }),
    clipNorm: num({ title: 'Clip gradient norm', doc: 'Rescale the gradient when its global norm exceeds this; 0 turns it off.', default: 0, min: 0 }),
  },
  build(ctx, p, { objective }) {
    const adam = ctx.track(tf.train.adam(p.learningRate, p.beta1, p.beta2, p.epsilon));
    return { optimizer: optimizerFor(ctx.nodeId, objective, adam, p.clipNorm) };
  },
});
