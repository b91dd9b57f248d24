import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PanelData, baseName, drawnSeries, gridColumns, groupMetrics, smoothingOf, stepExtent } from '../../../renderer/src/runs/curves-data.ts';
import { appendRows, applyRunEvents, emptyMetrics, startingView } from '../../../renderer/src/runs/run-view.ts';
import { emaSmooth } from '../../../app/plot/curves.ts';
import { metricsAt, progress, started, streamTo } from './fixtures.ts';

const NAMES = ['loss', 'e_data', 'e_samples', 'gap', 'grad_norm', 'nll', 'nll_minus_entropy', 'mmd2', 'accept_rate'];

test('metrics go in the core figure’s groups, loss on its own, monitors’ metrics in their own panels, the rest one panel each', () => {
  const panels = groupMetrics(NAMES, 0.6);
  assert.deepEqual(
    panels.map((p) => [p.title, p.series.map((s) => s.key)]),
    [
      ['Loss', ['loss']],
      ['Energies', ['e_data', 'e_samples', 'gap']],
      ['Held-out NLL', ['nll']],
      ['NLL − entropy', ['nll_minus_entropy']],
      ['MMD²', ['mmd2']],
      ['Gradient norm', ['grad_norm']],
      ['accept_rate', ['accept_rate']],
    ],
  );
  const byId = new Map(panels.map((p) => [p.id, p]));
  assert.equal(byId.get('grad_norm')?.log, true, 'the gradient norm on a log scale, as in loss.png');
  assert.equal(byId.get('loss')?.log, false);
  assert.equal(byId.get('nll_minus_entropy')?.referenceLine, 0);
  assert.equal(byId.get('loss')?.referenceLine, null);
  assert.equal(groupMetrics(['rhat'], 0.6)[0]?.referenceLine, 1, 'R̂ is read against 1');
  // Per-step training averages are smoothed; the monitors' evaluations are not.
  assert.equal(byId.get('loss')?.series[0]?.smooth, true);
  assert.equal(byId.get('nll')?.series[0]?.smooth, false);
  assert.equal(byId.get('mmd2')?.series[0]?.smooth, false);
  // Distinct colours within a panel.
  const energies = byId.get('energies')?.series.map((s) => s.color) ?? [];
  assert.equal(new Set(energies).size, 3);
  // No smoothing asked: nothing smoothed.
  assert.ok(groupMetrics(NAMES, 0).every((p) => p.series.every((s) => !s.smooth)));
  // Only what is present.
  assert.deepEqual(groupMetrics(['loss'], 0.6).map((p) => p.id), ['loss']);
});

test('with several trainers, the same metric of each goes in one panel', () => {
  assert.equal(baseName('cd/loss'), 'loss');
  const panels = groupMetrics(['cd/loss', 'cd/grad_norm', 'sm/loss', 'sm/grad_norm', 'nll'], 0.5);
  assert.deepEqual(panels.map((p) => [p.id, p.series.map((s) => s.key)]), [
    ['loss', ['cd/loss', 'sm/loss']],
    ['nll', ['nll']],
    ['grad_norm', ['cd/grad_norm', 'sm/grad_norm']],
  ]);
  const loss = panels[0]?.series ?? [];
  assert.notEqual(loss[0]?.color, loss[1]?.color);
});

test('the smoothing is the curves monitor’s, else its default', () => {
  assert.equal(smoothingOf([{ kind: 'curves', nodeId: 'c', smoothing: 0.9 }]), 0.9);
  assert.equal(smoothingOf([{ kind: 'samples', nodeId: 's' }]), 0.6);
  assert.equal(smoothingOf([{ kind: 'curves', nodeId: 'c', smoothing: 0 }]), 0);
});

test('a smoothed series is drawn raw (faint) then smoothed; others raw only', () => {
  const [loss, nll] = groupMetrics(['loss', 'nll'], 0.6);
  assert.ok(loss && nll);
  assert.deepEqual(drawnSeries(loss).map((d) => [d.kind, d.faint]), [['raw', true], ['smoothed', false]]);
  assert.deepEqual(drawnSeries(nll).map((d) => [d.kind, d.faint]), [['raw', false]]);
});

test('panel data grows row by row: only rows that logged the panel’s metrics, smoothed like the core’s EMA', () => {
  const panels = groupMetrics(NAMES, 0.6);
  const loss = new PanelData(panels.find((p) => p.id === 'loss')!, 0.6);
  const nll = new PanelData(panels.find((p) => p.id === 'nll')!, 0.6);
  let view = applyRunEvents(startingView('a'), streamTo(500));
  assert.ok(loss.sync(view.metrics));
  assert.ok(nll.sync(view.metrics));
  assert.equal(loss.x.length, 50);
  assert.deepEqual(nll.x, [100, 200, 300, 400, 500], 'the monitor panel joins its own points');
  assert.deepEqual(nll.data()[1], [100, 200, 300, 400, 500].map((s) => metricsAt(s).nll));
  const raw = Array.from({ length: 50 }, (_, i) => metricsAt(10 * (i + 1)).loss ?? NaN);
  assert.deepEqual(loss.data()[1], raw);
  const smoothed = loss.data()[2] as number[];
  const expected = emaSmooth(raw, 0.6);
  smoothed.forEach((v, i) => assert.ok(Math.abs(v - (expected[i] ?? NaN)) < 1e-12, `row ${i}`));

  // Nothing new: no change. New rows: appended to the same arrays, nothing recomputed.
  assert.equal(loss.sync(view.metrics), false);
  const xArray = loss.x;
  view = applyRunEvents(view, [progress(510), progress(520)]);
  assert.ok(loss.sync(view.metrics));
  assert.equal(loss.x, xArray);
  assert.deepEqual(loss.x.slice(-3), [500, 510, 520]);
  assert.equal(loss.rows, 52);
  assert.equal(nll.sync(view.metrics), false, 'rows without NLL do not touch its panel');
  assert.equal(nll.rows, 52);
});

test('panel data breaks the line at non-finite values, spans rows a metric did not log, and drops ≤ 0 on a log axis', () => {
  const spec = groupMetrics(['cd/grad_norm', 'sm/grad_norm'], 0)[0]!;
  assert.equal(spec.log, true);
  const data = new PanelData(spec, 0);
  const table = appendRows(emptyMetrics(), [
    { step: 1, metrics: { 'cd/grad_norm': 2, 'sm/grad_norm': 3 } },
    { step: 2, metrics: { 'cd/grad_norm': Number.POSITIVE_INFINITY } },
    { step: 3, metrics: { 'cd/grad_norm': 0, 'sm/grad_norm': 4 } },
    { step: 4, metrics: { other: 1 } },
    { step: 5, metrics: { 'cd/grad_norm': NaN, 'sm/grad_norm': 5 } },
  ]);
  data.sync(table);
  assert.deepEqual(data.x, [1, 2, 3, 5]);
  assert.deepEqual(data.data()[1], [2, null, null, null]);
  assert.deepEqual(data.data()[2], [3, undefined, 4, 5]);
});

test('panel data starts over for another run’s table', () => {
  const spec = groupMetrics(['loss'], 0)[0]!;
  const data = new PanelData(spec, 0);
  data.sync(applyRunEvents(startingView('a'), streamTo(300)).metrics);
  assert.equal(data.x.length, 30);
  const other = applyRunEvents(startingView('b'), [started(), progress(5, 10, { loss: 7 })]).metrics;
  assert.ok(data.sync(other));
  assert.deepEqual(data.x, [5]);
  assert.deepEqual(data.data()[1], [7]);
});

test('every panel shares the step range of the table', () => {
  assert.equal(stepExtent(emptyMetrics()), null);
  assert.deepEqual(stepExtent(applyRunEvents(startingView('a'), streamTo(300)).metrics), [10, 300]);
  assert.deepEqual(stepExtent(appendRows(emptyMetrics(), [{ step: 4, metrics: {} }])), [3, 5]);
});

test('the panels’ grid: as many columns as keep each panel wide enough and as large as it can be', () => {
  assert.equal(gridColumns(1, 900, 400), 1);
  assert.equal(gridColumns(3, 1000, 400), 3, 'a wide short box: one row');
  assert.equal(gridColumns(6, 1100, 440), 3, 'a 350–500 px panel: two rows of three');
  assert.equal(gridColumns(6, 400, 440), 2, 'a narrow box: two columns, never below the least width');
  assert.equal(gridColumns(6, 300, 440), 1);
  assert.equal(gridColumns(2, 500, 900), 1, 'a tall box: stacked');
});
