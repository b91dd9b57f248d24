import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { GlobalFonts } from '@napi-rs/canvas';
import { drawCurves, metricsPanels, type CurvesLayout, type Panel } from '../../../app/plot/curves.ts';
import { VIRIDIS } from '../../../app/plot/colormap.ts';
import { lossFigureSize, lossPng, registerFonts, renderPng, samplesPng } from '../../../app/plot/node/png.ts';
import { SAMPLE_COLOR, drawSamplesOverEnergy, type SamplesLayout } from '../../../app/plot/samples.ts';
import { ENTROPY, decode, eightGaussiansSnapshot, syntheticMetrics } from './fixtures.ts';



function hex(color: string): [number, number, number] {
  const n = parseInt(color.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function near(a: readonly number[], b: readonly number[], tolerance: number): boolean {
  return a.every((v, i) => Math.abs(v - (b[i] ?? NaN)) <= tolerance);
}

/** The index of the viridis entry nearest a colour: how high on the colour scale it sits. */
function viridisLevel(rgb: readonly number[]): number {
  let best = 0;
  let bestD = Infinity;
  for (let i = 0; i < 256; i++) {
    const d = (rgb[0]! - VIRIDIS[3 * i]!) ** 2 + (rgb[1]! - VIRIDIS[3 * i + 1]!) ** 2 + (rgb[2]! - VIRIDIS[3 * i + 2]!) ** 2;
    if (d < bestD) [best, bestD] = [i, d];
  }
  return best;
}

test('renderPng encodes a PNG of the CSS size times the pixel ratio', async () => {
  const png = renderPng(300, 200, (ctx) => {
    ctx.fillStyle = '#0072b2';
    ctx.fillRect(10, 10, 50, 50);
  });
  const img = await decode(png);
  assert.equal(img.width, 600);
  assert.equal(img.height, 400);
  assert.deepEqual(img.at(60, 60), [0x00, 0x72, 0xb2], 'drawn in CSS pixels, scaled by 2');
  assert.deepEqual(img.at(200, 200), [255, 255, 255], 'white, not transparent, background');
  const one = await decode(renderPng(300, 200, () => {}, { scale: 1 }));
  assert.equal(one.width, 300);
  assert.throws(() => renderPng(0, 10, () => {}), RangeError);
});

test('DejaVu Sans is registered when installed', () => {
  const installed = existsSync('/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf');
  assert.equal(registerFonts(), installed);
  if (installed) assert.ok(GlobalFonts.has('DejaVu Sans'));
  assert.equal(registerFonts('/nonexistent/fonts'), false, 'a missing font folder falls back quietly');
});

test('lossPng renders a diverged run with missing metrics at the default size', async () => {
  const rows = syntheticMetrics({ divergeAt: 1430 });
  const png = lossPng(rows, { entropy: ENTROPY });
  const img = await decode(png);
  const size = lossFigureSize(metricsPanels(rows).length);
  assert.deepEqual([img.width, img.height], [2 * size.width, 2 * size.height]);
  assert.deepEqual([size.width, size.height], [1200, 780]);
  const few = await decode(lossPng([{ step: 0, loss: 1 }, { step: 1, loss: NaN }], { scale: 1 }));
  assert.deepEqual([few.width, few.height], [640, 420]);
  const none = await decode(lossPng([], { scale: 1 }));
  assert.ok(none.width > 0);
});

test('a curve is drawn in its colour where its values are, and nothing is drawn where they are NaN', async () => {
  const color = '#d55e00';
  // Falls from 2 to −1.45 by step 690, then NaN: 0 is inside the plot, where a NaN drawn as 0 would show.
  const points = Array.from({ length: 100 }, (_, i): [number, number] => [10 * i, i < 70 ? 2 - i / 20 : NaN]);
  const panels: Panel[] = [{ title: 'Loss', yLabel: 'loss', series: [{ name: 'loss', color, points }] }];
  let layout: CurvesLayout | undefined;
  const img = await decode(renderPng(640, 420, (ctx) => (layout = drawCurves(ctx, { x: 0, y: 0, width: 640, height: 420 }, panels))));
  const p = layout?.panels[0];
  assert.ok(p);
  assert.ok(p.y.domain[0] < 0 && p.y.domain[1] > 0);
  const on = img.at(2 * p.x.map(300), 2 * p.y.map(2 - 30 / 20));
  assert.ok(near(on, hex(color), 30), `line pixel ${on}`);
  // Past step 690 the values are NaN: no line continues there (at the last finite level or at 0).
  for (const v of [2 - 69 / 20, 0]) {
    const off = img.at(2 * p.x.map(850), 2 * p.y.map(v));
    assert.ok(!near(off, hex(color), 80), `pixel at step 850, value ${v}: ${off}`);
  }
});

test('samplesPng: bright at the modes, dark where the energy is high, samples in their colour', async () => {
  const snapshot = { ...eightGaussiansSnapshot({ gridSize: 100 }), samples: [-2.4, 2.4, 0.5, -0.3], data: [] };
  const png = samplesPng(snapshot);
  const img = await decode(png);
  assert.deepEqual([img.width, img.height], [1800, 1600]);
  // The layout that samplesPng drew: the same drawing on the same kind of canvas.
  let layout: SamplesLayout | undefined;
  const box = { x: 0, y: 0, width: img.width / 2, height: img.height / 2 };
  renderPng(box.width, box.height, (ctx) => (layout = drawSamplesOverEnergy(ctx, box, snapshot)));
  assert.ok(layout);
  const { x, y } = layout;
  const pixel = (u: number, v: number) => img.at(2 * x.map(u), 2 * y.map(v));
  const mode = viridisLevel(pixel(2, 0));
  const ring = viridisLevel(pixel(0, 1.5));
  const centre = viridisLevel(pixel(0, 0));
  assert.ok(mode > 230, `mode level ${mode}`);
  assert.ok(mode > ring && ring > centre, `mode ${mode} > between modes ${ring} > centre ${centre}`);
  assert.ok(centre < 20, `the centre, > 10 nats below the peak, takes the bottom colour: ${centre}`);
  for (const [u, v] of [[-2.4, 2.4], [0.5, -0.3]] as const) {
    const rgb = pixel(u, v);
    assert.ok(near(rgb, hex(SAMPLE_COLOR), 12), `sample at (${u}, ${v}) is ${rgb}`);
  }
  // The colour bar runs from yellow at the top to purple at the bottom.
  const bar = layout.colorbar;
  const top = img.at(2 * (bar.x + bar.width / 2), 2 * (bar.y + 2));
  const bottom = img.at(2 * (bar.x + bar.width / 2), 2 * (bar.y + bar.height - 2));
  assert.ok(viridisLevel(top) > 245 && viridisLevel(bottom) < 10, `bar ${top} … ${bottom}`);
});

test('samplesPng trims the height of a figure whose box is wide', async () => {
  const wide = await decode(samplesPng({ ...eightGaussiansSnapshot({ gridSize: 20 }), bounds: [[-6, 6], [-3, 3]] }, { scale: 1 }));
  assert.equal(wide.width, 900);
  assert.ok(wide.height < 650, `height ${wide.height}`);
  // The bottom margin survives the trim: only background in the last rows.
  for (let yy = wide.height - 6; yy < wide.height; yy++) {
    for (let xx = 0; xx < wide.width; xx += 7) assert.deepEqual(wide.at(xx, yy), [255, 255, 255], `pixel ${xx}, ${yy}`);
  }
  const square = await decode(samplesPng(eightGaussiansSnapshot({ gridSize: 20 }), { scale: 1 }));
  assert.equal(square.height, 800);
});
