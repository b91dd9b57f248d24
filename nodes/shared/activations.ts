// The activations energy networks offer. Each is one definition used by every energy node.
import * as tf from '@tensorflow/tfjs-core';

export const ACTIVATIONS = {
  swish: { label: 'Swish / SiLU', doc: 'x·σ(x): smooth, the usual choice for EBMs (IGEBM, JEM, TorchEBM).', fn: (x: tf.Tensor) => tf.mul(x, tf.sigmoid(x)) },
  softplus: { label: 'Softplus', doc: 'log(1 + eˣ): smooth ReLU (ED notebook, NCSN toy).', fn: (x: tf.Tensor) => tf.softplus(x) },
  tanh: { label: 'tanh', doc: 'Bounded and smooth.', fn: (x: tf.Tensor) => tf.tanh(x) },
  sigmoid: { label: 'Sigmoid', doc: 'σ(x) = 1/(1 + e⁻ˣ).', fn: (x: tf.Tensor) => tf.sigmoid(x) },
  elu: { label: 'ELU', doc: 'x for x > 0, eˣ − 1 otherwise.', fn: (x: tf.Tensor) => tf.elu(x) },
  leakyRelu: { label: 'Leaky ReLU', doc: 'max(x, 0.2·x). Piecewise linear: no curvature for score matching.', fn: (x: tf.Tensor) => tf.leakyRelu(x, 0.2) },
  relu: { label: 'ReLU', doc: 'max(x, 0). Piecewise linear: its second derivative is zero almost everywhere.', fn: (x: tf.Tensor) => tf.relu(x) },
  sin: { label: 'Sine', doc: 'sin(x): periodic features (SIREN-style).', fn: (x: tf.Tensor) => tf.sin(x) },
} as const;

export type ActivationName = keyof typeof ACTIVATIONS;

export const ACTIVATION_OPTIONS = (Object.keys(ACTIVATIONS) as ActivationName[]).map((value) => ({
  value,
  label: ACTIVATIONS[value].label,
  doc: ACTIVATIONS[value].doc,
}));
