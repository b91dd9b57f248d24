// The run view keeps an MCMC monitor's energy traces apart from the 2D monitors' samples
// snapshots, live and when a run is reopened, so that the samples picture never receives a trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TraceSnapshot } from '../../../app/runtime/events.ts';
import { applyRunEvents, startingView, viewFromRunData } from '../../../renderer/src/runs/run-view.ts';
import { PLOTS, runData, snapshot, started } from './fixtures.ts';

const trace = (step: number, nodeId = 'mcmc'): TraceSnapshot => ({
  kind: 'trace',
  step,
  nodeId,
  steps: 4,
  burnIn: 2,
  totalChains: 64,
  chains: 1,
  at: [1, 2, 3, 4],
  energies: [4, 3, 2, 1],
});

test('live: trace snapshots go to traces (the newest per monitor), samples snapshots to snapshots', () => {
  const view = applyRunEvents(startingView('run'), [
    started({ plots: [...PLOTS, { kind: 'trace', nodeId: 'mcmc' }] }),
    { type: 'snapshot', snapshot: snapshot(100) },
    { type: 'snapshot', snapshot: trace(100) },
    { type: 'snapshot', snapshot: trace(100, 'mcmc2') },
    { type: 'snapshot', snapshot: trace(200) },
  ]);
  assert.deepEqual(Object.keys(view.snapshots), ['density']);
  assert.equal(view.lastSnapshotNode, 'density', 'a trace never becomes the samples picture');
  assert.deepEqual(Object.keys(view.traces).sort(), ['mcmc', 'mcmc2']);
  assert.deepEqual(view.traces.mcmc, trace(200));
  assert.equal(view.lastTraceNode, 'mcmc');
  // A later batch with only progress keeps the traces object as it was.
  const later = applyRunEvents(view, [{ type: 'progress', step: 210, totalSteps: 1000, metrics: { loss: 1 }, stepsPerSecond: 1 }]);
  assert.equal(later.traces, view.traces);
});

test('reopened: the traces of runData.snapshots are split from the samples, the newest monitor named', () => {
  const data = runData();
  const view = viewFromRunData({ ...data, snapshots: [...data.snapshots, trace(700, 'early'), trace(800, 'late')] });
  assert.deepEqual(Object.keys(view.snapshots).sort(), ['density', 'density2', 'density3']);
  assert.equal(view.lastSnapshotNode, 'density2');
  assert.deepEqual(Object.keys(view.traces).sort(), ['early', 'late']);
  assert.equal(view.lastTraceNode, 'late');
  const none = viewFromRunData(data);
  assert.deepEqual(none.traces, {});
  assert.equal(none.lastTraceNode, null);
});
