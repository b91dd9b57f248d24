import * as tf from '@tensorflow/tfjs-core';
import { defineNode } from '../define.ts';
import { choice, int, intList } from '../params.ts';
import { ACTIVATIONS, ACTIVATION_OPTIONS, activationSecondOrder } from '../shared/activations.ts';
import { denseInit, trainable } from '../shared/init.ts';

export const energyMlpNode = defineNode({
  type: 'energy.mlp',
  version: 1,
  category: 'energy',
  title: 'MLP energy',
  doc:
    'A fully connected network E_θ: Rᵈ → R, the workhorse energy of the toy experiments: d → hidden widths → 1, ' +
    'with the chosen activation between layers and a linear output. Weights start from PyTorch’s default ' +
    'initialisation. Smooth activations (Swish, Softplus) suit every objective; ReLU gives a piecewise-linear ' +
    'energy that score matching cannot train.',
  reference: 'Song & Kingma (2021) §2; methods.md §6.3 (2-128-128-1 Swish/Softplus defaults)',
  inputs: {},
  outputs: { energy: { type: 'energy', title: 'Energy' } },
  params: {
    inputDim: int({ title: 'Input dimension', doc: 'Dimension d of the points the energy takes; must match the data.', default: 2, min: 1, max: 4096 }),
    hidden: intList({
      title: 'Hidden widths',
      doc: 'Width of each hidden layer, input side first.',
      default: [128, 128],
      min: 1,
      max: 4096,
      minLength: 1,
      maxLength: 16,
      unit: 'units',
    }),
    activation: choice({ title: 'Activation', doc: 'Non-linearity after each hidden layer.', default: 'swish', options: ACTIVATION_OPTIONS }),
  },
  dim: (p) => p.inputDim,
  secondOrder: (p) => activationSecondOrder(p.activation),
  build(ctx, p) {
    const act = ACTIVATIONS[p.activation].fn;
    const widths = [p.inputDim, ...p.hidden, 1];
    const layers = widths.slice(1).map((fanOut, i) => {
      const { w, b } = denseInit(widths[i]!, fanOut, ctx.rng);
      return { w: trainable(ctx, () => tf.tensor2d(w, [widths[i]!, fanOut])), b: trainable(ctx, () => tf.tensor1d(b)) };
    });
    const last = layers.length - 1;
    return {
      energy: {
        nodeId: ctx.nodeId,
        inputDim: p.inputDim,
        variables: layers.flatMap((l) => [l.w, l.b]),
        energy: (x) =>
          tf.tidy(() => {
            let h: tf.Tensor2D = x;
            layers.forEach((l, i) => {
              // Not tf.fused.matMul: its gradient always computes the weight and bias gradients, even
              // for the sampler's ∇x E, which made the whole PCD loop 1.5x slower (bench/).
              h = tf.add(tf.matMul(h, l.w as tf.Tensor2D), l.b);
              if (i < last) h = act(h) as tf.Tensor2D;
            });
            return tf.reshape(h, [-1]) as tf.Tensor1D;
          }),
      },
    };
  },
});
