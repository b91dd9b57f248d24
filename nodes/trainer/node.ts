import { defineNode } from '../define.ts';
import { int } from '../params.ts';

export const trainerNode = defineNode({
  type: 'trainer.loop',
  version: 1,
  category: 'trainer',
  title: 'Trainer',
  doc:
    'The training loop: the number of optimizer steps, the batch size, how often metrics are logged (averaged ' +
    'over the steps since the last log) and how often the monitors evaluate and take snapshots.',
  inputs: { optimizer: { type: 'optimizer', title: 'Updates' } },
  outputs: { trainer: { type: 'trainer', title: 'Run' } },
  params: {
    steps: int({ title: 'Steps', doc: 'Optimizer steps to run.', default: 2000, min: 1, max: 10_000_000, unit: 'steps' }),
    batchSize: int({ title: 'Batch size', doc: 'Data points (and samples) per step.', default: 256, min: 1, max: 65536 }),
    logEvery: int({ title: 'Log every', doc: 'Steps between metric log lines.', default: 10, min: 1, max: 1_000_000, unit: 'steps' }),
    snapshotEvery: int({ title: 'Snapshot every', doc: 'Steps between monitor evaluations and snapshots.', default: 250, min: 1, max: 10_000_000, unit: 'steps' }),
  },
  build(ctx, p, { optimizer }) {
    return { trainer: { nodeId: ctx.nodeId, optimizer, steps: p.steps, batchSize: p.batchSize, logEvery: p.logEvery, snapshotEvery: p.snapshotEvery } };
  },
});
