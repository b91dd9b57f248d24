// noise.uniform: the uniform density on a box, around the data or given explicitly.
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../app/runtime/rng.ts';
import type { NoiseDistribution } from '../define.ts';
import { defineNode } from '../define.ts';
import { choice, num } from '../params.ts';
import { checkCount, checkPoints } from '../noise-gaussian/node.ts';

/** A uniform noise distribution, with its box for readouts. */
export interface UniformNoise extends NoiseDistribution {
  readonly box: readonly (readonly [number, number])[];
}

export const noiseUniformNode = defineNode({
  type: 'noise.uniform',
  version: 1,
  category: 'noise',
  title: 'Uniform noise',
  doc:
    'The uniform density on a box: log p_n(x) = −log(volume) inside, −∞ outside. By default the box is the ' +
    'data’s box (which holds every training and test point) widened on each side by a margin, so that the ' +
    'noise covers the whole support, as noise-contrastive estimation requires; or give the box explicitly. ' +
    'A uniform contrast is easy to beat in more than a few dimensions (most of the box is far from the data); ' +
    'prefer the Gaussian or mixture noise there. With a fixed box, data outside it are classified as data with ' +
    'certainty and teach the energy nothing.',
  reference: 'Gutmann & Hyvärinen (2010); methods.md §1.3',
  inputs: { data: { type: 'dataset', title: 'Data', doc: 'Gives the box (and the dimension)' } },
  outputs: { noise: { type: 'noise', title: 'Noise' } },
  params: {
    box: choice({
      title: 'Box',
      doc: 'Around the data (with a margin) or fixed bounds, the same in every coordinate.',
      default: 'data',
      options: [
        { value: 'data', label: 'Data box + margin', doc: 'The data set’s box widened by the margin on each side.' },
        { value: 'fixed', label: 'Fixed [low, high]ᵈ', doc: 'The same interval in every coordinate.' },
      ],
    }),
    margin: num({
      title: 'Margin',
      doc: 'Added on each side, as a fraction of the data box’s extent in that coordinate.',
      default: 0.1,
      min: 0,
      max: 100,
      visibleWhen: { param: 'box', oneOf: ['data'] },
    }),
    low: num({ title: 'Low', doc: 'Lower edge of the box, every coordinate.', default: -4, visibleWhen: { param: 'box', oneOf: ['fixed'] } }),
    high: num({ title: 'High', doc: 'Upper edge of the box, every coordinate.', default: 4, visibleWhen: { param: 'box', oneOf: ['fixed'] } }),
  },
  check: (p) =>
    p.box === 'fixed' && !(p.low < p.high)
      ? [{ code: 'PARAM_INVALID', severity: 'error', param: 'high', message: `the box is empty: low ${p.low} must be below high ${p.high}` }]
      : [],
  build(ctx, p, { data }) {
    const d = data.dim;
    const box: [number, number][] =
      p.box === 'fixed'
        ? Array.from({ length: d }, () => [p.low, p.high])
        : data.bounds.map(([lo, hi]) => {
            const pad = p.margin * (hi - lo);
            return [lo - pad, hi + pad];
          });
    for (const [lo, hi] of box) if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) throw new Error(`noise.uniform: bad box [${lo}, ${hi}]`);
    const logDensityInside = -box.reduce((s, [lo, hi]) => s + Math.log(hi - lo), 0);
    const lowT = ctx.track(tf.tensor1d(box.map((b) => b[0])));
    const highT = ctx.track(tf.tensor1d(box.map((b) => b[1])));
    const noise: UniformNoise = {
      nodeId: ctx.nodeId,
      dim: d,
      box,
      sample(n: number, rng: Rng): tf.Tensor2D {
        checkCount(n, 'noise.uniform');
        const u = new Float32Array(n * d);
        for (let i = 0; i < u.length; i++) {
          const [lo, hi] = box[i % d]!;
          // In float64, clamped so that rounding can never leave the box (float32 rounding is
          // monotone, so the stored point stays inside the float32 box logDensity tests against).
          u[i] = Math.min(hi, Math.max(lo, lo + (hi - lo) * rng.next()));
        }
        return tf.tensor2d(u, [n, d]);
      },
      logDensity(x: tf.Tensor2D): tf.Tensor1D {
        checkPoints(x, d, 'noise.uniform');
        return tf.tidy(() => {
          const inside = tf.all(tf.logicalAnd(tf.greaterEqual(x, lowT), tf.lessEqual(x, highT)), 1);
          return tf.where(inside, tf.fill([x.shape[0]], logDensityInside), tf.fill([x.shape[0]], -Infinity)) as tf.Tensor1D;
        });
      },
    };
    return { noise };
  },
});
