// The Langevin sampler on E(x) = ½‖x‖²/s², where the chain's stationary law is known exactly:
// x' = (1 − a/s²)x + b·z has stationary variance b² / (1 − (1 − a/s²)²).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../../app/runtime/rng.ts';
import type { Draw, EnergyModel, Sampler } from '../../../nodes/define.ts';
import { energyGaussianNode } from '../../../nodes/energy-gaussian/node.ts';
import { samplerLangevinNode } from '../../../nodes/sampler-langevin/node.ts';
import type { ParamValues } from '../../../nodes/params.ts';
import { buildNode, leaked, useBackend } from '../../helpers/nodes.ts';

before(() => useBackend('cpu'));

function setup(samplerParams: Record<string, unknown>, variance = 1) {
  const energy = buildNode(energyGaussianNode, { dim: 2, initVariance: variance });
  const sampler = buildNode(samplerLangevinNode, samplerParams, { energy: energy.outputs.energy });
  return {
    sampler: sampler.outputs.sampler as Sampler,
    energy: energy.outputs.energy as EnergyModel,
    dispose: () => (sampler.dispose(), energy.dispose()),
  };
}

async function moments(x: tf.Tensor2D): Promise<{ mean: number; variance: number }> {
  const v = Array.from(await x.data());
  const mean = v.reduce((s, a) => s + a, 0) / v.length;
  return { mean, variance: v.reduce((s, a) => s + (a - mean) ** 2, 0) / v.length };
}

/** The samples of a draw (Langevin reports no statistics). */
async function samples(draw: Promise<Draw>): Promise<tf.Tensor2D> {
  const { samples, stats } = await draw;
  assert.deepEqual(Object.keys(stats), []);
  return samples;
}

const start = (n: number, value = 0) => tf.fill([n, 2], value) as tf.Tensor2D;

test('calibrated Langevin from noise reaches the stationary variance s²/(1 − ε/(4s²))', async () => {
  const s = setup({ init: 'noise', stepSize: 0.05, steps: 400 }, 0.5);
  const data = start(4000);
  const x = await samples(s.sampler.sample({ data, rng: new Rng(3), persist: false }));
  const { mean, variance } = await moments(x);
  const a = 0.05 / 2 / 0.5;
  const expected = 0.05 / (1 - (1 - a) ** 2);
  // 8000 draws: the s.e. of the variance is about v·√(2/8000) ≈ 0.016·v.
  assert.ok(Math.abs(variance - expected) < 0.06 * expected, `variance ${variance}, expected ${expected}`);
  assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`);
  x.dispose();
  data.dispose();
  s.dispose();
});

test('separate (η, σ) Langevin: stationary variance σ²/(2η − η²) and the temperature σ²/(2η)', async () => {
  const s = setup({ parameterisation: 'separate', eta: 0.05, sigma: 0.1, steps: 400, init: 'noise' });
  const data = start(4000);
  const x = await samples(s.sampler.sample({ data, rng: new Rng(4), persist: false }));
  const { variance } = await moments(x);
  const expected = 0.01 / (0.1 - 0.0025);
  assert.ok(Math.abs(variance - expected) < 0.06 * expected, `variance ${variance}, expected ${expected}`);
  assert.ok(Math.abs(samplerLangevinNode.derived!({ ...defaultsOf(), parameterisation: 'separate', eta: 0.05, sigma: 0.1 }).temperature!.value - 0.1) < 1e-12);
  assert.equal(samplerLangevinNode.derived!(defaultsOf()).temperature!.value, 1);
  x.dispose();
  data.dispose();
  s.dispose();
});

test('CD-k starts at the data: one tiny noiseless step stays next to it', async () => {
  const s = setup({ parameterisation: 'separate', eta: 1e-3, sigma: 0, steps: 1, init: 'data' });
  const data = tf.tensor2d([[1, 2], [-3, 0.5]]);
  const x = await samples(s.sampler.sample({ data, rng: new Rng(5), persist: true }));
  // x' = x − η x (E = ½‖x‖²): exactly (1 − η) x.
  const got = Array.from(await x.data());
  [1, 2, -3, 0.5].forEach((v, i) => assert.ok(Math.abs(got[i]! - 0.999 * v) < 1e-6));
  x.dispose();
  data.dispose();
  s.dispose();
});

test('gradient clipping caps every component of ∇E', async () => {
  // E = ½‖x‖²/1e-4: ∇E = 1e4·x, clipped to ±1; a noiseless step of η moves by exactly η.
  const s = setup({ parameterisation: 'separate', eta: 0.1, sigma: 0, steps: 3, init: 'data', gradClip: 1 }, 1e-4);
  const data = tf.tensor2d([[2, -2]]);
  const x = await samples(s.sampler.sample({ data, rng: new Rng(6), persist: true }));
  const got = Array.from(await x.data());
  assert.ok(Math.abs(got[0]! - 1.7) < 1e-5 && Math.abs(got[1]! + 1.7) < 1e-5, `${got}`);
  x.dispose();
  data.dispose();
  s.dispose();
});

test('replay buffer: persistent draws continue the chains, monitor draws leave them alone', async () => {
  // Buffer of exactly n chains from U[−4, 4]² (variance 16/3), no restarts, K = 50, ε = 0.01:
  // after k steps the variance is 1 + (16/3 − 1)(1 − ε/2)^{2k}, for s² = 1 (up to the small ε bias).
  const n = 3000;
  const s = setup({ init: 'buffer', bufferSize: n, reinitProb: 0, stepSize: 0.01, steps: 50 });
  const data = start(n);
  const expected = (k: number) => 1 + (16 / 3 - 1) * (1 - 0.005) ** (2 * k);
  const first = await samples(s.sampler.sample({ data, rng: new Rng(7), persist: false }));
  const again = await samples(s.sampler.sample({ data, rng: new Rng(8), persist: true }));
  const continued = await samples(s.sampler.sample({ data, rng: new Rng(9), persist: true }));
  const v = await Promise.all([first, again, continued].map(async (x) => (await moments(x)).variance));
  assert.ok(Math.abs(v[0]! - expected(50)) < 0.08 * expected(50), `monitor draw ${v[0]} vs ${expected(50)}`);
  assert.ok(Math.abs(v[1]! - expected(50)) < 0.08 * expected(50), `first persistent draw ${v[1]} vs ${expected(50)}`);
  assert.ok(Math.abs(v[2]! - expected(100)) < 0.08 * expected(100), `continued draw ${v[2]} vs ${expected(100)}`);
  tf.dispose([first, again, continued, data]);
  s.dispose();
});

test('replay buffer with restart probability 1 always starts from noise', async () => {
  const n = 3000;
  const s = setup({ init: 'buffer', bufferSize: n, reinitProb: 1, stepSize: 0.01, steps: 50 });
  const data = start(n);
  const a = await samples(s.sampler.sample({ data, rng: new Rng(10), persist: true }));
  const b = await samples(s.sampler.sample({ data, rng: new Rng(11), persist: true }));
  const [va, vb] = [(await moments(a)).variance, (await moments(b)).variance];
  const expected = 1 + (16 / 3 - 1) * 0.995 ** 100;
  assert.ok(Math.abs(va - expected) < 0.08 * expected && Math.abs(vb - expected) < 0.08 * expected, `${va}, ${vb} vs ${expected}`);
  tf.dispose([a, b, data]);
  s.dispose();
});

test('noise chains cover the box they start in; an empty box is a diagnostic', async () => {
  const s = setup({ init: 'noise', steps: 1, stepSize: 1e-6, noiseLow: 2, noiseHigh: 3 });
  const data = start(2000);
  const x = await samples(s.sampler.sample({ data, rng: new Rng(12), persist: false }));
  const v = Array.from(await x.data());
  assert.ok(v.every((a) => a > 1.99 && a < 3.01));
  assert.ok(Math.abs(v.reduce((t, a) => t + a, 0) / v.length - 2.5) < 0.02);
  tf.dispose([x, data]);
  s.dispose();
  const problems = samplerLangevinNode.check!({ ...defaultsOf(), noiseLow: 1, noiseHigh: 1 });
  assert.equal(problems[0]?.code, 'PARAM_INVALID');
  assert.equal(problems[0]?.param, 'noiseHigh');
});

test('sampling leaks no tensors, whatever the chain start', async () => {
  for (const init of ['noise', 'data', 'buffer']) {
    const s = setup({ init, steps: 5, bufferSize: 100 });
    const data = start(64, 0.3);
    const d = await leaked(async () => {
      for (let i = 0; i < 3; i++) (await samples(s.sampler.sample({ data, rng: new Rng(i), persist: true }))).dispose();
    });
    assert.equal(d, 0, `init ${init} leaked ${d} tensors`);
    data.dispose();
    s.dispose();
  }
});

test('a traced draw records every chain’s energy after every step; steps can be overridden', async () => {
  const s = setup({ init: 'data', steps: 20, stepSize: 0.01 });
  const data = tf.tensor2d([[1, 2], [-3, 0.5], [0, 0]]);
  const { samples: x, trace } = await s.sampler.sample({ data, rng: new Rng(13), persist: false, steps: 7, trace: true });
  assert.ok(trace);
  assert.equal(trace.steps, 7);
  assert.equal(trace.chains, 3);
  assert.equal(trace.energies.length, 21);
  // The last row is the energy of the samples themselves (E = ½‖x‖²).
  const end = Array.from(await x.data());
  for (let c = 0; c < 3; c++) {
    const e = 0.5 * (end[2 * c]! ** 2 + end[2 * c + 1]! ** 2);
    assert.ok(Math.abs(trace.energies[6 * 3 + c]! - e) < 1e-5, `chain ${c}: ${trace.energies[6 * 3 + c]} vs ${e}`);
  }
  // Chains started at E = 2.5 and 4.625 move down towards E ≈ 1 (d/2 at stationarity).
  assert.ok(trace.energies[6 * 3]! < 2.5 && trace.energies[6 * 3 + 1]! < 4.625);
  tf.dispose([x, data]);
  s.dispose();
});

function defaultsOf(): ParamValues<typeof samplerLangevinNode.params> {
  return Object.fromEntries(Object.entries(samplerLangevinNode.params).map(([k, spec]) => [k, spec.default])) as ParamValues<typeof samplerLangevinNode.params>;
}
