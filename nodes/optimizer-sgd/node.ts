import * as tf from '@tensorflow/tfjs-core';
import { defineNode } from '../define.ts';
import { bool, num } from '../params.ts';
import { optimizerFor } from '../shared/optimize.ts';

export const optimizerSgdNode = defineNode({
  type: 'optimizer.sgd',
  version: 1,
  category: 'optimizer',
  title: 'SGD',
  doc: 'Stochastic gradient descent, with optional (Nesterov) momentum and clipping of the global gradient norm.',
  reference: 'Polyak (1964); Sutskever et al. (2013)',
  inputs: { objective: { type: 'objective', title: 'Loss' } },
  outputs: { optimizer: { type: 'optimizer', title: 'Updates' } },
  params: {
    learningRate: num({ title: 'Learning rate', doc: 'Step size of the update.', default: 1e-2, min: 0, exclusiveMin: true, max: 100, scale: 'log' }),
    momentum: num({ title: 'Momentum', doc: 'Heavy-ball momentum; 0 is plain SGD.', default: 0.9, min: 0, max: 0.9999 }),
    nesterov: bool({ title: 'Nesterov', doc: 'Use Nesterov’s form of momentum.', default: false }),
    clipNorm: num({ title: 'Clip gradient norm', doc: 'Rescale the gradient when its global norm exceeds this; 0 turns it off.', default: 0, min: 0 }),
  },
  build(ctx, p, { objective }) {
    const sgd = ctx.track(p.momentum > 0 ? tf.train.momentum(p.learningRate, p.momentum, p.nesterov) : tf.train.sgd(p.learningRate));
    return { optimizer: optimizerFor(ctx.nodeId, objective, sgd, p.clipNorm) };
  },
});
