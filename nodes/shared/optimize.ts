import * as tf from '@tensorflow/tfjs-core';
import type { Objective, Optimizer } from '../define.ts';

/**
 * One update of `objective` with a tfjs optimizer: draw (outside the tape), differentiate the loss
 * with respect to the objective's variables, optionally clip the global gradient norm, apply.
 * Returns loss, the draw's statistics, the objective's metrics and grad_norm (before clipping);
 * the caller disposes them.
 */
export function optimizerFor(nodeId: string, objective: Objective, optimizer: tf.Optimizer, clipNorm: number): Optimizer {
  const vars = objective.variables as tf.Variable[];
  return {
    nodeId,
    objective,
    async step(batchSize) {
      const { tensors, stats = {} } = await objective.prepare(batchSize);
      try {
        return tf.tidy(() => {
          let metrics: Record<string, tf.Scalar> = {};
          const { value, grads } = tf.variableGrads(() => {
            const terms = objective.loss(tensors);
            metrics = Object.fromEntries(Object.entries(terms.metrics).map(([k, v]) => [k, tf.keep(v)]));
            return terms.loss;
          }, vars);
          const names = Object.keys(grads);
          const gradNorm = tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n]!))))) as tf.Scalar;
          if (clipNorm > 0) {
            // Scale by min(1, c/‖g‖): a no-op below the threshold.
            const scale = tf.minimum(1, tf.div(clipNorm, tf.add(gradNorm, 1e-12)));
            for (const n of names) grads[n] = tf.mul(grads[n]!, scale);
          }
          optimizer.applyGradients(grads);
          return { loss: value, ...stats, ...metrics, grad_norm: gradNorm };
        });
      } finally {
        tf.dispose(tensors);
      }
    },
  };
}
