// Energy nodes against hand-computed values: shapes, the function itself, its input gradient,
// readouts, and no leaked tensors.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type { EnergyModel } from '../../../nodes/define.ts';
import { energyMlpNode } from '../../../nodes/energy-mlp/node.ts';
import { energyGaussianNode } from '../../../nodes/energy-gaussian/node.ts';
import { ACTIVATIONS, type ActivationName } from '../../../nodes/shared/activations.ts';
import { buildNode, leaked, useBackend } from '../../helpers/nodes.ts';

before(() => useBackend('cpu'));

const X = [
  [0.5, -1.25],
  [2, 0.1],
  [-3, 3],
];

const jsActivation: Record<ActivationName, (v: number) => number> = {
  swish: (v) => v / (1 + Math.exp(-v)),
  softplus: (v) => Math.log1p(Math.exp(v)),
  tanh: Math.tanh,
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  elu: (v) => (v > 0 ? v : Math.exp(v) - 1),
  gelu: (v) => v * normalCdf(v),
  leakyRelu: (v) => (v > 0 ? v : 0.2 * v),
  relu: (v) => Math.max(v, 0),
  sin: Math.sin,
};

/** Φ(v) by the erf series (plenty for |v| < 6 in double precision). */
function normalCdf(v: number): number {
  const z = v / Math.SQRT2;
  let term = z;
  let sum = z;
  for (let n = 1; n < 200; n++) {
    term *= (-z * z) / n;
    sum += term / (2 * n + 1);
  }
  return 0.5 * (1 + (2 / Math.sqrt(Math.PI)) * sum);
}

for (const activation of Object.keys(ACTIVATIONS) as ActivationName[]) {
  test(`energy.mlp (${activation}) computes E(x) = w₃ᵀ act(W₂ᵀ act(W₁ᵀx + b₁) + b₂) + b₃`, () => {
    const built = buildNode(energyMlpNode, { hidden: [5, 4], activation });
    const model = built.outputs.energy as EnergyModel;
    assert.equal(model.inputDim, 2);
    assert.equal(model.variables.length, 6);
    const weights = model.variables.map((v) => ({ shape: v.shape, values: Array.from(v.dataSync()) }));
    assert.deepEqual(weights.map((w) => w.shape), [[2, 5], [5], [5, 4], [4], [4, 1], [1]]);
    const expected = X.map((x) => {
      let h = x;
      for (let l = 0; l < 3; l++) {
        const W = weights[2 * l]!;
        const b = weights[2 * l + 1]!;
        const out = W.shape[1]!;
        h = Array.from({ length: out }, (_, j) => h.reduce((s, hi, i) => s + hi * W.values[i * out + j]!, b.values[j]!));
        if (l < 2) h = h.map(jsActivation[activation]);
      }
      return h[0]!;
    });
    const e = model.energy(tf.tensor2d(X));
    assert.deepEqual(e.shape, [3]);
    const got = Array.from(e.dataSync());
    got.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-5, `row ${i}: ${v} vs ${expected[i]}`));
    e.dispose();
    built.dispose();
  });
}

test('energy.mlp starts from PyTorch’s default init: U(±1/√fan_in)', () => {
  const built = buildNode(energyMlpNode, { hidden: [256] });
  const [w1, , w2] = (built.outputs.energy as EnergyModel).variables;
  const check = (v: tf.Variable, fanIn: number) => {
    const values = Array.from(v.dataSync());
    const bound = 1 / Math.sqrt(fanIn);
    assert.ok(values.every((x) => Math.abs(x) <= bound));
    // Uniform on [−b, b] has variance b²/3.
    const variance = values.reduce((s, x) => s + x * x, 0) / values.length;
    assert.ok(Math.abs(variance - (bound * bound) / 3) < 0.15 * (bound * bound) / 3, `variance ${variance}`);
  };
  check(w1!, 2);
  check(w2!, 256);
  built.dispose();
});

test('energy.mlp: the input gradient matches central finite differences', () => {
  const built = buildNode(energyMlpNode, { hidden: [16, 16], activation: 'softplus' });
  const model = built.outputs.energy as EnergyModel;
  const x = tf.tensor2d(X);
  const g = tf.grad((t: tf.Tensor) => tf.sum(model.energy(t as tf.Tensor2D)))(x).arraySync() as number[][];
  const h = 1e-2;
  X.forEach((row, i) =>
    row.forEach((_, j) => {
      const shift = (d: number) => X.map((r, a) => r.map((v, b) => (a === i && b === j ? v + d : v)));
      const fd = (tf.sum(model.energy(tf.tensor2d(shift(h)))).dataSync()[0]! - tf.sum(model.energy(tf.tensor2d(shift(-h)))).dataSync()[0]!) / (2 * h);
      assert.ok(Math.abs(fd - g[i]![j]!) < 2e-3 * Math.max(1, Math.abs(fd)), `∂E/∂x[${i}][${j}]: ${g[i]![j]} vs FD ${fd}`);
    }),
  );
  built.dispose();
});

test('energy.mlp leaks no tensors, and disposing frees its variables', async () => {
  const before = tf.memory().numTensors;
  const built = buildNode(energyMlpNode);
  const model = built.outputs.energy as EnergyModel;
  const x = tf.tensor2d(X);
  const d = await leaked(() => {
    for (let i = 0; i < 5; i++) model.energy(x).dispose();
  });
  assert.equal(d, 0);
  x.dispose();
  built.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('energy.gaussian (diagonal): E = ½ Σ (x − μ)²/v at the initial parameters, and its readouts', () => {
  const built = buildNode(energyGaussianNode, { dim: 2, initMean: 0.5, initVariance: 2 });
  const model = built.outputs.energy as EnergyModel;
  const got = Array.from(model.energy(tf.tensor2d(X)).dataSync());
  X.forEach((x, i) => assert.ok(Math.abs(got[i]! - x.reduce((s, v) => s + (v - 0.5) ** 2 / 4, 0)) < 1e-5));
  const r = model.readouts!();
  assert.deepEqual(r.mean, [0.5, 0.5]);
  (r.variance as number[]).forEach((v) => assert.ok(Math.abs(v - 2) < 1e-6));
  built.dispose();
});

test('energy.gaussian (full): E = ½ (x − μ)ᵀ L Lᵀ (x − μ), readouts invert the precision', () => {
  const built = buildNode(energyGaussianNode, { dim: 2, covariance: 'full', initVariance: 1 });
  const model = built.outputs.energy as EnergyModel;
  const [mean, logDiag, lower] = model.variables;
  // L = [[2, 0], [1, 0.5]]: P = L Lᵀ = [[4, 2], [2, 1.25]], P⁻¹ = [[1.25, −2], [−2, 4]] / (5 − 4).
  mean!.assign(tf.tensor1d([1, -1]));
  logDiag!.assign(tf.tensor1d([Math.log(2), Math.log(0.5)]));
  lower!.assign(tf.tensor2d([[7, 9], [1, 3]])); // Only the strict lower triangle (1) counts.
  const P = [[4, 2], [2, 1.25]];
  const got = Array.from(model.energy(tf.tensor2d(X)).dataSync());
  X.forEach((x, i) => {
    const c = [x[0]! - 1, x[1]! + 1];
    const q = c[0]! * (P[0]![0]! * c[0]! + P[0]![1]! * c[1]!) + c[1]! * (P[1]![0]! * c[0]! + P[1]![1]! * c[1]!);
    assert.ok(Math.abs(got[i]! - q / 2) < 1e-4, `row ${i}: ${got[i]} vs ${q / 2}`);
  });
  const r = model.readouts!();
  const cov = r.covariance as number[];
  [1.25, -2, -2, 4].forEach((v, i) => assert.ok(Math.abs(cov[i]! - v) < 1e-4, `cov[${i}] ${cov[i]}`));
  assert.deepEqual((r.variance as number[]).map((v) => Math.round(v * 1e4) / 1e4), [1.25, 4]);
  built.dispose();
});
