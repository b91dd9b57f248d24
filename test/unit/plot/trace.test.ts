// The energy-traces figure (app/plot/trace.ts) and its PNG: every chain drawn in its colour where
// its energies are, nothing where they are NaN, the burn-in shaded over exactly its steps, and
// the PNG a valid picture that carries the graph it came from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseGraph } from '../../../app/graph/parse.ts';
import { GRAPH_PNG_KEYWORD, readPngText } from '../../../app/graph/png-text.ts';
import { serializeGraph } from '../../../app/graph/serialize.ts';
import { renderPng, tracePng } from '../../../app/plot/node/png.ts';
import { CHAIN_COLORS, drawEnergyTraces, type TraceLayout, type TraceLike } from '../../../app/plot/trace.ts';
import { FakeCanvas } from './fake-canvas.ts';
import { decode } from './fixtures.ts';


/** `chains` chains over `steps` steps, chain c at a constant energy level(c) (NaN where nan(c, k)). */
function flatTrace(o: { steps: number; chains: number; totalChains?: number; burnIn: number; level: (c: number) => number; nan?: (c: number, k: number) => boolean }): TraceLike {
  const at = Array.from({ length: o.steps }, (_, i) => i + 1);
  const energies: number[] = [];
  for (let c = 0; c < o.chains; c++) for (const k of at) energies.push(o.nan?.(c, k) ? NaN : o.level(c));
  return { step: 300, steps: o.steps, burnIn: o.burnIn, totalChains: o.totalChains ?? 64, chains: o.chains, at, energies };
}


const hex = (color: string): [number, number, number] => {
  const n = parseInt(color.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
};
const near = (a: readonly number[], b: readonly number[], tolerance: number) => a.every((v, i) => Math.abs(v - (b[i] ?? NaN)) <= tolerance);

test('every chain is one stroke in its own colour, broken where its energy is NaN; the burn-in spans its steps', () => {
  const trace = flatTrace({ steps: 100, chains: 3, burnIn: 25, level: (c) => c, nan: (c, k) => c === 1 && k > 40 && k <= 60 });
  const ctx = new FakeCanvas();
  const layout = drawEnergyTraces(ctx, { x: 0, y: 0, width: 800, height: 500 }, trace);
  assert.ok(ctx.balanced, 'save and restore balanced');
  assert.equal(layout.chainsDrawn, 3);
  assert.deepEqual(layout.colors, CHAIN_COLORS.slice(0, 3));
  // x runs from step 0 to the last step; y covers the three levels.
  assert.deepEqual(layout.x.domain, [0, 100]);
  assert.ok(layout.y.domain[0] <= 0 && layout.y.domain[1] >= 2);
  // The burn-in: from the plot's left edge to step 25.
  assert.ok(layout.burnIn);
  assert.equal(layout.burnIn.x, layout.plot.x);
  assert.ok(Math.abs(layout.burnIn.x + layout.burnIn.width - layout.x.map(25)) < 1e-9);
  // Each chain: moveTo once per unbroken run, lineTo for the rest, at its own level.
  for (let c = 0; c < 3; c++) {
    const mine = ctx.calls.filter((k) => (k.name === 'moveTo' || k.name === 'lineTo') && k.strokeStyle === CHAIN_COLORS[c]);
    const moves = mine.filter((k) => k.name === 'moveTo').length;
    assert.equal(moves, c === 1 ? 2 : 1, `chain ${c}: unbroken runs`);
    assert.equal(mine.length, c === 1 ? 80 : 100, `chain ${c}: one point per finite energy`);
    assert.ok(mine.every((k) => Math.abs((k.args[1] as number) - layout.y.map(c)) < 1e-9), `chain ${c} at its level`);
  }
  const texts = ctx.texts();
  for (const t of ['Energy traces · step 300', 'first 3 of 64 chains', 'sampler step', 'energy E(x)', 'burn-in, discarded (25 steps)']) assert.ok(texts.includes(t), `"${t}" in ${JSON.stringify(texts)}`);
});

test('no burn-in, all chains shown, and no finite energy: said, not drawn', () => {
  const none = new FakeCanvas();
  const noBurnIn = drawEnergyTraces(none, { x: 0, y: 0, width: 600, height: 400 }, flatTrace({ steps: 10, chains: 2, totalChains: 2, burnIn: 0, level: () => 1 }));
  assert.equal(noBurnIn.burnIn, null);
  assert.ok(none.texts().includes('2 chains'));
  assert.ok(!none.texts().some((t) => t.startsWith('burn-in')));

  const nan = new FakeCanvas();
  const empty = drawEnergyTraces(nan, { x: 0, y: 0, width: 600, height: 400 }, flatTrace({ steps: 10, chains: 2, burnIn: 5, level: () => NaN }));
  assert.equal(empty.chainsDrawn, 0);
  assert.ok(nan.texts().includes('no finite energies'));
  assert.ok(nan.balanced);
});

test('a chain started far off leaves the others readable, and the figure says energies are off-scale', () => {
  const trace = flatTrace({ steps: 200, chains: 4, burnIn: 50, level: (c) => c * 0.1 });
  const energies = [...trace.energies];
  energies[0] = 500; // chain 0's first step
  const ctx = new FakeCanvas();
  const layout = drawEnergyTraces(ctx, { x: 0, y: 0, width: 800, height: 500 }, { ...trace, energies });
  assert.ok(layout.y.domain[1] < 10, `y range ${layout.y.domain}`);
  assert.equal(layout.offScale, true);
  assert.ok(ctx.texts().includes('\u2195 some energies off-scale'));
});

test('tracePng: a valid PNG of the figure, chains in their colours, the burn-in shaded, carrying the graph', async () => {
  const doc = parseGraph(readFileSync('examples/8gaussians-hmc.ebm.json', 'utf8')).document!;
  const trace = flatTrace({ steps: 200, chains: 8, burnIn: 100, level: (c) => c });
  const png = tracePng(trace, { graph: doc, title: 'Energy traces · step 300' });
  assert.equal(readPngText(png, GRAPH_PNG_KEYWORD), serializeGraph(doc), 'the graph travels in the picture');
  const img = await decode(png);
  assert.deepEqual([img.width, img.height], [1800, 1040], '900 × 520 at 2 device pixels per CSS pixel');

  // The layout tracePng drew: the same drawing on the same kind of canvas.
  let layout: TraceLayout | undefined;
  renderPng(900, 520, (ctx) => (layout = drawEnergyTraces(ctx, { x: 0, y: 0, width: 900, height: 520 }, trace, { title: 'Energy traces · step 300' })));
  assert.ok(layout);
  const { x, y } = layout;
  const pixel = (step: number, energy: number) => img.at(2 * x.map(step), 2 * y.map(energy));
  // Chains are drawn at 85% opacity over the background: compare with the colour so blended, on
  // both sides of the burn-in's end (over white after it).
  for (let c = 0; c < 8; c++) {
    const blended = hex(CHAIN_COLORS[c]!).map((v) => 0.85 * v + 0.15 * 255);
    assert.ok(near(pixel(150, c), blended, 30), `chain ${c} at step 150: ${pixel(150, c)} vs ${blended}`);
  }
  // Between the chains: grey over the burn-in, white after it.
  const burnIn = pixel(50, 3.5);
  const kept = pixel(150, 3.5);
  assert.deepEqual(kept, [255, 255, 255], `after the burn-in ${kept}`);
  assert.ok(burnIn.every((v) => v < 245 && v > 200) && Math.max(...burnIn) - Math.min(...burnIn) < 12, `burn-in grey ${burnIn}`);
});
