import * as tf from '@tensorflow/tfjs-core';
import { gridNll, gridPoints, mmd2 } from '../../app/runtime/metrics.ts';
import { defineNode } from '../define.ts';
import { int, num } from '../params.ts';

/** Grid of the pictures: finer than the eye needs, far smaller than the NLL grid. */
const DISPLAY_GRID = 100;

/** The energy at the centres of an n × n grid of cells over `bounds`, as gridNll lays them out. */
async function displayGrid(energy: (x: tf.Tensor2D) => tf.Tensor1D, bounds: [[number, number], [number, number]], n = DISPLAY_GRID): Promise<Float32Array> {
  const e = tf.tidy(() => energy(tf.tensor2d(gridPoints(bounds, n), [n * n, 2])));
  const values = (await e.data()) as Float32Array;
  e.dispose();
  return values;
}

export const monitorDensity2dNode = defineNode({
  type: 'monitor.density2d',
  version: 1,
  category: 'monitor',
  title: 'Density 2D',
  doc:
    'Evaluates a 2D model on held-out data at every snapshot: the exact negative log-likelihood by normalising ' +
    'exp(−E) on a grid (nats per point), NLL minus the data’s entropy where it is known (= KL(p_data‖p_θ), an ' +
    'absolute score; 0 is perfect), and the MMD² between model samples and held-out data (which judges sampler ' +
    'and model together). Draws the samples over the energy heat map.',
  reference: 'methods.md §2.1 (grid NLL), §2.4 (KL to a known truth), §2.7 (MMD), §4.3 (entropies)',
  inputs: {
    trainer: { type: 'trainer', title: 'Run' },
    sampler: { type: 'sampler', title: 'Samples', optional: true, doc: 'Draws the evaluation samples; the objective’s sampler when unconnected.' },
  },
  outputs: {},
  requiresDim: 2,
  params: {
    gridSize: int({ title: 'Grid points per axis', doc: 'The NLL grid is this squared; size it so the spacing is below half the narrowest feature.', default: 200, min: 200, max: 1000 }),
    samples: int({ title: 'Samples', doc: 'Model samples drawn for MMD² and the picture (held-out points: as many).', default: 1000, min: 10, max: 20000 }),
    margin: num({ title: 'Grid margin', doc: 'The grid covers the data’s box widened by this fraction of its size on each side.', default: 0.2, min: 0, max: 5 }),
  },
  build(ctx, p, { trainer, sampler }) {
    const { energy, data } = trainer.optimizer.objective;
    const drawFrom = sampler ?? trainer.optimizer.objective.sampler;
    const rng = ctx.rng;
    const [bx, by] = data.bounds as [[number, number], [number, number]];
    const widen = ([lo, hi]: readonly [number, number]): [number, number] => [lo - p.margin * (hi - lo), hi + p.margin * (hi - lo)];
    const bounds: [[number, number], [number, number]] = [widen(bx), widen(by)];
    const nHeld = Math.min(p.samples, data.test.shape[0]);
    const held = ctx.track(tf.slice(data.test, [0, 0], [nHeld, 2]));
    const heldFlat = Array.from(held.dataSync());

    ctx.monitor({
      nodeId: ctx.nodeId,
      trainer,
      plot: { kind: 'samples', nodeId: ctx.nodeId },
      async evaluate(step) {
        const { nll } = await gridNll((x) => energy.energy(x), data.test, bounds, p.gridSize);
        const metrics: Record<string, number> = { nll };
        if (data.entropy !== undefined) metrics.nll_minus_entropy = nll - data.entropy;
        let samples: number[] = [];
        if (drawFrom) {
          const start = tf.tidy(() => tf.slice(tf.tile(held, [Math.ceil(p.samples / nHeld), 1]), [0, 0], [p.samples, 2]) as tf.Tensor2D);
          const draw = await drawFrom.sample({ data: start, rng, persist: false });
          start.dispose();
          tf.dispose(draw.stats);
          const x = draw.samples;
          metrics.mmd2 = await mmd2(x, held);
          samples = Array.from(await x.data());
          x.dispose();
        }
        const shown = await displayGrid((x) => energy.energy(x), bounds);
        return {
          metrics,
          snapshot: { step, nodeId: ctx.nodeId, bounds, gridSize: DISPLAY_GRID, energy: Array.from(shown), samples, data: heldFlat },
        };
      },
    });
    return {};
  },
});
