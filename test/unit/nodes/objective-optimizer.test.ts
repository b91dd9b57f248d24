// The maximum-likelihood objective and the optimizers against values computed by hand.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../../app/runtime/rng.ts';
import type { Dataset, EnergyModel, Objective, Optimizer, Sampler } from '../../../nodes/define.ts';
import { energyGaussianNode } from '../../../nodes/energy-gaussian/node.ts';
import { objectiveMlNode } from '../../../nodes/objective-ml/node.ts';
import { optimizerAdamNode } from '../../../nodes/optimizer-adam/node.ts';
import { optimizerSgdNode } from '../../../nodes/optimizer-sgd/node.ts';
import { buildNode, leaked, useBackend } from '../../helpers/nodes.ts';

before(() => useBackend('cpu'));

const POS = [[1, 0], [0, 2], [-1, -1]];
const NEG = [[3, 0], [0, -3], [1, 1]];

/** A data set that always gives POS, and a sampler that always gives NEG. */
function fixed(energy: EnergyModel): { data: Dataset; sampler: Sampler; disposables: tf.Tensor[] } {
  const t = tf.tensor2d(POS);
  const data: Dataset = {
    nodeId: 'data',
    name: 'fixed',
    dim: 2,
    train: t,
    test: t,
    bounds: [[-4, 4], [-4, 4]],
    batch: (_n: number, _rng: Rng) => tf.clone(t) as tf.Tensor2D,
  };
  const sampler: Sampler = { nodeId: 'sampler', energy, sample: async () => ({ samples: tf.tensor2d(NEG), stats: { acceptance: tf.scalar(0.5) } }) };
  return { data, sampler, disposables: [t] };
}

function setup(alpha: number, optimizer?: { def: typeof optimizerAdamNode | typeof optimizerSgdNode; params: Record<string, unknown> }) {
  const energy = buildNode(energyGaussianNode, { dim: 2, initVariance: 2 });
  const model = energy.outputs.energy as EnergyModel;
  const { data, sampler, disposables } = fixed(model);
  const objective = buildNode(objectiveMlNode, { alpha }, { data, energy: model, sampler });
  const opt = optimizer ? buildNode(optimizer.def, optimizer.params, { objective: objective.outputs.objective }) : null;
  return {
    model,
    objective: objective.outputs.objective as Objective,
    optimizer: opt?.outputs.optimizer as Optimizer,
    dispose: () => (opt?.dispose(), objective.dispose(), energy.dispose(), tf.dispose(disposables)),
  };
}

// E = ½‖x‖²/2 = ‖x‖²/4 at the initial parameters.
const E = (x: number[]) => (x[0]! ** 2 + x[1]! ** 2) / 4;
const mean = (v: number[]) => v.reduce((s, a) => s + a, 0) / v.length;

for (const alpha of [0, 0.1]) {
  test(`objective.ml (α = ${alpha}): loss = mean E(data) − mean E(samples) + α(mean E(data)² + mean E(samples)²)`, async () => {
    const s = setup(alpha);
    const { tensors: prepared, stats } = await s.objective.prepare(3);
    assert.deepEqual(Object.keys(stats ?? {}), ['acceptance'], 'the draw’s statistics are passed on');
    tf.dispose(Object.values(stats ?? {}));
    const terms = s.objective.loss(prepared);
    const [eP, eN] = [POS.map(E), NEG.map(E)];
    const expected = mean(eP) - mean(eN) + alpha * (mean(eP.map((e) => e * e)) + mean(eN.map((e) => e * e)));
    assert.ok(Math.abs(terms.loss.dataSync()[0]! - expected) < 1e-5);
    assert.ok(Math.abs(terms.metrics.e_data!.dataSync()[0]! - mean(eP)) < 1e-6);
    assert.ok(Math.abs(terms.metrics.e_samples!.dataSync()[0]! - mean(eN)) < 1e-6);
    assert.ok(Math.abs(terms.metrics.gap!.dataSync()[0]! - (mean(eN) - mean(eP))) < 1e-6);
    tf.dispose([terms.loss, ...Object.values(terms.metrics), ...Object.values(prepared)]);
    s.dispose();
  });
}

test('objective.ml: no gradient flows through the samples (they are constants of the loss)', async () => {
  const s = setup(0);
  const { tensors: prepared, stats } = await s.objective.prepare(3);
  tf.dispose(Object.values(stats ?? {}));
  const g = tf.grad((neg: tf.Tensor) => s.objective.loss({ ...prepared, negative: neg }).loss)(prepared.negative!);
  // The loss depends on the samples only through E(samples), which is differentiable; what matters
  // is that prepare() drew them outside any tape, so the optimizer never sees the sampler.
  assert.deepEqual(g.shape, [3, 2]);
  const grads = tf.variableGrads(() => s.objective.loss(prepared).loss, s.objective.variables as tf.Variable[]);
  assert.equal(Object.keys(grads.grads).length, 2);
  tf.dispose([g, grads.value, ...Object.values(grads.grads), ...Object.values(prepared)]);
  s.dispose();
});

test('SGD without momentum: θ ← θ − lr·∇θ L exactly; grad_norm is the global norm', async () => {
  const s = setup(0, { def: optimizerSgdNode, params: { learningRate: 0.1, momentum: 0 } });
  const { tensors: prepared, stats } = await s.objective.prepare(3);
  tf.dispose(Object.values(stats ?? {}));
  const { grads } = tf.variableGrads(() => s.objective.loss(prepared).loss, s.objective.variables as tf.Variable[]);
  const before = s.objective.variables.map((v) => Array.from(v.dataSync()));
  const gradValues = s.objective.variables.map((v) => Array.from(grads[v.name]!.dataSync()));
  const norm = Math.sqrt(gradValues.flat().reduce((a, g) => a + g * g, 0));
  tf.dispose([...Object.values(grads), ...Object.values(prepared)]);
  const metrics = await s.optimizer.step(3);
  assert.ok(Math.abs(metrics.grad_norm!.dataSync()[0]! - norm) < 1e-5);
  assert.equal(metrics.acceptance!.dataSync()[0], 0.5, 'the sampler’s statistics become step metrics');
  s.objective.variables.forEach((v, i) =>
    Array.from(v.dataSync()).forEach((x, j) => assert.ok(Math.abs(x - (before[i]![j]! - 0.1 * gradValues[i]![j]!)) < 1e-6)),
  );
  tf.dispose(Object.values(metrics));
  s.dispose();
});

test('gradient-norm clipping rescales the update to the threshold', async () => {
  const s = setup(0, { def: optimizerSgdNode, params: { learningRate: 1, momentum: 0, clipNorm: 1e-3 } });
  const before = s.objective.variables.map((v) => Array.from(v.dataSync()));
  const metrics = await s.optimizer.step(3);
  const moved = Math.sqrt(s.objective.variables.flatMap((v, i) => Array.from(v.dataSync(), (x, j) => (x - before[i]![j]!) ** 2)).reduce((a, b) => a + b, 0));
  assert.ok(metrics.grad_norm!.dataSync()[0]! > 0.1, 'the raw gradient is far above the threshold');
  assert.ok(Math.abs(moved - 1e-3) < 1e-6, `update norm ${moved}`);
  tf.dispose(Object.values(metrics));
  s.dispose();
});

test('Adam’s first step moves every parameter by lr against its gradient’s sign', async () => {
  const s = setup(0, { def: optimizerAdamNode, params: { learningRate: 0.01 } });
  const { tensors: prepared, stats } = await s.objective.prepare(3);
  tf.dispose(Object.values(stats ?? {}));
  const { grads } = tf.variableGrads(() => s.objective.loss(prepared).loss, s.objective.variables as tf.Variable[]);
  const signs = s.objective.variables.map((v) => Array.from(grads[v.name]!.dataSync(), Math.sign));
  tf.dispose([...Object.values(grads), ...Object.values(prepared)]);
  const before = s.objective.variables.map((v) => Array.from(v.dataSync()));
  tf.dispose(Object.values(await s.optimizer.step(3)));
  s.objective.variables.forEach((v, i) =>
    Array.from(v.dataSync()).forEach((x, j) => assert.ok(Math.abs(x - (before[i]![j]! - 0.01 * signs[i]![j]!)) < 1e-5, `param ${i}[${j}]`)),
  );
  s.dispose();
});

test('optimizer steps leak no tensors (Adam and SGD with momentum)', async () => {
  for (const opt of [{ def: optimizerAdamNode, params: {} }, { def: optimizerSgdNode, params: { momentum: 0.9, nesterov: true } }]) {
    const s = setup(0.1, opt);
    tf.dispose(Object.values(await s.optimizer.step(3))); // Slot variables appear on the first step.
    const d = await leaked(async () => {
      for (let i = 0; i < 4; i++) tf.dispose(Object.values(await s.optimizer.step(3)));
    });
    assert.equal(d, 0, `${opt.def.type} leaked ${d}`);
    s.dispose();
  }
});
