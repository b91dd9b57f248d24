import { defineNode } from '../define.ts';
import { num } from '../params.ts';

export const monitorTrainingNode = defineNode({
  type: 'monitor.training',
  version: 1,
  category: 'monitor',
  title: 'Training curves',
  doc:
    'Plots the training metrics the trainer logs: the loss, the mean energy of data and of samples and their gap ' +
    '(E(samples) − E(data): near zero when the sampler matches the model, a health signal of MCMC training), and ' +
    'the gradient norm. Drawn live in the app and saved as loss.png in the run folder.',
  reference: 'methods.md §2.9 (training health signals)',
  inputs: { trainer: { type: 'trainer', title: 'Run' } },
  outputs: {},
  params: {
    smoothing: num({ title: 'Smoothing', doc: 'Exponential moving average of the plotted curves (0 = raw, 0.9 = strong).', default: 0.6, min: 0, max: 0.99 }),
  },
  build(ctx, p, { trainer }) {
    ctx.monitor({
      nodeId: ctx.nodeId,
      trainer,
      plot: { kind: 'curves', nodeId: ctx.nodeId, smoothing: p.smoothing },
      evaluate: async () => ({ metrics: {} }),
    });
    return {};
  },
});
