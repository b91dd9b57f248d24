// The `tf` custom code sees: tfjs-core's deterministic tensor ops (ops.ts lists them), with exp,
// sigmoid, tanh, softplus, relu, elu and leakyRelu replaced by the versions of
// nodes/shared/autodiff.ts whose derivatives are right to every order, plus swish and gelu. Each
// entry is a fresh function: custom code never holds tfjs's own function objects, engine or backend.
import * as tf from '@tensorflow/tfjs-core';
import * as ad from '../shared/autodiff.ts';
import { CONSTANT_OPS, OTHER_OPS, VERIFIED_TFJS_OPS, type ReplacedOp } from './ops.ts';

type Op = (...args: unknown[]) => unknown;

const asTensor = (x: unknown): tf.Tensor => (x instanceof tf.Tensor ? x : tf.tensor(x as tf.TensorLike));

/** leakyRelu's verified versions, one per slope used. */
const leaky = new Map<number, (x: tf.Tensor) => tf.Tensor>();

const REPLACED: Record<ReplacedOp, Op> = {
  exp: (x) => ad.exp(asTensor(x)),
  sigmoid: (x) => ad.sigmoid(asTensor(x)),
  tanh: (x) => ad.tanh(asTensor(x)),
  softplus: (x) => ad.softplus(asTensor(x)),
  relu: (x) => ad.relu(asTensor(x)),
  elu: (x) => ad.elu(asTensor(x)),
  swish: (x) => ad.swish(asTensor(x)),
  gelu: (x) => ad.gelu(asTensor(x)),
  leakyRelu: (x, alpha = 0.2) => {
    if (typeof alpha !== 'number' || !(alpha >= 0 && alpha <= 1)) throw new Error(`tf.leakyRelu: alpha must be a number from 0 to 1, got ${String(alpha)}`);
    let f = leaky.get(alpha);
    if (!f) {
      f = ad.leakyRelu(alpha);
      if (leaky.size < 64) leaky.set(alpha, f);
    }
    return f(asTensor(x));
  },
};

/** A new plain object of ops (the sandbox freezes it). */
export function makeFacade(): Record<string, Op> {
  const ops: Record<string, Op> = {};
  const library = tf as unknown as Record<string, Op>;
  for (const name of [...VERIFIED_TFJS_OPS, ...CONSTANT_OPS, ...OTHER_OPS]) {
    const f = library[name];
    if (typeof f !== 'function') throw new Error(`tfjs-core has no op "${name}" (nodes/energy-custom/ops.ts lists it)`);
    ops[name] = (...args) => f(...args);
  }
  return Object.assign(ops, REPLACED);
}
