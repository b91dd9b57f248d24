import * as tf from '@tensorflow/tfjs-core';
import { defineNode } from '../define.ts';
import { choice, int, num } from '../params.ts';

/** Each coordinate's standard deviation (divided by n) of row-major points, in float64; a
 * coordinate without spread gets 1, so that ε stays a perturbation. */
export function coordinateStd(points: ArrayLike<number>, dim: number): number[] {
  const n = points.length / dim;
  const sum = new Float64Array(dim);
  const sumSq = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let c = 0; c < dim; c++) sum[c]! += points[i * dim + c]!;
  const mean = Array.from(sum, (s) => s / n);
  for (let i = 0; i < n; i++) for (let c = 0; c < dim; c++) sumSq[c]! += (points[i * dim + c]! - mean[c]!) ** 2;
  return Array.from(sumSq, (s) => (s > 0 ? Math.sqrt(s / n) : 1));
}

export const objectiveCnceNode = defineNode({
  type: 'objective.cnce',
  version: 1,
  category: 'objective',
  title: 'Conditional NCE',
  doc:
    'Conditional noise-contrastive estimation (Ceylan & Gutmann 2018): each data point x is paired with κ ' +
    'perturbed copies x′ = x + ε·z, z ~ N(0, I), and the energy learns to tell which of the pair is the data. ' +
    'With a symmetric perturbation both the noise density and the normaliser cancel, leaving ' +
    'mean softplus(E(x) − E(x′)): no log Z, no noise density, no sampler, first-order only. As ε → 0 it ' +
    'becomes score matching; large ε makes the classification easy and the gradient weak. By default ε is ' +
    'relative: ε times each coordinate’s standard deviation in the training set (ε = 0.5, a perturbation of ' +
    'half a standard deviation, where the two points are hard but not hopeless to tell apart; Ceylan & ' +
    'Gutmann likewise tie ε to the data’s scale). Metrics: the accuracy of the implied classifier, ' +
    'E(x) < E(x′), and the mean energies.',
  reference: 'Ceylan & Gutmann (2018), “Conditional noise-contrastive estimation of unnormalised models”; methods.md §1.3',
  inputs: {
    data: { type: 'dataset', title: 'Data' },
    energy: { type: 'energy', title: 'Energy' },
  },
  outputs: { objective: { type: 'objective', title: 'Loss' } },
  params: {
    epsilon: num({
      title: 'Perturbation ε',
      doc: 'Size of the perturbation x′ = x + ε·z: in data standard deviations (relative) or in data units (absolute).',
      default: 0.5,
      min: 0,
      exclusiveMin: true,
      max: 1000,
      scale: 'log',
    }),
    epsilonUnits: choice({
      title: 'ε units',
      doc: 'Relative: coordinate c is perturbed by ε·std_c of the training set. Absolute: by ε in every coordinate.',
      default: 'relative',
      options: [
        { value: 'relative', label: 'Data standard deviations' },
        { value: 'absolute', label: 'Data units' },
      ],
    }),
    pairs: int({ title: 'Pairs per point κ', doc: 'Perturbed copies of each data point; the loss averages over all pairs.', default: 1, min: 1, max: 1000 }),
  },
  build(ctx, p, { data, energy }) {
    if (energy.inputDim !== data.dim) throw new Error(`objective.cnce: the energy takes ${energy.inputDim}-D points but the data are ${data.dim}-D`);
    const rng = ctx.rng;
    const noiseRng = ctx.rng.split('perturbation');
    const d = data.dim;
    const scale =
      p.epsilonUnits === 'absolute'
        ? Array<number>(d).fill(p.epsilon)
        : coordinateStd(data.train.dataSync(), d).map((std) => p.epsilon * std);
    const scaleT = ctx.track(tf.tensor1d(scale));
    return {
      objective: {
        nodeId: ctx.nodeId,
        energy,
        data,
        variables: energy.variables,
        async prepare(batchSize) {
          const n = batchSize * p.pairs;
          return tf.tidy(() => {
            const x = data.batch(batchSize, rng);
            // Row i·κ + j is data point i (repeated) and its j-th perturbed copy.
            const positive = p.pairs === 1 ? x : (tf.reshape(tf.tile(tf.expandDims(x, 1), [1, p.pairs, 1]), [n, d]) as tf.Tensor2D);
            const perturbed = tf.add(positive, tf.mul(scaleT, tf.tensor2d(noiseRng.normals(n * d), [n, d])));
            return { tensors: { positive, perturbed } };
          });
        },
        loss({ positive, perturbed }) {
          const ePos = energy.energy(positive as tf.Tensor2D);
          const ePert = energy.energy(perturbed as tf.Tensor2D);
          const diff = tf.sub(ePos, ePert);
          return {
            loss: tf.mean(tf.softplus(diff)) as tf.Scalar,
            metrics: {
              accuracy: tf.mean(tf.cast(tf.less(diff, 0), 'float32')) as tf.Scalar,
              e_data: tf.mean(ePos) as tf.Scalar,
              e_perturbed: tf.mean(ePert) as tf.Scalar,
            },
          };
        },
      },
    };
  },
});
