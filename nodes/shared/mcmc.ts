// What the Metropolis-adjusted samplers (MALA, HMC) share: the accept/reject step, per chain, and
// the step-size adaptation towards a target acceptance rate. Everything stays on the device during a
// draw (no read-back per step); the adapted step size is read once, at the end of a persistent draw.
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../app/runtime/rng.ts';
import { bool, num } from '../params.ts';

/** Bounds of an adapted step size. */
export const STEP_BOUNDS = [1e-6, 10] as const;
/** Multiplicative change of the step size after each step when adapting. */
export const ADAPT_RATE = 0.02;

/** The adaptive-step parameters of a Metropolis-adjusted sampler, with its usual target acceptance. */
export function adaptParams(targetDefault: number, provenance: string) {
  return {
    adaptStep: bool({
      title: 'Adapt the step',
      doc:
        'After each step, multiply the step size by 1.02 if the batch’s mean acceptance probability is above the target, ' +
        'else by 0.98 (kept in [1e-6, 10]). Only training draws keep the adapted size; monitors never change it.',
      default: false,
    }),
    targetAcceptance: num({
      title: 'Target acceptance',
      doc: `The acceptance rate the adaptation steers to (${provenance}).`,
      default: targetDefault,
      min: 0.01,
      max: 0.99,
      visibleWhen: { param: 'adaptStep', oneOf: [true] },
    }),
  } as const;
}

/**
 * Metropolis accept/reject per chain: accepts where u < exp(logAlpha), u ~ U[0, 1) from `rng`.
 * A NaN log-ratio (a proposal with NaN or infinite energy) counts as −∞: rejected.
 * Returns the decisions as an [n, 1] bool mask (broadcasts over rows) and the mean acceptance
 * probability min(1, exp(logAlpha)) over the chains, which is less noisy than the fraction accepted.
 */
export function metropolis(logAlpha: tf.Tensor1D, rng: Rng): { accept: tf.Tensor2D; probability: tf.Scalar } {
  return tf.tidy(() => {
    const n = logAlpha.shape[0];
    const safe = tf.where(tf.isNaN(logAlpha), tf.fill([n], -Infinity), logAlpha);
    const logU = tf.log(tf.tensor1d(rng.uniforms(n)));
    const accept = tf.reshape(tf.less(logU, safe), [n, 1]) as tf.Tensor2D;
    const probability = tf.mean(tf.exp(tf.minimum(safe, 0))) as tf.Scalar;
    return { accept, probability };
  });
}

/** Rows of `a` where `accept` ([n, 1]) holds, else rows of `b`. */
export function pick<T extends tf.Tensor>(accept: tf.Tensor2D, a: T, b: T): T {
  return tf.tidy(() => (a.rank === 1 ? tf.where(tf.reshape(accept, [-1]), a, b) : tf.where(accept, a, b)) as T);
}

/**
 * A sampler's step size, adapted towards a target acceptance when asked. The value outlives draws
 * only through persistent draws (training); a monitor's draw adapts its own copy and drops it.
 */
export class StepSize {
  private value: number;

  constructor(
    initial: number,
    readonly adapt: boolean,
    readonly target: number,
  ) {
    this.value = initial;
  }

  /** The step size now (what the next draw starts from). */
  get current(): number {
    return this.value;
  }

  /** The step size a draw starts from, as a scalar the caller disposes. */
  start(): tf.Scalar {
    return tf.scalar(this.value);
  }

  /** The step size after a step with this batch acceptance (a new scalar; `eps` is left alone). */
  next(eps: tf.Scalar, acceptance: tf.Scalar): tf.Scalar {
    if (!this.adapt) return eps.clone();
    return tf.tidy(() => {
      const up = tf.mul(eps, 1 + ADAPT_RATE);
      const down = tf.mul(eps, 1 - ADAPT_RATE);
      return tf.clipByValue(tf.where(tf.greater(acceptance, this.target), up, down), STEP_BOUNDS[0], STEP_BOUNDS[1]) as tf.Scalar;
    });
  }

  /** Keeps a draw's final step size for later draws, when the draw persists and adapts. */
  async finish(eps: tf.Scalar, persist: boolean): Promise<void> {
    if (this.adapt && persist) this.value = (await eps.data())[0]!;
  }
}

/** Disposes the tensors of a list that may hold nulls (state not made yet). */
export function disposeAll(tensors: readonly (tf.Tensor | null | undefined)[]): void {
  for (const t of tensors) t?.dispose();
}
