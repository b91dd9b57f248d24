import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendRows,
  applyRunEvent,
  applyRunEvents,
  emptyMetrics,
  isActive,
  lastValue,
  metricColumn,
  metricSteps,
  startingView,
  viewFromRunData,
  type RunView,
} from '../../../renderer/src/runs/run-view.ts';
import type { RunEvent } from '../../../app/runtime/events.ts';
import { NON_FINITE, PLOTS, RUN_ID, metricsAt, progress, record, runData, snapshot, started, streamTo, summary } from './fixtures.ts';

const fold = (view: RunView, events: readonly RunEvent[]): RunView => events.reduce(applyRunEvent, view);

test('a run streamed from start to finish: state, progress, columns, last snapshot, summary', () => {
  let view = startingView('Two moons');
  assert.equal(view.state, 'starting');
  assert.ok(isActive(view));

  view = applyRunEvent(view, started());
  assert.equal(view.state, 'running');
  assert.equal(view.runId, RUN_ID);
  assert.equal(view.backend, 'wasm');
  assert.deepEqual(view.backendNotes, ['tensorflow: @tensorflow/tfjs-node is not installed']);
  assert.equal(view.totalSteps, 1000);
  assert.deepEqual(view.plots, PLOTS);

  view = fold(view, streamTo(1000).slice(1));
  assert.equal(view.step, 1000);
  assert.equal(view.stepsPerSecond, 14.5);
  assert.equal(view.metrics.rows, 100);
  assert.deepEqual(Array.from(metricSteps(view.metrics)), Array.from({ length: 100 }, (_, i) => 10 * (i + 1)));
  // Names in order of first appearance: the training metrics, then the monitor's from step 100.
  assert.deepEqual(view.metrics.names, ['loss', 'e_data', 'e_samples', 'gap', 'grad_norm', 'nll', 'nll_minus_entropy', 'mmd2']);
  const loss = metricColumn(view.metrics, 'loss');
  assert.ok(loss);
  assert.equal(loss.values.length, 100);
  assert.equal(loss.values[41], metricsAt(420).loss);
  assert.ok(loss.logged.every((l) => l === 1));
  // The monitor's NLL only on the rows that logged it; the others are marked not logged.
  const nll = metricColumn(view.metrics, 'nll');
  assert.ok(nll);
  assert.equal(nll.logged[8], 0);
  assert.ok(Number.isNaN(nll.values[8]));
  assert.equal(nll.logged[9], 1);
  assert.equal(nll.values[9], metricsAt(100).nll);
  assert.equal(Array.from(nll.logged).filter(Boolean).length, 10);
  assert.equal(lastValue(view.metrics, 'nll'), metricsAt(1000).nll);
  assert.equal(metricColumn(view.metrics, 'nope'), null);

  // The last snapshot of the monitor is the one kept.
  assert.equal(view.snapshots.density?.step, 1000);
  assert.equal(view.lastSnapshotNode, 'density');
  assert.equal(view.state, 'running');

  view = applyRunEvent(view, { type: 'samples', step: 1000, trainerId: 'trainer', samplerId: 'langevin', dim: 2, values: [0, 1, 2, 3] });
  assert.deepEqual(view.finalSamples.trainer?.values, [0, 1, 2, 3]);

  const done = summary();
  view = applyRunEvent(view, { type: 'finished', summary: done });
  assert.equal(view.state, 'completed');
  assert.ok(!isActive(view));
  assert.equal(view.summary, done);
  assert.equal(view.failure, null);
  assert.equal(view.metrics.rows, 100, 'the summary adds no rows');
});

test('a failed run keeps the diagnostic with the node to mark and the step', () => {
  let view = fold(startingView('Two moons'), streamTo(400));
  view = applyRunEvent(view, { type: 'failed', diagnostic: NON_FINITE, summary: summary({ status: 'failed', steps: 411, error: NON_FINITE }) });
  assert.equal(view.state, 'failed');
  assert.deepEqual(view.failure, { code: 'NON_FINITE', message: NON_FINITE.message, nodeId: 'adam', step: 412 });
  assert.equal(view.step, 411);
  assert.equal(view.metrics.rows, 40);
  assert.ok(!isActive(view));
});

test('a run that fails before it starts (no summary) still reads as failed, without a node', () => {
  const view = applyRunEvent(startingView('x'), { type: 'failed', diagnostic: { code: 'RUN_ERROR', severity: 'error', message: 'the run stopped at step 1: boom', step: 1 } });
  assert.equal(view.state, 'failed');
  assert.deepEqual(view.failure, { code: 'RUN_ERROR', message: 'the run stopped at step 1: boom', step: 1 });
  assert.equal(view.summary, null);
});

test('a cancelled run ends where it stopped', () => {
  let view = fold(startingView('Two moons'), streamTo(250));
  view = applyRunEvent(view, { type: 'finished', summary: summary({ status: 'cancelled', steps: 253, stepsPerSecond: 12 }) });
  assert.equal(view.state, 'cancelled');
  assert.equal(view.step, 253);
  assert.equal(view.stepsPerSecond, 12);
  assert.equal(view.failure, null);
  assert.equal(view.metrics.rows, 25);
  // A late event does not bring an ended run back to life.
  assert.equal(applyRunEvent(view, started()).state, 'cancelled');
});

test('a batch of events gives the same view as the events one by one', () => {
  const events = streamTo(600);
  const one = fold(startingView('a'), events);
  const batch = applyRunEvents(startingView('a'), events);
  assert.equal(batch.metrics.rows, one.metrics.rows);
  assert.deepEqual(Array.from(metricSteps(batch.metrics)), Array.from(metricSteps(one.metrics)));
  for (const name of one.metrics.names) assert.deepEqual(metricColumn(batch.metrics, name), metricColumn(one.metrics, name), name);
  assert.deepEqual(batch.snapshots, one.snapshots);
  assert.equal(batch.step, one.step);
  assert.equal(batch.state, one.state);
});

test('older views stay as they were: columns are append-only, and appending to an old view forks it', () => {
  const v1 = fold(startingView('a'), streamTo(50));
  const stepsBefore = Array.from(metricSteps(v1.metrics));
  const lossBefore = Array.from(metricColumn(v1.metrics, 'loss')?.values ?? []);
  const v2 = fold(v1, streamTo(2000, 10, 2000).slice(6));
  assert.equal(v1.metrics.rows, 5);
  assert.deepEqual(Array.from(metricSteps(v1.metrics)), stepsBefore);
  assert.deepEqual(Array.from(metricColumn(v1.metrics, 'loss')?.values ?? []), lossBefore);
  assert.deepEqual(v1.metrics.names, ['loss', 'e_data', 'e_samples', 'gap', 'grad_norm'], 'names seen later are not in the old view');
  assert.equal(metricColumn(v1.metrics, 'nll'), null);

  // A branch from v1 gets its own row 6; v2 still has the original one.
  const branch = applyRunEvent(v1, progress(999, 1000, { loss: -42 }));
  assert.equal(branch.metrics.rows, 6);
  assert.equal(metricSteps(branch.metrics)[5], 999);
  assert.equal(metricColumn(branch.metrics, 'loss')?.values[5], -42);
  assert.equal(metricSteps(v2.metrics)[5], 60);
  assert.equal(metricColumn(v2.metrics, 'loss')?.values[5], metricsAt(60).loss);
  assert.notEqual(branch.metrics.store, v2.metrics.store);
});

test('appending is amortised: 20,000 rows one at a time reallocate the columns a handful of times', () => {
  let view = applyRunEvent(startingView('long'), started({ totalSteps: 20_000 }));
  const buffers = new Set<Float64Array>();
  for (let step = 1; step <= 20_000; step++) {
    view = applyRunEvent(view, progress(step, 20_000, { loss: 1 / step, grad_norm: step }));
    buffers.add(view.metrics.store.steps);
  }
  assert.equal(view.metrics.rows, 20_000);
  assert.ok(buffers.size <= 8, `${buffers.size} step buffers`);
  const loss = metricColumn(view.metrics, 'loss');
  assert.equal(loss?.values[0], 1);
  assert.equal(loss?.values[19_999], 1 / 20_000);
  assert.equal(metricColumn(view.metrics, 'grad_norm')?.values[12_345], 12_346);
  assert.equal(metricSteps(view.metrics)[19_999], 20_000);
});

test('a metric that first appears late gets "not logged" in the rows before; rows after a capacity growth are "not logged" too', () => {
  const first = appendRows(emptyMetrics(), Array.from({ length: 200 }, (_, i) => ({ step: i, metrics: i >= 150 ? { a: i, late: -i } : { a: i } })));
  assert.equal(first.store.capacity, 256);
  // One row at a time past the first capacity: the columns grow, and 'late' is logged again only at the end.
  let table = first;
  for (let i = 200; i < 600; i++) table = appendRows(table, [{ step: i, metrics: i === 599 ? { a: i, late: -i } : { a: i } }]);
  assert.ok(table.store.capacity >= 600);
  const late = metricColumn(table, 'late');
  assert.ok(late);
  assert.equal(late.logged[149], 0);
  assert.ok(Number.isNaN(late.values[149]));
  assert.equal(late.logged[150], 1);
  assert.equal(late.values[199], -199);
  for (const i of [200, 256, 300, 511, 512, 598]) {
    assert.equal(late.logged[i], 0, `row ${i}`);
    assert.ok(Number.isNaN(late.values[i]), `row ${i}`);
  }
  assert.equal(late.values[599], -599);
  assert.equal(metricColumn(table, 'a')?.values[598], 598);
});

test('a reopened run: columns from metrics.jsonl rows, the last snapshot per monitor, state and summary from the record', () => {
  const data = runData();
  const view = viewFromRunData(data);
  assert.equal(view.reopened, true);
  assert.equal(view.runId, RUN_ID);
  assert.equal(view.title, 'Two moons, contrastive divergence');
  assert.equal(view.state, 'completed');
  assert.equal(view.backend, 'wasm');
  assert.equal(view.step, 1000);
  assert.equal(view.totalSteps, 1000);
  assert.equal(view.startedAt, '2025-01-01T12:00:00.000Z');
  assert.equal(view.folder, `runs/${RUN_ID}`);
  assert.equal(view.metrics.rows, 100);
  assert.deepEqual(view.metrics.names.slice(0, 2), ['loss', 'e_data']);
  assert.equal(metricColumn(view.metrics, 'mmd2')?.values[99], metricsAt(1000).mmd2);
  assert.deepEqual(Object.keys(view.snapshots).sort(), ['density', 'density2', 'density3']);
  assert.equal(view.lastSnapshotNode, 'density2', 'the newest snapshot is shown first');
  assert.equal(view.failure, null);
  assert.ok(!isActive(view));
});

test('a reopened failed run carries its failure; an interrupted one has no summary', () => {
  const failed = viewFromRunData(runData({ record: record({ state: 'failed', summary: summary({ status: 'failed', steps: 411, error: NON_FINITE }) }) }));
  assert.equal(failed.state, 'failed');
  assert.equal(failed.failure?.nodeId, 'adam');
  assert.equal(failed.step, 411);

  const interrupted = viewFromRunData(runData({ record: record({ state: 'interrupted', summary: null, backend: 'cpu' }), metrics: [{ step: 5, loss: 1 }, { step: 10, loss: 0.5 }], snapshots: [] }));
  assert.equal(interrupted.state, 'interrupted');
  assert.equal(interrupted.summary, null);
  assert.equal(interrupted.backend, 'cpu');
  assert.equal(interrupted.step, 10, 'the last logged step');
  assert.equal(interrupted.lastSnapshotNode, null);
  assert.deepEqual(Array.from(metricColumn(interrupted.metrics, 'loss')?.values ?? []), [1, 0.5]);
});

test('snapshots from several monitors are each kept, the newest named', () => {
  const view = fold(applyRunEvent(startingView('a'), started()), [
    { type: 'snapshot', snapshot: snapshot(100, 'a') },
    { type: 'snapshot', snapshot: snapshot(100, 'b') },
    { type: 'snapshot', snapshot: snapshot(200, 'a') },
  ]);
  assert.equal(view.snapshots.a?.step, 200);
  assert.equal(view.snapshots.b?.step, 100);
  assert.equal(view.lastSnapshotNode, 'a');
});
