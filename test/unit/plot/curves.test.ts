import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  autoSmoothing,
  drawCurves,
  emaSmooth,
  isNoisy,
  metricPoints,
  metricsPanels,
  robustExtent,
  smoothSeries,
  type MetricsRow,
  type Panel,
} from '../../../app/plot/curves.ts';
import { Rng } from '../../../app/runtime/rng.ts';
import { FakeCanvas } from './fake-canvas.ts';
import { ENTROPY, syntheticMetrics } from './fixtures.ts';

const BOX = { x: 0, y: 0, width: 1200, height: 780 };

test('metricsPanels groups the known metrics and gives every other metric its own panel', () => {
  const rows: MetricsRow[] = [
    { step: 0, loss: 1, e_data: -1, e_samples: 0, gap: -1, grad_norm: 3, custom_b: 5 },
    { step: 10, loss: 0.5, e_data: -2, e_samples: -1.5, gap: -0.5, grad_norm: 2, nll: 3.1, nll_minus_entropy: 0.3, mmd2: 0.01, custom_a: 1 },
  ];
  const panels = metricsPanels(rows, { entropy: 2.8 });
  assert.deepEqual(
    panels.map((p) => p.title),
    ['Loss', 'Energies', 'Held-out NLL', 'NLL − entropy', 'MMD²', 'Gradient norm', 'custom_b', 'custom_a'],
  );
  const energies = panels.find((p) => p.title === 'Energies');
  assert.deepEqual(energies?.series.map((s) => s.name), ['e_data', 'e_samples', 'gap']);
  const nll = panels.find((p) => p.title === 'Held-out NLL');
  assert.equal(nll?.hlines?.[0]?.value, 2.8);
  assert.match(nll?.hlines?.[0]?.label ?? '', /entropy 2\.8/);
  assert.equal(panels.find((p) => p.title === 'Gradient norm')?.logY, true);
  // Without an entropy there is no line to draw.
  assert.equal(metricsPanels(rows).find((p) => p.title === 'Held-out NLL')?.hlines, undefined);
  // Metrics that no row has make no panel.
  assert.deepEqual(metricsPanels([{ step: 0, loss: 1 }]).map((p) => p.title), ['Loss']);
  assert.deepEqual(metricsPanels([]), []);
});

test('metric points skip rows without the metric and read JSON null as NaN', () => {
  const rows: MetricsRow[] = [{ step: 20, nll: 3 }, { step: 0, loss: 1 }, { step: 10, nll: null }, { step: 30, nll: 'NaN' }, { step: 40, nll: 'x' }, { step: 50, nll: 'constructor' }];
  const points = metricPoints(rows, 'nll');
  assert.equal(points.length, 3);
  assert.deepEqual(points.map((p) => p[0]), [10, 20, 30], 'in step order');
  assert.ok(Number.isNaN(points[0]?.[1]));
  assert.equal(points[1]?.[1], 3);
  assert.ok(Number.isNaN(points[2]?.[1]));
  assert.deepEqual(metricPoints([{ step: 0, g: '-Infinity' }, { step: 1, g: 'inf' }], 'g'), [[0, -Infinity], [1, Infinity]]);
  assert.deepEqual(metricsPanels([{ step: 0, phase: 'warmup', loss: 1 }]).map((p) => p.title), ['Loss'], 'text fields are not metrics');
});

test('the EMA is debiased and skips non-finite values', () => {
  assert.deepEqual(emaSmooth([4, 4, 4], 0.9), [4, 4, 4]);
  assert.equal(emaSmooth([7, 1], 0.9)[0], 7, 'the first value is not pulled towards 0');
  const withNaN = emaSmooth([1, NaN, 1], 0.5);
  assert.ok(Number.isNaN(withNaN[1]));
  assert.equal(withNaN[2], 1);
  assert.ok(autoSmoothing(30) > 0 && autoSmoothing(3000) > autoSmoothing(300));
});

test('the two-sided smoother follows a trend to both ends and averages noise away', () => {
  const ramp = Array.from({ length: 101 }, (_, i) => 3 * i - 40);
  const oneWay = emaSmooth(ramp, 0.9);
  assert.ok(Math.abs((oneWay[100] ?? 0) - 260) > 20, 'a one-way EMA lags a ramp');
  const smoothed = smoothSeries(ramp, 0.9);
  smoothed.forEach((v, i) => assert.ok(Math.abs(v - (ramp[i] ?? 0)) < 1e-6, `at ${i}: ${v}`));
  const rng = new Rng(3);
  const noisy = Array.from({ length: 400 }, () => 5 + rng.normal());
  const s = smoothSeries(noisy, 0.95);
  const err = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - 5) ** 2, 0) / xs.length);
  assert.ok(err(s) < err(noisy) / 3, `noise ${err(noisy)} → ${err(s)}`);
  assert.ok(Math.abs((s.at(-1) ?? 0) - 5) < 0.8, 'the last smoothed value is not just the last raw value');
  const gaps = smoothSeries([1, NaN, 1, Infinity, 1], 0.5);
  assert.ok(Number.isNaN(gaps[1]) && Number.isNaN(gaps[3]));
  assert.deepEqual([gaps[0], gaps[2], gaps[4]], [1, 1, 1]);
  assert.deepEqual(smoothSeries([2, 5], 0), [2, 5], 'weight 0 is the identity');
  // A run that blows up over its last points: the line does not rise before the blow-up does.
  const blowUp = [...Array.from({ length: 200 }, () => 1 + 0.1 * rng.normal()), 3, 6, 9];
  const line = smoothSeries(blowUp, autoSmoothing(blowUp.length));
  for (let i = 180; i < 200; i++) assert.ok(Math.abs((line[i] ?? 0) - 1) < 0.2, `at ${i}: ${line[i]}`);
});

test('noise detection: a smooth curve is left alone, a noisy one is smoothed', () => {
  const rng = new Rng(1);
  const smooth = Array.from({ length: 200 }, (_, i) => Math.exp(-i / 50));
  const noisy = smooth.map((v) => v + 0.05 * rng.normal());
  assert.equal(isNoisy(smooth), false);
  assert.equal(isNoisy(noisy), true);
  assert.equal(isNoisy(noisy.slice(0, 10)), false, 'too few points to tell');
  assert.equal(isNoisy([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]), false);
});

test('robustExtent leaves a blow-up off-scale but keeps an ordinary fall in view', () => {
  const values = Array.from({ length: 100 }, (_, i) => Math.sin(i));
  assert.deepEqual(robustExtent(values), [Math.min(...values), Math.max(...values)]);
  const [, hi] = robustExtent([...values, 1e6, NaN, Infinity]) ?? [0, 0];
  assert.ok(hi < 10, `top ${hi}`);
  // A loss falling from 2.75 to 0.35: all of it shows.
  const falling = Array.from({ length: 400 }, (_, i) => 2.4 * Math.exp(-i / 52) + 0.35);
  assert.deepEqual(robustExtent(falling), [Math.min(...falling), Math.max(...falling)]);
  // The same run exploding over its last 15 logs: the explosion goes off-scale.
  const exploding = [...falling, ...Array.from({ length: 15 }, (_, i) => 10 ** (i / 2))];
  const [lo2, hi2] = robustExtent(exploding) ?? [0, 0];
  assert.ok(hi2 >= 2.75 && hi2 < 20 && lo2 === Math.min(...falling), `[${lo2}, ${hi2}]`);
  assert.equal(robustExtent([NaN]), null);
  assert.deepEqual(robustExtent([1, 2, 3]), [1, 3], 'too few points to call anything an outlier');
});

test('drawCurves lays panels out in a grid sharing one step axis', () => {
  const ctx = new FakeCanvas();
  const panels = metricsPanels(syntheticMetrics(), { entropy: ENTROPY });
  const layout = drawCurves(ctx, BOX, panels, { title: 'Training curves' });
  assert.equal(layout.panels.length, 6);
  const [a, b, c, d] = layout.panels;
  assert.ok(a && b && c && d);
  assert.equal(a.plot.y, b.plot.y, 'a row shares its top');
  assert.equal(a.plot.x, d.plot.x, 'a column shares its left edge');
  assert.ok(d.plot.y > a.plot.y + a.plot.height, 'the second row is below the first');
  for (const p of layout.panels) {
    assert.deepEqual(p.x.domain, [0, 2000], 'every panel shows steps 0..2000');
    assert.ok(p.plot.x >= BOX.x && p.plot.x + p.plot.width <= BOX.width && p.plot.y + p.plot.height <= BOX.height);
  }
  // Panels do not overlap.
  for (const p of layout.panels) {
    for (const q of layout.panels) {
      if (p === q) continue;
      const apart = p.cell.x + p.cell.width <= q.cell.x || q.cell.x + q.cell.width <= p.cell.x || p.cell.y + p.cell.height <= q.cell.y || q.cell.y + q.cell.height <= p.cell.y;
      assert.ok(apart, `${p.panel.title} and ${q.panel.title} overlap`);
    }
  }
  const texts = ctx.texts();
  for (const t of ['Training curves', 'Loss', 'Energies', 'Held-out NLL', 'e_data', 'e_samples', 'gap', 'step', '1k', 'nats']) assert.ok(texts.includes(t), `"${t}" is drawn`);
  assert.ok(texts.some((t) => t.startsWith('data entropy')));
  // The noisy training metrics are smoothed; the monitors' sparse ones are not.
  assert.deepEqual(a.smoothed, ['loss']);
  assert.deepEqual(c.smoothed, []);
  assert.equal(a.y.kind, 'linear');
  assert.equal(layout.panels[5]?.y.kind, 'log', 'gradient norm on a log axis');
  assert.ok(ctx.balanced, 'every save is restored');
});

test('smoothing 0 turns smoothing off', () => {
  const layout = drawCurves(new FakeCanvas(), BOX, metricsPanels(syntheticMetrics()), { smoothing: 0 });
  assert.ok(layout.panels.every((p) => p.smoothed.length === 0));
});

test('a diverged run with missing metrics draws what is finite and marks where it stopped', () => {
  const ctx = new FakeCanvas();
  const rows = syntheticMetrics({ divergeAt: 1430 });
  // Blow up before the NaNs, as real runs do.
  rows.push({ step: 2005, loss: Infinity }, { step: 2010, loss: 'NaN' });
  const layout = drawCurves(ctx, BOX, metricsPanels(rows, { entropy: ENTROPY }));
  assert.equal(layout.panels[0]?.nonFiniteFrom, 1430);
  assert.equal(layout.panels[2]?.nonFiniteFrom, 1500, 'the NLL is logged every 100 steps');
  assert.ok(ctx.texts().includes('non-finite from step 1430'));
  assert.ok(ctx.balanced);
  for (const p of layout.panels) assert.ok(Number.isFinite(p.y.domain[0]) && Number.isFinite(p.y.domain[1]));
  // The y range comes from the finite values only.
  const loss = layout.panels[0];
  assert.ok(loss && loss.y.domain[1] < 10);
  assert.equal(loss.offScale, false);
  // A blow-up before the NaNs is left off-scale, and the panel says so.
  const blown = drawCurves(new FakeCanvas(), BOX, [
    { title: 'Loss', yLabel: 'loss', series: [{ name: 'loss', points: [...Array.from({ length: 200 }, (_, i): [number, number] => [i, 1 + Math.exp(-i / 40)]), [200, 1e5], [201, 1e7], [202, NaN]] }] },
  ]);
  assert.equal(blown.panels[0]?.offScale, true);
  assert.ok((blown.panels[0]?.y.domain[1] ?? Infinity) < 10);
});

test('empty, all-NaN, single-point and non-positive log panels draw without throwing', () => {
  const panels: Panel[] = [
    { title: 'empty', yLabel: '', series: [{ name: 'a', points: [] }] },
    { title: 'all NaN', yLabel: 'v', series: [{ name: 'a', points: [[0, NaN], [1, NaN]] }] },
    { title: 'one point', yLabel: 'v', series: [{ name: 'a', points: [[5, 2]] }] },
    { title: 'flat', yLabel: 'v', series: [{ name: 'a', points: [[0, 3], [10, 3], [20, 3]] }] },
    { title: 'log with zeros', yLabel: 'v', logY: true, series: [{ name: 'a', points: [[0, 0], [1, -2], [2, 5], [3, 50]] }] },
    { title: 'log, nothing positive', yLabel: 'v', logY: true, series: [{ name: 'a', points: [[0, 0], [1, -2]] }] },
  ];
  const ctx = new FakeCanvas();
  const layout = drawCurves(ctx, BOX, panels);
  assert.equal(layout.panels.length, panels.length);
  assert.ok(ctx.texts().filter((t) => t === 'no finite values').length >= 2);
  assert.equal(layout.panels[4]?.y.kind, 'log');
  assert.equal(layout.panels[5]?.y.kind, 'linear', 'a log panel with nothing positive falls back to linear');
  const none = new FakeCanvas();
  assert.deepEqual(drawCurves(none, BOX, []).panels, []);
  assert.ok(none.texts().includes('no metrics logged yet'));
});

test('drawing respects the box it is given', () => {
  const ctx = new FakeCanvas();
  const box = { x: 300, y: 200, width: 600, height: 400 };
  const layout = drawCurves(ctx, box, metricsPanels(syntheticMetrics()).slice(0, 2));
  for (const p of layout.panels) {
    assert.ok(p.cell.x >= box.x && p.cell.y >= box.y);
    assert.ok(p.cell.x + p.cell.width <= box.x + box.width + 1e-9 && p.cell.y + p.cell.height <= box.y + box.height + 1e-9);
  }
  const bg = ctx.calls.find((c) => c.name === 'fillRect');
  assert.deepEqual(bg?.args, [300, 200, 600, 400], 'the background fills the box');
});
