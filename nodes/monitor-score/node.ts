// monitor.score: how well the model's score fits, on held-out data, with no sampler and no normaliser:
// the Fisher divergence to the true score where the data's density is known, and the kernel Stein
// discrepancy (KSD²) of the held-out points under the model's score.
import * as tf from '@tensorflow/tfjs-core';
import { MAX_POINTS_PER_CALL, medianBandwidth } from '../../app/runtime/metrics.ts';
import { defineNode } from '../define.ts';
import { int } from '../params.ts';
import { modelScore } from '../shared/score.ts';
import { ksdUStatistic } from '../shared/stein.ts';

export const monitorScoreNode = defineNode({
  type: 'monitor.score',
  version: 1,
  category: 'monitor',
  title: 'Score fit',
  doc:
    'Scores the model’s score s_θ = −∇ₓE on held-out data at every snapshot, in any dimension, with no sampler and no ' +
    'normalising constant. Fisher divergence (fisher): ½·mean ‖s_θ(x) − ∇ₓ log p_data(x)‖² over every held-out point, ' +
    'where the data’s density is known in closed form (Gaussian data, the Gaussian-mixture toys); the quantity score ' +
    'matching minimises, 0 only at the truth. Kernel Stein discrepancy (ksd): the unbiased U-statistic of KSD² of the ' +
    'first held-out points under s_θ, RBF kernel with the median-heuristic bandwidth of those points; it needs no ' +
    'truth, is 0 in expectation when the model is the data’s density (an estimate can dip slightly below 0), and grows ' +
    'as they part. Both are plotted on a log axis in the Score fit panel.',
  reference: 'methods.md §2.5 (Fisher divergence; SSM fisher_divergence, NCSN toy), §2.6 and §1.4 (KSD; Liu, Lee & Jordan 2016; Chwialkowski et al. 2016)',
  inputs: {
    trainer: { type: 'trainer', title: 'Run' },
  },
  outputs: {},
  params: {
    points: int({
      title: 'KSD points',
      doc: 'Held-out points in the KSD² U-statistic: its cost grows as points² (1000 points: 10⁶ kernel pairs). The Fisher divergence uses every held-out point.',
      default: 1000,
      min: 10,
      max: 5000,
      unit: 'points',
    }),
  },
  build(ctx, p, { trainer }) {
    const { energy, data } = trainer.optimizer.objective;
    const score = modelScore(energy);
    const dim = data.dim;
    const nTest = data.test.shape[0];
    if (nTest < 2) throw new Error('the held-out set needs at least 2 points for the KSD');
    const nKsd = Math.min(p.points, nTest);
    const held = ctx.track(tf.slice(data.test, [0, 0], [nKsd, dim]));
    // The median heuristic over the KSD points alone (none pooled in): fixed for the run, as the points are.
    const none = tf.zeros([0, dim]) as tf.Tensor2D;
    const bandwidth = medianBandwidth(held, none);
    none.dispose();
    // Every held-out point enters the Fisher divergence, in chunks of at most MAX_POINTS_PER_CALL rows.
    const chunks: tf.Tensor2D[] = [];
    if (data.density) {
      for (let from = 0; from < nTest; from += MAX_POINTS_PER_CALL)
        chunks.push(ctx.track(tf.slice(data.test, [from, 0], [Math.min(MAX_POINTS_PER_CALL, nTest - from), dim])));
    }

    ctx.monitor({
      nodeId: ctx.nodeId,
      trainer,
      async evaluate() {
        const metrics: Record<string, number> = {};
        const density = data.density;
        if (density) {
          // ½ mean ‖s_θ − s_data‖²; sums of squares per chunk, added in float64.
          const sums = tf.tidy(() => tf.stack(chunks.map((x) => tf.sum(tf.square(tf.sub(score(x), density.score(x)))))));
          const values = Array.from(await sums.data());
          sums.dispose();
          metrics.fisher = (0.5 * values.reduce((a, v) => a + v, 0)) / nTest;
        }
        if (bandwidth > 0) {
          const ksd = tf.tidy(() => ksdUStatistic(held, score(held), bandwidth));
          metrics.ksd = (await ksd.data())[0]!;
          ksd.dispose();
        } else {
          metrics.ksd = NaN; // every held-out point is the same point: no kernel scale.
        }
        return { metrics };
      },
    });
    return {};
  },
});
