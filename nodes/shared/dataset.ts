// The one Dataset implementation that data nodes share: fixed train and test tensors registered
// with the run (disposed when it ends), a box around the data, and batches drawn with replacement
// from the node's own seeded stream.
import * as tf from '@tensorflow/tfjs-core';
import { boundsOf } from '../../app/runtime/metrics.ts';
import type { Rng } from '../../app/runtime/rng.ts';
import type { BuildContext, Dataset } from '../define.ts';

/** Margin of the data box on each side, as a fraction of the data's extent. */
export const BOUNDS_MARGIN = 0.05;

export interface DatasetSpec {
  name: string;
  dim: number;
  /** Row-major points, trainSize × dim and testSize × dim. */
  train: Float32Array;
  test: Float32Array;
  entropy?: number;
  truth?: Record<string, number | number[]>;
}

/** Builds a Dataset from generated points; its tensors are handed to ctx.track. */
export function makeDataset(ctx: BuildContext, spec: DatasetSpec): Dataset {
  const { dim } = spec;
  if (spec.train.length === 0 || spec.train.length % dim || spec.test.length % dim)
    throw new Error(`dataset "${spec.name}": point arrays must hold a whole number of ${dim}-D points, train at least one`);
  const nTrain = spec.train.length / dim;
  const train = ctx.track(tf.tensor2d(spec.train, [nTrain, dim]));
  const test = ctx.track(tf.tensor2d(spec.test, [spec.test.length / dim, dim]));
  const bounds = boundsOf([spec.train, spec.test], dim, BOUNDS_MARGIN);
  return {
    nodeId: ctx.nodeId,
    name: spec.name,
    dim,
    train,
    test,
    bounds,
    ...(spec.entropy !== undefined ? { entropy: spec.entropy } : {}),
    ...(spec.truth !== undefined ? { truth: spec.truth } : {}),
    batch(n: number, rng: Rng): tf.Tensor2D {
      if (!Number.isInteger(n) || n < 1) throw new Error(`batch size must be a whole number ≥ 1, got ${n}`);
      return tf.tidy(() => tf.gather(train, tf.tensor1d(rng.ints(n, nTrain), 'int32')));
    },
  };
}
