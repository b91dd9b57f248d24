// The method monitors against known answers: the Score fit monitor's Fisher divergence (0 for the
// true model, the closed form for a Gaussian of the wrong variance) and KSD² (≈ 0 for the true
// model, clearly positive for a wrong one); the MCMC diagnostics monitor on Langevin chains over a
// Gaussian energy, whose energy trace is an AR process with a known autocorrelation time.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset, EnergyModel, Objective, Optimizer, Sampler, Trainer } from '../../../nodes/define.ts';
import { dataGaussianNode } from '../../../nodes/data-gaussian/node.ts';
import { dataToy2dNode } from '../../../nodes/data-toy2d/node.ts';
import { energyGaussianNode } from '../../../nodes/energy-gaussian/node.ts';
import { monitorMcmcNode } from '../../../nodes/monitor-mcmc/node.ts';
import { monitorScoreNode } from '../../../nodes/monitor-score/node.ts';
import { samplerLangevinNode } from '../../../nodes/sampler-langevin/node.ts';
import { METRIC_GROUPS } from '../../../app/plot/curves.ts';
import { buildNode, leaked, useBackend, type Built } from '../../helpers/nodes.ts';

before(() => useBackend('cpu'));

const MEAN = 0.5;
const STD = 0.7;

/** A trainer as monitors see it: data, a Gaussian energy of the given variance, maybe a Langevin sampler. */
function setup(o: { dim?: number; variance?: number; data?: Built; langevin?: Record<string, unknown> } = {}) {
  const dim = o.dim ?? 2;
  const data = o.data ?? buildNode(dataGaussianNode, { dim, mean: MEAN, std: STD, trainSize: 10, testSize: 4000 });
  const energy = buildNode(energyGaussianNode, { dim, initMean: MEAN, initVariance: o.variance ?? STD * STD });
  const sampler = o.langevin ? buildNode(samplerLangevinNode, o.langevin, { energy: energy.outputs.energy }) : null;
  const objective = {
    nodeId: 'objective',
    data: data.outputs.data as Dataset,
    energy: energy.outputs.energy as EnergyModel,
    ...(sampler ? { sampler: sampler.outputs.sampler as Sampler } : {}),
  } as Objective;
  const trainer: Trainer = { nodeId: 'trainer', optimizer: { nodeId: 'opt', objective } as Optimizer, steps: 1, batchSize: 1, logEvery: 1, snapshotEvery: 1 };
  return { trainer, objective, dispose: () => [sampler, energy, data].forEach((b) => b?.dispose()) };
}

// ------------------------------------------------------------------------------------------------
// Score fit

test('score fit: the true model has Fisher divergence 0 and KSD² ≈ 0', async () => {
  const m = setup();
  const built = buildNode(monitorScoreNode, { points: 1000 }, { trainer: m.trainer });
  const report = await built.monitors[0]!.evaluate(1);
  // Both scores are −(x − 0.5)/0.49 in float32: they differ by rounding only.
  assert.ok(report.metrics.fisher! >= 0 && report.metrics.fisher! < 1e-8, `Fisher ${report.metrics.fisher}`);
  // Under the null the U-statistic has mean 0 and a s.d. of order 1/n; for 1000 points of this
  // Gaussian it measured 3e-3 over 8 data seeds (values −2.2e-3 … 7.7e-3). |KSD²| < 0.015 is 5 s.d.
  assert.ok(Math.abs(report.metrics.ksd!) < 0.015, `KSD² ${report.metrics.ksd}`);
  built.dispose();
  m.dispose();
});

test('score fit: a wrong variance v has Fisher divergence (d/2)·s²·(1/v − 1/s²)², and a clearly positive KSD²', async () => {
  const dim = 3;
  const v = 2 * STD * STD;
  const m = setup({ dim, variance: v });
  const built = buildNode(monitorScoreNode, {}, { trainer: m.trainer });
  const report = await built.monitors[0]!.evaluate(1);
  const fisher = report.metrics.fisher!;
  const c = (1 / v - 1 / (STD * STD)) ** 2;
  // Exactly ½·c·mean‖x − μ‖² over the held-out set (float32 rounding: 1e-5 relative)...
  const x = (m.objective.data.test.dataSync() as Float32Array).map((t) => t - MEAN);
  const meanSq = x.reduce((a, t) => a + t * t, 0) / (x.length / dim);
  assert.ok(Math.abs(fisher - 0.5 * c * meanSq) < 1e-5 * fisher, `Fisher ${fisher} vs ½·c·mean‖x − μ‖² ${0.5 * c * meanSq}`);
  // ...which estimates (d/2)·s²·c with relative s.e. √(2/(d·n)) = 1.3% for n = 4000; 5% is 4 s.e.
  const closed = (dim / 2) * STD * STD * c;
  assert.ok(Math.abs(fisher - closed) < 0.05 * closed, `Fisher ${fisher} vs closed form ${closed}`);
  // KSD²: far beyond the null's spread (s.d. 3e-3 above); measured 0.12–0.16 over 3 data seeds.
  assert.ok(report.metrics.ksd! > 0.06, `KSD² ${report.metrics.ksd}`);
  built.dispose();
  m.dispose();
});

test('score fit: no Fisher divergence without a known density; KSD² still', async () => {
  const data = buildNode(dataToy2dNode, { dataset: 'moons', trainSize: 10, testSize: 500 });
  const m = setup({ data });
  const built = buildNode(monitorScoreNode, {}, { trainer: m.trainer });
  const report = await built.monitors[0]!.evaluate(1);
  assert.equal(report.metrics.fisher, undefined);
  assert.ok(Number.isFinite(report.metrics.ksd));
  built.dispose();
  m.dispose();
  // With the mixture's true score: a unit Gaussian model of 8gaussians (clusters of std 0.35) is far from it.
  const m8 = setup({ data: buildNode(dataToy2dNode, { dataset: '8gaussians', trainSize: 10, testSize: 500 }) });
  const built8 = buildNode(monitorScoreNode, {}, { trainer: m8.trainer });
  const r8 = await built8.monitors[0]!.evaluate(1);
  assert.ok(r8.metrics.fisher! > 1, `Fisher ${r8.metrics.fisher}`);
  built8.dispose();
  m8.dispose();
});

test('score fit evaluations leak no tensors', async () => {
  const m = setup();
  const built = buildNode(monitorScoreNode, { points: 200 }, { trainer: m.trainer });
  await built.monitors[0]!.evaluate(0);
  assert.equal(await leaked(async () => void (await built.monitors[0]!.evaluate(1))), 0);
  built.dispose();
  m.dispose();
});

// ------------------------------------------------------------------------------------------------
// MCMC diagnostics

test('mcmc: Langevin on a Gaussian energy has the AR(1) answer for ESS per step, and R̂ ≈ 1', async () => {
  // x_{t+1} − μ = φ(x_t − μ) + √ε z with φ = 1 − ε/(2s²): the energy ½‖x − μ‖²/s² then has
  // autocorrelation φ^{2k}, so τ = (1 + φ²)/(1 − φ²) and ESS per step = (1 − φ²)/(1 + φ²).
  const eps = 0.3;
  const phi2 = (1 - eps / (2 * STD * STD)) ** 2;
  const expected = (1 - phi2) / (1 + phi2); // 0.350
  const m = setup({ langevin: { stepSize: eps, init: 'noise' } });
  const built = buildNode(monitorMcmcNode, { chains: 64, steps: 1000, burnIn: 0.5 }, { trainer: m.trainer });
  const report = await built.monitors[0]!.evaluate(1);
  const r = report.metrics;
  // 64 chains × 500 kept steps: each chain's τ̂ is noisy (s.d. near 0.15·τ) and a little low at this
  // length, so the mean ESS per step runs a few percent high: 0.346–0.372 over 4 seeds (+3.5% on
  // average, s.d. 0.01). ±12% holds the bias and 3 s.d.; a wrong lag or a missing mean removal
  // moves it far more.
  assert.ok(Math.abs(r.ess_per_step! - expected) < 0.12 * expected, `ESS/step ${r.ess_per_step} vs ${expected}`);
  assert.ok(Math.abs(r.ess! - 500 * r.ess_per_step!) < 1e-6);
  assert.ok(r.rhat! > 0.99 && r.rhat! < 1.1, `R̂ ${r.rhat}`);
  assert.ok(r.ess_per_step! > 0 && r.ess_per_step! <= 1.5);
  // Chain-end energy: ULA's stationary variance is ε/(1 − φ²) = 0.579 per coordinate, so
  // E[E] = d/2 · 0.579/0.49 = 1.18 (not the exact 1); 64 chains: s.e. ≈ 0.15.
  const stationary = ((2 / 2) * (eps / (1 - phi2))) / (STD * STD);
  assert.ok(Math.abs(r.mcmc_chain_energy! - stationary) < 0.6, `chain energy ${r.mcmc_chain_energy} vs ${stationary}`);
  assert.equal(r.mcmc_acceptance, undefined, 'Langevin has no acceptance rate');
  built.dispose();
  m.dispose();
});

test('mcmc: chains that cannot move from scattered starts have R̂ well above 1.1', async () => {
  // ε = 1e-6: a chain moves about 1e-3 per step, so each stays where uniform noise over the data's
  // box put it and the chains' energies disagree far more than any one chain's trace varies.
  const m = setup({ langevin: { stepSize: 1e-6 } });
  const built = buildNode(monitorMcmcNode, { chains: 16, steps: 40, start: 'noise' }, { trainer: m.trainer });
  const report = await built.monitors[0]!.evaluate(1);
  assert.ok(report.metrics.rhat! > 1.5, `R̂ ${report.metrics.rhat}`);
  built.dispose();
  m.dispose();
});

test('mcmc: reports the sampler’s acceptance, draws the asked steps with a trace, never persists', async () => {
  const m = setup({ langevin: { stepSize: 0.1 } });
  const inner = m.objective.sampler!;
  const requests: { steps?: number; trace?: boolean; persist: boolean; n: number; start: boolean }[] = [];
  const stub: Sampler = {
    nodeId: 'stub',
    energy: inner.energy,
    async sample(request) {
      requests.push({ steps: request.steps, trace: request.trace, persist: request.persist, n: request.data.shape[0], start: request.start !== undefined });
      const draw = await inner.sample(request);
      return { ...draw, stats: { ...draw.stats, acceptance: tf.scalar(0.625) } };
    },
  };
  const built = buildNode(monitorMcmcNode, { chains: 8, steps: 20 }, { trainer: m.trainer, sampler: stub });
  const report = await built.monitors[0]!.evaluate(1);
  assert.equal(report.metrics.mcmc_acceptance, 0.625);
  assert.deepEqual(requests, [{ steps: 20, trace: true, persist: false, n: 8, start: true }]);
  assert.equal(await leaked(async () => void (await built.monitors[0]!.evaluate(2))), 0);
  built.dispose();
  m.dispose();
});

test('mcmc: needs a sampler, and enough steps after the burn-in', () => {
  const m = setup();
  assert.throws(() => buildNode(monitorMcmcNode, {}, { trainer: m.trainer }), /no sampler/);
  const check = monitorMcmcNode.check!;
  assert.deepEqual(check({ chains: 64, steps: 200, burnIn: 0.5, start: 'data' }), []);
  assert.equal(check({ chains: 64, steps: 8, burnIn: 0.9, start: 'data' })[0]?.param, 'burnIn');
  assert.equal(monitorMcmcNode.derived!({ chains: 64, steps: 200, burnIn: 0.5, start: 'data' }).kept?.value, 100);
  m.dispose();
});

test('mcmc evaluations leak no tensors, from data and from noise', async () => {
  const m = setup({ langevin: { stepSize: 0.1 } });
  for (const start of ['data', 'noise', 'sampler']) {
    const built = buildNode(monitorMcmcNode, { chains: 8, steps: 16, start }, { trainer: m.trainer });
    await built.monitors[0]!.evaluate(0);
    assert.equal(await leaked(async () => void (await built.monitors[0]!.evaluate(1))), 0, start);
    built.dispose();
  }
  m.dispose();
});

test('every metric the method monitors report has a panel in METRIC_GROUPS, drawn unsmoothed', () => {
  const grouped = new Map(METRIC_GROUPS.flatMap((g) => g.metrics.map((mm) => [mm.key, g] as const)));
  for (const key of ['fisher', 'ksd', 'ess', 'ess_per_step', 'rhat', 'mcmc_acceptance', 'mcmc_chain_energy']) {
    const group = grouped.get(key);
    assert.ok(group, `${key} has a group`);
    assert.equal(group.monitor, true, `${key} is a monitor's metric`);
  }
  assert.equal(grouped.get('fisher')?.logY, true);
  assert.deepEqual(grouped.get('rhat')?.reference, { value: 1, label: 'R̂ = 1' });
});
