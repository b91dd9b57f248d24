// A run reopened from its folder shows its energy traces: openRun reads the trace snapshots the
// run folder wrote (the last of each MCMC monitor) beside the 2D monitors' samples snapshots, and
// the result passes the host contract's schema, as the UI receives it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOST_METHODS } from '../../../app/api/contract.ts';
import { createServices, dispatch } from '../../../app/api/node/services.ts';
import { parseGraph } from '../../../app/graph/parse.ts';
import type { SamplesSnapshot, Summary, TraceSnapshot } from '../../../app/runtime/events.ts';
import { RunFolder } from '../../../app/runtime/node/run-folder.ts';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'ebm-open-run-traces-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const trace = (step: number, first: number): TraceSnapshot => ({
  kind: 'trace',
  step,
  nodeId: 'mcmc',
  steps: 3,
  burnIn: 1,
  totalChains: 64,
  chains: 2,
  at: [1, 2, 3],
  energies: [first, 2, NaN, 4, 5, 6],
});
const samples = (step: number): SamplesSnapshot => ({ step, nodeId: 'density', bounds: [[-1, 1], [-1, 1]], gridSize: 1, energy: [step], samples: [0, 0], data: [1, 1] });

test('openRun returns the last traces of each MCMC monitor with the samples snapshots', async () => {
  const runsDir = join(root, 'runs');
  const doc = parseGraph(await readFile('examples/8gaussians-hmc.ebm.json', 'utf8')).document!;
  // The run folder as a run writes it.
  const folder = new RunFolder(join(runsDir, 'run-1'), doc);
  folder.onEvent({ type: 'started', runId: 'run-1', backend: 'cpu', backendNotes: [], totalSteps: 20, plots: [{ kind: 'samples', nodeId: 'density' }, { kind: 'trace', nodeId: 'mcmc' }] });
  folder.onEvent({ type: 'progress', step: 10, totalSteps: 20, metrics: { loss: 1 }, stepsPerSecond: 1 });
  for (const step of [10, 20]) {
    folder.onEvent({ type: 'snapshot', snapshot: samples(step) });
    folder.onEvent({ type: 'snapshot', snapshot: trace(step, step / 10) });
  }
  const summary: Summary = { status: 'completed', title: doc.metadata.title, seed: 0, backend: 'cpu', steps: 20, totalSteps: 20, seconds: 1, stepsPerSecond: 20, final: {}, readouts: {}, truth: {}, knownAnswers: [] };
  folder.onEvent({ type: 'finished', summary });

  const services = createServices({ host: 'web', workspace: root, runsDir, examplesDir: root, startRun: () => assert.fail('no run is started'), push: () => {} });
  const data = HOST_METHODS.openRun.result.parse(await dispatch(services, 'openRun', { runId: 'run-1' }));
  assert.deepEqual(data.plots, [{ kind: 'samples', nodeId: 'density' }, { kind: 'trace', nodeId: 'mcmc' }]);
  const byKind = Object.fromEntries(data.snapshots.map((s) => [s.kind ?? 'samples', s]));
  assert.deepEqual(Object.keys(byKind).sort(), ['samples', 'trace']);
  assert.deepEqual(byKind.samples, samples(20));
  const t = byKind.trace;
  assert.ok(t?.kind === 'trace');
  // The last one, NaN back as NaN (written as null).
  assert.equal(t.step, 20);
  assert.equal(t.energies[0], 2);
  assert.ok(Number.isNaN(t.energies[2]));
  assert.deepEqual({ ...t, energies: [] }, { ...trace(20, 2), energies: [] });
  await services.shutdown();
});
