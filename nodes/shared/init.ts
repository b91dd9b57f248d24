import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../app/runtime/rng.ts';
import type { BuildContext } from '../define.ts';

/**
 * A dense layer's weights (fanIn × fanOut, row-major) and bias (fanOut) with PyTorch's default nn.Linear
 * initialisation (kaiming-uniform with a = √5, i.e. U(−1/√fanIn, 1/√fanIn) for both), so that
 * our networks start where the reference code's do.
 */
export function denseInit(fanIn: number, fanOut: number, rng: Rng): { w: Float32Array; b: Float32Array } {
  const bound = 1 / Math.sqrt(fanIn);
  return { w: rng.uniforms(fanIn * fanOut, -bound, bound), b: rng.uniforms(fanOut, -bound, bound) };
}

/** A trainable variable holding the value `make` computes; the run disposes it at the end. */
export function trainable<T extends tf.Tensor>(ctx: BuildContext, make: () => T): tf.Variable {
  return tf.tidy(() => ctx.track(tf.variable(make())));
}

/** A constant tensor kept for the whole run, computed without leaking intermediates. */
export function constant<T extends tf.Tensor>(ctx: BuildContext, make: () => T): T {
  return ctx.track(tf.tidy(make));
}
