import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MASK_COLOR, drawSamplesOverEnergy, logDensity, type SnapshotLike } from '../../../app/plot/samples.ts';
import { VIRIDIS, colorAt, lutIndex } from '../../../app/plot/colormap.ts';
import { FakeCanvas } from './fake-canvas.ts';
import { eightGaussiansSnapshot, mixtureEnergy } from './fixtures.ts';

const BOX = { x: 0, y: 0, width: 900, height: 800 };

test('viridis runs from dark purple to yellow, getting lighter all the way', () => {
  assert.equal(VIRIDIS.length, 256 * 3);
  assert.deepEqual(colorAt(VIRIDIS, 0), [0x44, 0x01, 0x54]);
  assert.deepEqual(colorAt(VIRIDIS, 1), [0xfd, 0xe7, 0x25]);
  const luminance = (t: number) => {
    const [r, g, b] = colorAt(VIRIDIS, t);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  for (let i = 1; i < 256; i++) assert.ok(luminance(i / 255) >= luminance((i - 1) / 255) - 0.5, `entry ${i}`);
  assert.equal(lutIndex(VIRIDIS, NaN), 0);
  assert.equal(lutIndex(VIRIDIS, -3), 0);
  assert.equal(lutIndex(VIRIDIS, 7), 255);
});

test('logDensity normalises exp(−E) over the box on the cell-centre grid', () => {
  const snap = eightGaussiansSnapshot({ gridSize: 120 });
  const grid = logDensity(snap);
  assert.ok(grid);
  const cell = (6 / 120) * (6 / 120);
  let mass = 0;
  for (const v of grid.values) mass += Math.exp(v) * cell;
  assert.ok(Math.abs(mass - 1) < 1e-9, `mass ${mass}`);
  // Differences of log p are differences of −E.
  const a = 99 * 120 + 60; // (0.025, 1.975), next to the mode at (0, 2)
  const b = 10 * 120 + 7; // near the corner (−3, −3)
  const dE = (snap.energy[b] ?? NaN) - (snap.energy[a] ?? NaN);
  assert.ok(Math.abs((grid.values[a] ?? NaN) - (grid.values[b] ?? NaN) - dE) < 1e-9);
  assert.ok(dE > 10, 'the corner is far less likely than the mode');
  assert.ok(Math.abs(grid.max - Math.max(...grid.values)) < 1e-12);
  // A shift of the energy by a constant changes nothing.
  const shifted = logDensity({ ...snap, energy: snap.energy.map((v) => v + 1234) });
  assert.ok(shifted && Math.abs((shifted.values[777] ?? 0) - (grid.values[777] ?? 1)) < 1e-6);
});

test('logDensity: NaN cells are masked, +∞ cells have zero density, broken grids give null', () => {
  const energy = [0, NaN, Infinity, 1];
  const grid = logDensity({ step: 0, bounds: [[0, 2], [0, 2]], gridSize: 2, energy, samples: [], data: [] });
  assert.ok(grid);
  assert.ok(Number.isNaN(grid.values[1]));
  assert.equal(grid.values[2], -Infinity);
  assert.ok(Math.abs(Math.exp(grid.values[0] ?? 0) + Math.exp(grid.values[3] ?? 0) - 1) < 1e-12, 'cells are 1 × 1');
  const base = { step: 0, bounds: [[0, 1], [0, 1]] as const, samples: [], data: [] };
  assert.equal(logDensity({ ...base, gridSize: 2, energy: [NaN, NaN, Infinity, NaN] }), null);
  assert.equal(logDensity({ ...base, gridSize: 3, energy: [1, 2, 3] }), null, 'wrong length');
  assert.equal(logDensity({ ...base, gridSize: 0, energy: [] }), null);
});

test('the figure keeps an equal aspect ratio, a colour bar beside it, and everything in the box', () => {
  const snap: SnapshotLike = { ...eightGaussiansSnapshot(), bounds: [[-4, 4], [-2, 2]] };
  const ctx = new FakeCanvas();
  const layout = drawSamplesOverEnergy(ctx, BOX, snap);
  const unitsPerPixelX = 8 / layout.plot.width;
  const unitsPerPixelY = 4 / layout.plot.height;
  assert.ok(Math.abs(unitsPerPixelX / unitsPerPixelY - 1) < 0.01, 'one unit is as long on both axes');
  assert.ok(layout.colorbar.x > layout.plot.x + layout.plot.width);
  assert.equal(layout.colorbar.height, layout.plot.height);
  assert.ok(layout.plot.x > 0 && layout.plot.y > 0 && layout.colorbar.x + layout.colorbar.width < BOX.width);
  assert.ok(layout.plot.y + layout.plot.height < BOX.height);
  const [vmin, vmax] = layout.logDensityRange ?? [0, 0];
  assert.ok(Math.abs(vmax - vmin - 10) < 1e-12, 'ten nats of colour range by default');
  const texts = ctx.texts();
  assert.ok(texts.includes('samples over the energy · step 1500'));
  assert.ok(texts.includes('log p(x)'));
  assert.ok(texts.some((t) => t.startsWith('model samples (512')));
  assert.ok(texts.some((t) => t.startsWith('held-out data (512')));
  assert.ok(ctx.balanced);
  // The heat map went in as one image, at the plot's place in device pixels.
  const put = ctx.calls.filter((c) => c.name === 'putImageData');
  assert.equal(put.length, 1);
  assert.deepEqual(put[0]?.args.slice(0, 2), [layout.plot.x, layout.plot.y]);
});

test('the heat map is painted in device pixels under a scaling transform', () => {
  const ctx = new FakeCanvas({ a: 2, b: 0, c: 0, d: 2, e: 10, f: 20 });
  const layout = drawSamplesOverEnergy(ctx, BOX, eightGaussiansSnapshot({ gridSize: 30 }));
  const put = ctx.calls.find((c) => c.name === 'putImageData');
  const image = put?.args[2] as { width: number; height: number; data: Uint8ClampedArray };
  assert.deepEqual(put?.args.slice(0, 2), [2 * layout.plot.x + 10, 2 * layout.plot.y + 20]);
  assert.equal(image.width, 2 * layout.plot.width);
  assert.equal(image.height, 2 * layout.plot.height);
  // Top-left corner (far from every mode, low density) is the bottom colour; a mode is near the top.
  const at = (px: number, py: number) => Array.from(image.data.slice(4 * (py * image.width + px), 4 * (py * image.width + px) + 3));
  assert.deepEqual(at(0, 0), Array.from(colorAt(VIRIDIS, 0)));
  const mx = Math.round(((2 + 3) / 6) * image.width);
  const my = Math.round(((3 - 0) / 6) * image.height);
  const [r, g] = at(mx, my);
  assert.ok((r ?? 0) > 180 && (g ?? 0) > 180, `mode at (2, 0) is yellow: ${at(mx, my)}`);
});

test('NaN cells take the mask colour and get a legend entry', () => {
  const snap = eightGaussiansSnapshot({ gridSize: 10 });
  const plain = new FakeCanvas();
  drawSamplesOverEnergy(plain, BOX, snap);
  assert.ok(!plain.texts().includes('energy NaN'));
  const ctx = new FakeCanvas();
  drawSamplesOverEnergy(ctx, BOX, { ...snap, energy: snap.energy.map((e, k) => (k === 0 ? NaN : e)) });
  assert.ok(ctx.texts().includes('energy NaN'));
  const image = ctx.calls.find((c) => c.name === 'putImageData')?.args[2] as { width: number; height: number; data: Uint8ClampedArray };
  // Cell 0 is the bottom-left corner (xlo, ylo): the bottom-left pixel.
  const o = 4 * ((image.height - 1) * image.width);
  assert.deepEqual(Array.from(image.data.slice(o, o + 3)), [...MASK_COLOR]);
});

test('samples outside the box are counted, not drawn; a NaN sample is skipped', () => {
  const snap = { ...eightGaussiansSnapshot({ samples: 4, data: 0 }), samples: [0, 0, 10, 10, NaN, 1, -9, 0] };
  const ctx = new FakeCanvas();
  const layout = drawSamplesOverEnergy(ctx, BOX, snap);
  assert.equal(layout.samplesOutside, 3);
  assert.ok(ctx.texts().some((t) => t.includes('3 outside the box')));
});

test('a snapshot whose energy is all NaN, or malformed, still draws axes, points and a note', () => {
  const snap = eightGaussiansSnapshot({ gridSize: 10 });
  for (const [energy, note] of [
    [snap.energy.map(() => NaN), 'energy not finite at this step'],
    [snap.energy.slice(1), 'energy grid malformed'],
  ] as const) {
    const ctx = new FakeCanvas();
    const layout = drawSamplesOverEnergy(ctx, BOX, { ...snap, energy });
    assert.equal(layout.logDensityRange, null);
    assert.ok(ctx.texts().includes(note));
    assert.ok(ctx.calls.some((c) => c.name === 'arc'), 'points are still drawn');
    assert.ok(!ctx.calls.some((c) => c.name === 'putImageData'));
  }
});

test('degenerate bounds do not break the layout', () => {
  const ctx = new FakeCanvas();
  const layout = drawSamplesOverEnergy(ctx, BOX, { step: 3, bounds: [[1, 1], [2, -2]], gridSize: 2, energy: [1, 2, 3, 4], samples: [1, 0], data: [] });
  assert.ok(layout.plot.width > 10 && layout.plot.height > 10);
  assert.deepEqual(layout.y.domain, [-2, 2]);
  assert.ok(mixtureEnergy(2, 0, 0.3) < mixtureEnergy(0, 0, 0.3));
});
