import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Optimizer, Trainer } from '../../../nodes/define.ts';
import { trainerNode } from '../../../nodes/trainer/node.ts';
import { buildNode } from '../../helpers/nodes.ts';

test('trainer.loop carries its optimizer and its cadence; its defaults are the documented ones', () => {
  const optimizer = { nodeId: 'opt' } as Optimizer;
  const built = buildNode(trainerNode, { steps: 123, logEvery: 7 }, { optimizer });
  const t = built.outputs.trainer as Trainer;
  assert.equal(t.optimizer, optimizer);
  assert.deepEqual([t.steps, t.batchSize, t.logEvery, t.snapshotEvery], [123, 256, 7, 250]);
  assert.equal(built.monitors.length, 0);
});
