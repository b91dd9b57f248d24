// The MCMC diagnostics monitor's energy traces: which steps a trace shows (thinning keeps the
// first and last), which chains, the burn-in, and that an evaluation on a real Langevin sampler
// returns exactly the energies the sampler recorded, as a snapshot the run events accept.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChainTrace, Dataset, EnergyModel, Objective, Optimizer, Sampler, Trainer } from '../../../nodes/define.ts';
import { dataGaussianNode } from '../../../nodes/data-gaussian/node.ts';
import { energyGaussianNode } from '../../../nodes/energy-gaussian/node.ts';
import { TRACE_CHAINS, TRACE_POINTS, monitorMcmcNode, shownSteps, traceSnapshot } from '../../../nodes/monitor-mcmc/node.ts';
import { samplerLangevinNode } from '../../../nodes/sampler-langevin/node.ts';
import { SnapshotSchema, type TraceSnapshot } from '../../../app/runtime/events.ts';
import { buildNode, leaked, useBackend } from '../../helpers/nodes.ts';

before(() => useBackend('cpu'));

/** A trace whose every value says where it came from: 1000·step + chain. */
function labelledTrace(steps: number, chains: number): ChainTrace {
  const energies = new Float32Array(steps * chains);
  for (let k = 0; k < steps; k++) for (let c = 0; c < chains; c++) energies[k * chains + c] = 1000 * (k + 1) + c;
  return { steps, chains, energies };
}

test('shownSteps: every step of a short trace; a long one thinned evenly to at most the limit, first and last step kept', () => {
  assert.deepEqual(shownSteps(5, 400), [1, 2, 3, 4, 5]);
  assert.equal(shownSteps(400, 400).length, 400);
  for (const steps of [401, 799, 800, 1000, 1001, 4321, 100000]) {
    const at = shownSteps(steps, 400);
    assert.ok(at.length <= 400 && at.length >= 200, `${steps} steps: ${at.length} points`);
    assert.equal(at[0], 1, `${steps}: the first step`);
    assert.equal(at.at(-1), steps, `${steps}: the last step`);
    // One stride between all points but the last pair, which may be shorter.
    const gaps = at.slice(1).map((k, i) => k - at[i]!);
    assert.ok(gaps.every((g) => g > 0), 'increasing');
    assert.equal(new Set(gaps.slice(0, -1)).size, 1, `${steps}: even stride`);
    assert.ok(gaps.at(-1)! <= gaps[0]!);
  }
  assert.deepEqual(shownSteps(10, 4), [1, 4, 7, 10]);
  assert.deepEqual(shownSteps(11, 4), [1, 5, 9, 11]);
  assert.throws(() => shownSteps(0), RangeError);
  assert.throws(() => shownSteps(10, 1), RangeError);
});

test('traceSnapshot: the first 8 chains at the shown steps, chain by chain, with the burn-in in steps', () => {
  const t = traceSnapshot(labelledTrace(1000, 64), { step: 250, nodeId: 'mcmc', burnIn: 0.5 });
  assert.equal(t.kind, 'trace');
  assert.equal(t.step, 250);
  assert.equal(t.nodeId, 'mcmc');
  assert.equal(t.steps, 1000);
  assert.equal(t.burnIn, 500);
  assert.equal(t.totalChains, 64);
  assert.equal(t.chains, TRACE_CHAINS);
  assert.deepEqual(t.at, shownSteps(1000, TRACE_POINTS));
  assert.equal(t.energies.length, TRACE_CHAINS * t.at.length);
  for (let c = 0; c < TRACE_CHAINS; c++) t.at.forEach((k, i) => assert.equal(t.energies[c * t.at.length + i], 1000 * k + c));

  // Fewer chains than the figure shows: all of them. The burn-in rounds down, as the diagnostics do.
  const few = traceSnapshot(labelledTrace(30, 3), { step: 0, nodeId: 'm', burnIn: 0.25 });
  assert.equal(few.chains, 3);
  assert.equal(few.totalChains, 3);
  assert.equal(few.burnIn, 7);
  assert.deepEqual(few.at, Array.from({ length: 30 }, (_, i) => i + 1));
  assert.deepEqual(few.energies.slice(0, 3), [1000, 2000, 3000]);
  assert.deepEqual(few.energies.slice(30, 33), [1001, 2001, 3001]);
  assert.equal(traceSnapshot(labelledTrace(30, 3), { step: 0, nodeId: 'm', burnIn: 0 }).burnIn, 0);
});

test('an evaluation on a real Langevin sampler returns the energies the sampler traced, as a snapshot the run events accept', async () => {
  const data = buildNode(dataGaussianNode, { dim: 2, mean: 0.5, std: 0.7, trainSize: 10, testSize: 100 });
  const energy = buildNode(energyGaussianNode, { dim: 2, initMean: 0.5, initVariance: 0.49 });
  const langevin = buildNode(samplerLangevinNode, { stepSize: 0.1 }, { energy: energy.outputs.energy });
  const inner = langevin.outputs.sampler as Sampler;
  // Keeps a copy of every trace the sampler returns.
  const seen: ChainTrace[] = [];
  const spy: Sampler = {
    nodeId: 'spy',
    energy: inner.energy,
    async sample(request) {
      const draw = await inner.sample(request);
      if (draw.trace) seen.push({ ...draw.trace, energies: draw.trace.energies.slice() });
      return draw;
    },
  };
  const objective = { nodeId: 'objective', data: data.outputs.data as Dataset, energy: energy.outputs.energy as EnergyModel, sampler: inner } as Objective;
  const trainer: Trainer = { nodeId: 'trainer', optimizer: { nodeId: 'opt', objective } as Optimizer, steps: 1, batchSize: 1, logEvery: 1, snapshotEvery: 1 };
  const built = buildNode(monitorMcmcNode, { chains: 16, steps: 900, burnIn: 0.3 }, { trainer, sampler: spy });
  const monitor = built.monitors[0]!;
  assert.deepEqual(monitor.plot, { kind: 'trace', nodeId: 'test-monitor.mcmc' });

  const report = await monitor.evaluate(42);
  assert.equal(seen.length, 1);
  const traced = seen[0]!;
  assert.equal(traced.steps, 900);
  assert.equal(traced.chains, 16);
  const s = report.snapshot;
  assert.ok(s && s.kind === 'trace', 'a trace snapshot');
  assert.equal(s.step, 42);
  assert.equal(s.nodeId, 'test-monitor.mcmc');
  assert.equal(s.steps, 900);
  assert.equal(s.burnIn, 270);
  assert.equal(s.totalChains, 16);
  assert.equal(s.chains, 8);
  assert.equal(s.at.length, shownSteps(900).length);
  assert.equal(s.at[0], 1);
  assert.equal(s.at.at(-1), 900);
  for (let c = 0; c < 8; c++) s.at.forEach((k, i) => assert.equal(s.energies[c * s.at.length + i], traced.energies[(k - 1) * 16 + c], `chain ${c} step ${k}`));
  // The chains moved: their energies are not all one value.
  assert.ok(new Set(s.energies).size > 100);
  // The diagnostics are still reported beside it.
  assert.ok(Number.isFinite(report.metrics.rhat) && Number.isFinite(report.metrics.ess));

  // Through JSON (a worker, the run folder) and the run events' schema: the same snapshot.
  const parsed = SnapshotSchema.parse(JSON.parse(JSON.stringify(s))) as TraceSnapshot;
  assert.deepEqual(parsed, s);
  // JSON's size stays small: 8 chains × at most 400 points.
  assert.ok(JSON.stringify(s).length < 100_000, `${JSON.stringify(s).length} characters`);

  assert.equal(await leaked(async () => void (await monitor.evaluate(43))), 0);
  built.dispose();
  [langevin, energy, data].forEach((b) => b.dispose());
});
