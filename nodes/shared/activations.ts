// The activations energy networks offer. Each is one definition used by every energy node. Smooth
// ones are built from nodes/shared/autodiff.ts, whose derivatives are right to every order (tfjs's
// own are not: methods.md §8), so that score-based objectives train on true gradients.
import * as tf from '@tensorflow/tfjs-core';
import * as ad from './autodiff.ts';

interface Activation {
  label: string;
  doc: string;
  fn: (x: tf.Tensor) => tf.Tensor;
  /** Smooth: second derivatives exist and are verified. Piecewise linear: ∇²ₓE = 0 almost
   * everywhere, which score-based objectives cannot train. */
  curvature: 'smooth' | 'piecewise-linear';
}

export const ACTIVATIONS = {
  swish: { label: 'Swish / SiLU', doc: 'x·σ(x): smooth, the usual choice for EBMs (IGEBM, JEM, TorchEBM).', fn: ad.swish, curvature: 'smooth' },
  softplus: { label: 'Softplus', doc: 'log(1 + eˣ): smooth ReLU (ED notebook, NCSN toy).', fn: ad.softplus, curvature: 'smooth' },
  tanh: { label: 'tanh', doc: 'Bounded and smooth.', fn: ad.tanh, curvature: 'smooth' },
  sigmoid: { label: 'Sigmoid', doc: 'σ(x) = 1/(1 + e⁻ˣ).', fn: ad.sigmoid, curvature: 'smooth' },
  elu: { label: 'ELU', doc: 'x for x > 0, eˣ − 1 otherwise.', fn: ad.elu, curvature: 'smooth' },
  gelu: { label: 'GELU', doc: 'x·Φ(x) with Φ the normal CDF (exact form, as PyTorch’s default).', fn: ad.gelu, curvature: 'smooth' },
  leakyRelu: {
    label: 'Leaky ReLU',
    doc: 'max(x, 0.2·x). Piecewise linear: no curvature for score matching.',
    fn: ad.leakyRelu(0.2),
    curvature: 'piecewise-linear',
  },
  relu: { label: 'ReLU', doc: 'max(x, 0). Piecewise linear: its second derivative is zero almost everywhere.', fn: ad.relu, curvature: 'piecewise-linear' },
  sin: { label: 'Sine', doc: 'sin(x): periodic features (SIREN-style).', fn: (x) => tf.sin(x), curvature: 'smooth' },
} as const satisfies Record<string, Activation>;

export type ActivationName = keyof typeof ACTIVATIONS;

export const ACTIVATION_OPTIONS = (Object.keys(ACTIVATIONS) as ActivationName[]).map((value) => ({
  value,
  label: ACTIVATIONS[value].label,
  doc: ACTIVATIONS[value].doc,
}));

/** Whether an energy built with this activation has second derivatives score matching can use. */
export function activationSecondOrder(name: ActivationName): { ok: true } | { ok: false; reason: string } {
  const a = ACTIVATIONS[name];
  if (a.curvature === 'smooth') return { ok: true };
  return {
    ok: false,
    reason:
      `its activation ${a.label} is piecewise linear, so ∇²ₓE is zero almost everywhere and score matching sees no curvature. ` +
      'Choose a smooth activation (Swish, Softplus, tanh, ELU, GELU), or a first-order objective (finite-difference sliced score matching, NCE, conditional NCE, energy discrepancy, maximum likelihood)',
  };
}
