// Elementwise functions whose derivatives are right to every order.
//
// tfjs 4.22's own gradients for sigmoid, tanh and exp reuse the op's saved output, which the outer
// tape of a nested tf.grad never recorded: a second derivative either throws ("Cannot compute
// gradient of y=f(x)") or, inside a network, silently drops terms (swish, log1p(exp)); methods.md
// §8 has the measurements. Score matching, sliced and denoising score matching and KSD
// differentiate ∇ₓE with respect to θ, i.e. they need the third derivative of every activation.
//
// Each function here is a tf.customGrad whose backward pass is written with functions of the
// *input* from this same file, so differentiating the backward pass records it on the outer tape,
// recursively, at any order. test/unit/nodes/autodiff.test.ts checks first, second and third
// derivatives, and the mixed ∂θ∂ₓ derivatives of networks built from them, against finite
// differences on every backend that loads.
import * as tf from '@tensorflow/tfjs-core';

type Elementwise = (x: tf.Tensor) => tf.Tensor;

/** A function with value `value(x)` and derivative `derivative(x)`, the latter built from
 * verified functions so that it can itself be differentiated. */
function verified(value: Elementwise, derivative: Elementwise): Elementwise {
  // The input is saved (kept alive past the tidy that made it) and the derivative recomputed from
  // it in the backward pass, rather than from the saved output as tfjs's own gradients do.
  const f = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x]);
    return {
      value: value(x),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, derivative(saved[0]!)),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (x) => f(x);
}

/** eˣ; its derivative is itself. */
export const exp: Elementwise = verified(
  (x) => tf.exp(x),
  (x) => exp(x),
);

/** σ(x) = 1/(1 + e⁻ˣ); σ' = σ(1 − σ). */
export const sigmoid: Elementwise = verified(
  (x) => tf.sigmoid(x),
  (x) => {
    const s = sigmoid(x);
    return tf.mul(s, tf.sub(1, s));
  },
);

/** tanh x; tanh' = 1 − tanh². */
export const tanh: Elementwise = verified(
  (x) => tf.tanh(x),
  (x) => tf.sub(1, tf.square(tanh(x))),
);

/** log(1 + eˣ), computed stably by tfjs; its derivative is σ(x). */
export const softplus: Elementwise = verified(
  (x) => tf.softplus(x),
  (x) => sigmoid(x),
);

/** x·σ(x) (Swish with β = 1, SiLU): a product of verified functions. */
export const swish: Elementwise = (x) => tf.mul(x, sigmoid(x));

/** 0, with a derivative that is itself: a zero that stays on the tape, so that the derivatives of
 * piecewise-linear functions can be differentiated again (tfjs's own give up: the third derivative
 * of tf.relu is not connected to x, and tf.leakyRelu's second needs the gradient of Greater, which
 * tfjs does not have). */
const zero: Elementwise = verified(
  (x) => tf.zerosLike(x),
  (x) => zero(x),
);

/** 1 for x > 0, 0 otherwise; its derivative is 0 (almost everywhere: the kink is ignored). */
const step: Elementwise = verified(
  (x) => tf.step(x),
  (x) => zero(x),
);

/** min(x, 0); its derivative is 1 − step(x). */
const minZero: Elementwise = verified(
  (x) => tf.minimum(x, 0),
  (x) => tf.sub(1, step(x)),
);

/** max(x, 0); its derivative is step(x), and every higher one 0 away from the kink. */
export const relu: Elementwise = verified(
  (x) => tf.relu(x),
  (x) => step(x),
);

/** max(x, αx) for 0 ≤ α ≤ 1; its derivative is α + (1 − α)·step(x). */
export function leakyRelu(alpha: number): Elementwise {
  return verified(
    (x) => tf.leakyRelu(x, alpha),
    (x) => tf.add(alpha, tf.mul(1 - alpha, step(x))),
  );
}

/** x for x > 0, eˣ − 1 otherwise; the derivative is 1 or eˣ, written e^min(x, 0) (so that the
 * branch not taken never overflows, and with no comparison on the tape: tfjs has no gradient for
 * Greater, so a tf.where(tf.greater(x, 0), …) here made the second derivative throw). */
export const elu: Elementwise = verified(
  (x) => tf.elu(x),
  (x) => exp(minZero(x)),
);

const INV_SQRT_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** The standard normal density φ(x) = e^(−x²/2)/√(2π). */
export const normalPdf: Elementwise = (x) => tf.mul(INV_SQRT_2PI, exp(tf.mul(-0.5, tf.square(x))));

/** The standard normal CDF Φ(x) = ½(1 + erf(x/√2)); Φ' = φ. */
export const normalCdf: Elementwise = verified(
  (x) => tf.mul(0.5, tf.add(1, tf.erf(tf.mul(x, INV_SQRT_2)))),
  (x) => normalPdf(x),
);

/** GELU, exact form x·Φ(x) (PyTorch's default), a product of verified functions. */
export const gelu: Elementwise = (x) => tf.mul(x, normalCdf(x));
