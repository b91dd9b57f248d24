// The model's score s_θ(x) = −∇ₓE_θ(x), the quantity score matching, KSD and the Fisher
// divergence are written in. Built with tf.grad, so inside a loss it stays differentiable with
// respect to θ (through the verified activations of nodes/shared/autodiff.ts).
import * as tf from '@tensorflow/tfjs-core';
import type { EnergyModel } from '../define.ts';

/** ∇ₓE(x), one row per row of x. */
export function energyGradient(energy: EnergyModel): (x: tf.Tensor2D) => tf.Tensor2D {
  const grad = tf.grad((x: tf.Tensor) => tf.sum(energy.energy(x as tf.Tensor2D)));
  return (x) => grad(x) as tf.Tensor2D;
}

/** s_θ(x) = −∇ₓE(x), one row per row of x. */
export function modelScore(energy: EnergyModel): (x: tf.Tensor2D) => tf.Tensor2D {
  const grad = energyGradient(energy);
  return (x) => tf.tidy(() => tf.neg(grad(x)));
}
