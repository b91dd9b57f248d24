// The monitors: the density monitor scores a model whose answer is known, and its snapshot is the
// picture's data; the training-curves monitor asks for its figure.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset, EnergyModel, Objective, Optimizer, Sampler, Trainer } from '../../../nodes/define.ts';
import { dataGaussianNode, gaussianEntropy } from '../../../nodes/data-gaussian/node.ts';
import { energyGaussianNode } from '../../../nodes/energy-gaussian/node.ts';
import { monitorDensity2dNode } from '../../../nodes/monitor-density2d/node.ts';
import { monitorTrainingNode } from '../../../nodes/monitor-training/node.ts';
import { samplerLangevinNode } from '../../../nodes/sampler-langevin/node.ts';
import { buildNode, leaked, useBackend } from '../../helpers/nodes.ts';

before(() => useBackend('cpu'));

/** A trainer around the true model of N(0.5, 0.7²) data, as monitors see it. */
function trueModel() {
  const data = buildNode(dataGaussianNode, { dim: 2, mean: 0.5, std: 0.7, testSize: 4000 });
  const energy = buildNode(energyGaussianNode, { dim: 2, initMean: 0.5, initVariance: 0.49 });
  const sampler = buildNode(samplerLangevinNode, { init: 'noise', stepSize: 0.02, steps: 300 }, { energy: energy.outputs.energy });
  const objective = {
    nodeId: 'objective',
    data: data.outputs.data as Dataset,
    energy: energy.outputs.energy as EnergyModel,
    sampler: sampler.outputs.sampler as Sampler,
  } as Objective;
  const trainer: Trainer = { nodeId: 'trainer', optimizer: { nodeId: 'opt', objective } as Optimizer, steps: 1, batchSize: 1, logEvery: 1, snapshotEvery: 1 };
  return { trainer, dispose: () => [sampler, energy, data].forEach((b) => b.dispose()) };
}

test('density 2D: the true model’s held-out NLL is the entropy, its samples match the data', async () => {
  const m = trueModel();
  const built = buildNode(monitorDensity2dNode, { samples: 1000 }, { trainer: m.trainer });
  const [monitor] = built.monitors;
  assert.ok(monitor);
  assert.deepEqual(monitor.plot, { kind: 'samples', nodeId: `test-${monitorDensity2dNode.type}` });
  const report = await monitor.evaluate(7);
  const h = gaussianEntropy(2, 0.7);
  // 4000 held-out points: the s.e. of the mean NLL is √(d/2)/√4000 ≈ 0.016.
  assert.ok(Math.abs(report.metrics.nll! - h) < 0.06, `NLL ${report.metrics.nll} vs entropy ${h}`);
  assert.ok(Math.abs(report.metrics.nll_minus_entropy!) < 0.06);
  assert.ok(Math.abs(report.metrics.mmd2!) < 0.01, `MMD² ${report.metrics.mmd2}`);
  const s = report.snapshot!;
  assert.ok(s.kind !== 'trace');
  assert.equal(s.step, 7);
  assert.equal(s.gridSize, 100);
  assert.equal(s.energy.length, 100 * 100);
  assert.equal(s.samples.length, 2 * 1000);
  assert.equal(s.data.length, 2 * 1000);
  // The grid covers the data's box widened by 20% each side, and its lowest energy is at the mean.
  const [[x0, x1], [y0, y1]] = s.bounds;
  assert.ok(x0 < 0.5 - 2 && x1 > 0.5 + 2 && y0 < 0.5 - 2 && y1 > 0.5 + 2);
  const argmin = s.energy.indexOf(Math.min(...s.energy));
  const [cx, cy] = [x0 + ((argmin % 100) + 0.5) * ((x1 - x0) / 100), y0 + (Math.floor(argmin / 100) + 0.5) * ((y1 - y0) / 100)];
  assert.ok(Math.hypot(cx - 0.5, cy - 0.5) < 0.15, `lowest energy at (${cx}, ${cy})`);
  built.dispose();
  m.dispose();
});

test('density 2D: a model twice too wide scores worse by its KL divergence', async () => {
  const m = trueModel();
  const energy = m.trainer.optimizer.objective.energy;
  energy.variables[1]!.assign(tf.fill([2], -Math.log(0.98))); // variance 2 × 0.49
  const built = buildNode(monitorDensity2dNode, {}, { trainer: m.trainer });
  const report = await built.monitors[0]!.evaluate(1);
  // KL(N(0, s²) ‖ N(0, 2s²)) per dimension = ½(1/2 − 1 + log 2) ≈ 0.0966; two dimensions: 0.193.
  assert.ok(Math.abs(report.metrics.nll_minus_entropy! - 0.193) < 0.06, `NLL − H ${report.metrics.nll_minus_entropy}`);
  built.dispose();
  m.dispose();
});

test('density 2D evaluations leak no tensors', async () => {
  const m = trueModel();
  const built = buildNode(monitorDensity2dNode, { samples: 100 }, { trainer: m.trainer });
  await built.monitors[0]!.evaluate(0); // Lazily created state, if any, on the first call.
  assert.equal(await leaked(async () => void (await built.monitors[0]!.evaluate(1))), 0);
  built.dispose();
  m.dispose();
});

test('training curves: asks for the curves figure with its smoothing', () => {
  const m = trueModel();
  const built = buildNode(monitorTrainingNode, { smoothing: 0.8 }, { trainer: m.trainer });
  assert.equal(built.monitors.length, 1);
  assert.deepEqual(built.monitors[0]!.plot, { kind: 'curves', nodeId: `test-${monitorTrainingNode.type}`, smoothing: 0.8 });
  assert.equal(built.monitors[0]!.trainer, m.trainer);
  m.dispose();
});
