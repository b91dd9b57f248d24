// The toy 2-D generators against the maths of their recipes (methods.md §4.1), and the data.toy2d
// node. Statistical checks use n = 20000 points and tolerances of 4 standard errors (computed from
// the sample where the spread is not known in closed form): a fixed seed makes them deterministic,
// and 4 s.e. keeps them passing for any honest seed while a wrong constant (a radius, a std, a
// weight off by a few percent) moves the statistic by many s.e.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { Rng } from '../../../app/runtime/rng.ts';
import { generateToy2d, TOY2D_DATASETS, TOY2D_ENTROPY, TOY2D_MIXTURES, TOY2D_NAMES, trueLogDensity, type Toy2dName } from '../../../nodes/data-toy2d/datasets.ts';
import { dataToy2dNode } from '../../../nodes/data-toy2d/node.ts';
import { checkParam } from '../../../nodes/params.ts';
import { defaults as defaultParams, fakeContext as fakeTestContext } from '../../helpers/nodes.ts';

const N = 20000;
const cache = new Map<Toy2dName, Float32Array>();
const sample = (name: Toy2dName): Float32Array => {
  let s = cache.get(name);
  if (!s) cache.set(name, (s = generateToy2d(name, N, new Rng(42))));
  return s;
};
const xs = (a: Float32Array): number[] => Array.from({ length: a.length / 2 }, (_, i) => a[2 * i]!);
const ys = (a: Float32Array): number[] => Array.from({ length: a.length / 2 }, (_, i) => a[2 * i + 1]!);
const mean = (v: readonly number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
const sd = (v: readonly number[]): number => {
  const m = mean(v);
  return Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / (v.length - 1));
};
/** Asserts the sample mean of v is within 4 standard errors of `expected` (s.e. from the sample). */
function meanNear(v: readonly number[], expected: number, what: string, effectiveN = v.length): void {
  const tol = (4 * sd(v)) / Math.sqrt(effectiveN);
  const m = mean(v);
  assert.ok(Math.abs(m - expected) < tol, `${what}: mean ${m.toFixed(5)}, expected ${expected} ± ${tol.toFixed(5)}`);
}
/** A count of a binomial(n, p) event within 4 standard deviations of n·p. */
function countNear(count: number, n: number, p: number, what: string): void {
  const tol = 4 * Math.sqrt(n * p * (1 - p));
  assert.ok(Math.abs(count - n * p) < tol, `${what}: ${count}, expected ${n * p} ± ${tol.toFixed(1)}`);
}
/** The RMS of zero-mean Gaussian values v within 4 standard errors (s.e. of a std ≈ s/√(2n)) of s. */
function stdNear(v: readonly number[], s: number, what: string): void {
  const rms = Math.sqrt(mean(v.map((x) => x * x)));
  const tol = (4 * s) / Math.sqrt(2 * v.length);
  assert.ok(Math.abs(rms - s) < tol, `${what}: std ${rms.toFixed(5)}, expected ${s.toFixed(5)} ± ${tol.toFixed(5)}`);
}
const radius = (a: Float32Array): number[] => Array.from({ length: a.length / 2 }, (_, i) => Math.hypot(a[2 * i]!, a[2 * i + 1]!));

/** Assigns each point to its nearest centre; returns per-centre lists of offsets from the centre. */
function clusters(a: Float32Array, centres: readonly (readonly [number, number])[]): { dx: number[]; dy: number[] }[] {
  const out = centres.map(() => ({ dx: [] as number[], dy: [] as number[] }));
  for (let i = 0; i < a.length / 2; i++) {
    const x = a[2 * i]!;
    const y = a[2 * i + 1]!;
    let best = 0;
    let bd = Infinity;
    centres.forEach(([cx, cy], k) => {
      const d = (x - cx) ** 2 + (y - cy) ** 2;
      if (d < bd) [bd, best] = [d, k];
    });
    out[best]!.dx.push(x - centres[best]![0]);
    out[best]!.dy.push(y - centres[best]![1]);
  }
  return out;
}

// Boxes that hold each set: the noiseless support plus 6 noise standard deviations.
const BOX: Record<Toy2dName, { x: [number, number]; y: [number, number] } | { r: number }> = {
  swissroll: { r: (4.5 * Math.PI) / 5 + 6 * 0.2 * Math.SQRT2 },
  circles: { r: 3 + 6 * 0.24 },
  moons: { x: [-3 - 1.2, 3 + 1.2], y: [-1.2 - 1.2, 1.8 + 1.2] },
  '8gaussians': { r: 4 / 1.414 + 6 * (0.5 / 1.414) },
  pinwheel: { r: 2 * Math.hypot(1 + 6 * 0.3, 6 * 0.1) },
  '2spirals': { r: (3 * Math.PI + 0.5 * Math.SQRT2) / 3 + 6 * 0.1 * Math.SQRT2 },
  checkerboard: { x: [-4, 4], y: [-4, 4] },
  rings: { r: 3 + 6 * 0.08 },
  '25gaussians': { x: [-4 / 1.414 - 6 * 0.1415, 4 / 1.414 + 6 * 0.1415], y: [-4 / 1.414 - 6 * 0.1415, 4 / 1.414 + 6 * 0.1415] },
  gmm2: { x: [-11, 11], y: [-11, 11] },
};

test('the list of datasets: ten, with titles and entropies from methods.md §4.3', () => {
  assert.deepEqual(TOY2D_NAMES, ['swissroll', 'circles', 'moons', '8gaussians', 'pinwheel', '2spirals', 'checkerboard', 'rings', '25gaussians', 'gmm2']);
  for (const d of TOY2D_DATASETS) assert.ok(d.title.length > 0 && d.doc.length > 0);
  assert.equal(TOY2D_ENTROPY['8gaussians'], 2.834);
  assert.equal(TOY2D_ENTROPY.checkerboard, Math.log(32));
  assert.equal(TOY2D_ENTROPY.gmm2, 3.335);
  assert.equal(TOY2D_ENTROPY['25gaussians'], 2.146);
  assert.equal(TOY2D_ENTROPY.circles, 3.269);
  assert.equal(TOY2D_ENTROPY.rings, 2.624);
  assert.equal(TOY2D_ENTROPY.moons, 2.396);
  assert.equal(TOY2D_ENTROPY.swissroll, 2.67);
  assert.equal(TOY2D_ENTROPY['2spirals'], 2.645);
  assert.equal(TOY2D_ENTROPY.pinwheel, 2.319);
});

test('every dataset: exactly n finite points inside its box, seeded and deterministic', () => {
  for (const name of TOY2D_NAMES) {
    const a = sample(name);
    assert.equal(a.length, 2 * N, name);
    assert.ok(a.every(Number.isFinite), `${name}: non-finite values`);
    const again = generateToy2d(name, N, new Rng(42));
    assert.ok(Buffer.from(a.buffer).equals(Buffer.from(again.buffer)), `${name}: same seed, different bits`);
    const other = generateToy2d(name, N, new Rng(43));
    assert.ok(!Buffer.from(a.buffer).equals(Buffer.from(other.buffer)), `${name}: different seeds, same bits`);
    const box = BOX[name];
    for (let i = 0; i < N; i++) {
      const x = a[2 * i]!;
      const y = a[2 * i + 1]!;
      if ('r' in box) assert.ok(Math.hypot(x, y) <= box.r, `${name}: (${x}, ${y}) outside radius ${box.r}`);
      else assert.ok(x >= box.x[0] && x <= box.x[1] && y >= box.y[0] && y <= box.y[1], `${name}: (${x}, ${y}) outside the box`);
    }
    for (const n of [0, 1, 2, 3, 7, 13, 101]) assert.equal(generateToy2d(name, n, new Rng(1)).length, 2 * n, `${name}, n = ${n}`);
  }
});

test('8gaussians: 8 equal clusters at 4·(unit directions)/1.414 with std 0.5/1.414', () => {
  const mix = TOY2D_MIXTURES['8gaussians']!;
  const s = 0.5 / 1.414;
  const c = 4 / 1.414;
  const r2 = c / Math.SQRT2;
  assert.deepEqual(
    mix.centres.map(([x, y]) => [+x.toFixed(9), +y.toFixed(9)]),
    [[c, 0], [-c, 0], [0, c], [0, -c], [r2, r2], [r2, -r2], [-r2, r2], [-r2, -r2]].map(([x, y]) => [+x!.toFixed(9), +y!.toFixed(9)]),
  );
  const groups = clusters(sample('8gaussians'), mix.centres);
  for (const [k, g] of groups.entries()) {
    countNear(g.dx.length, N, 1 / 8, `cluster ${k} count`);
    meanNear(g.dx, 0, `cluster ${k} x offset`);
    meanNear(g.dy, 0, `cluster ${k} y offset`);
  }
  stdNear(groups.flatMap((g) => g.dx), s, 'within-cluster x');
  stdNear(groups.flatMap((g) => g.dy), s, 'within-cluster y');
});

test('25gaussians: a 5×5 grid of equal clusters, spacing 2/1.414, std 0.2/1.414', () => {
  const mix = TOY2D_MIXTURES['25gaussians']!;
  assert.equal(mix.centres.length, 25);
  const groups = clusters(sample('25gaussians'), mix.centres);
  for (const [k, g] of groups.entries()) {
    countNear(g.dx.length, N, 1 / 25, `cluster ${k} count`);
    meanNear(g.dx, 0, `cluster ${k} x offset`);
    meanNear(g.dy, 0, `cluster ${k} y offset`);
  }
  stdNear(groups.flatMap((g) => g.dx), 0.2 / 1.414, 'within-cluster x');
  stdNear(groups.flatMap((g) => g.dy), 0.2 / 1.414, 'within-cluster y');
  const a = sample('25gaussians');
  meanNear(xs(a), 0, 'x');
  meanNear(ys(a), 0, 'y');
  // Var x = spacing² · Var{−2..2} + s² = (2/1.414)²·2 + (0.2/1.414)².
  meanNear(xs(a).map((v) => v * v), (2 / 1.414) ** 2 * 2 + (0.2 / 1.414) ** 2, 'E x²');
});

test('gmm2: weights 0.8/0.2 at (5,5) and (−5,−5), unit std', () => {
  const a = sample('gmm2');
  const groups = clusters(a, [
    [5, 5],
    [-5, -5],
  ]);
  countNear(groups[0]!.dx.length, N, 0.8, 'mode (5,5) count');
  for (const g of groups) {
    meanNear(g.dx, 0, 'x offset');
    meanNear(g.dy, 0, 'y offset');
    stdNear(g.dx, 1, 'x');
    stdNear(g.dy, 1, 'y');
  }
});

test('checkerboard: uniform on the 8 squares of side 2 in [−4, 4)² whose indices sum to an even number', () => {
  const a = sample('checkerboard');
  const counts = new Map<string, number>();
  const frac: number[] = [];
  for (let i = 0; i < N; i++) {
    const x = a[2 * i]!;
    const y = a[2 * i + 1]!;
    const ix = Math.floor(x / 2);
    const iy = Math.floor(y / 2);
    // float32 storage can round a point within 2.4e-7 of an edge onto it: allow that.
    const nearEdge = Math.min(Math.abs(x / 2 - Math.round(x / 2)), Math.abs(y / 2 - Math.round(y / 2))) < 1e-6;
    assert.ok(nearEdge || (x >= -4 && x < 4 && y >= -4 && y < 4 && (ix + iy) % 2 === 0), `(${x}, ${y}) on a white square`);
    if (!nearEdge) counts.set(`${ix},${iy}`, (counts.get(`${ix},${iy}`) ?? 0) + 1);
    frac.push(x / 2 - ix, y / 2 - iy);
  }
  assert.deepEqual([...counts.keys()].sort(), ['-1,-1', '-1,1', '-2,-2', '-2,0', '0,-2', '0,0', '1,-1', '1,1']);
  for (const [k, c] of counts) countNear(c, N, 1 / 8, `square ${k}`);
  meanNear(frac, 0.5, 'position inside a square');
});

test('circles: n//2 points on radius 3 and the rest on radius 1.5, radial noise 0.24', () => {
  const r = radius(sample('circles'));
  const outer = r.filter((v) => v > 2.25);
  const inner = r.filter((v) => v <= 2.25);
  // Rings 0.75 apart with noise 0.24: about 0.1% of points cross the midline each way, ±60 of 10000.
  assert.ok(Math.abs(outer.length - N / 2) < 60, `outer ring ${outer.length}`);
  // E r = R + σ²/(2R) to first order: 3.0096 and 1.5192.
  meanNear(outer, 3 + 0.24 ** 2 / 6, 'outer radius');
  meanNear(inner, 1.5 + 0.24 ** 2 / 3, 'inner radius');
  assert.ok(Math.abs(sd(outer) / 0.24 - 1) < 0.05, `outer radial std ${sd(outer)}`);
  assert.ok(Math.abs(sd(inner) / 0.24 - 1) < 0.05, `inner radial std ${sd(inner)}`);
  // Odd n: the outer ring takes n//2.
  const small = radius(generateToy2d('circles', 11, new Rng(3)));
  assert.equal(small.filter((v) => v > 2.25).length, 5);
});

test('rings: four rings of radii 3, 2.25, 1.5, 0.75 with equal weights and noise 0.08', () => {
  const r = radius(sample('rings'));
  const radii = [3, 2.25, 1.5, 0.75];
  const groups = radii.map(() => [] as number[]);
  for (const v of r) {
    const k = radii.reduce((b, R, j) => (Math.abs(v - R) < Math.abs(v - radii[b]!) ? j : b), 0);
    groups[k]!.push(v);
  }
  for (const [k, g] of groups.entries()) {
    countNear(g.length, N, 1 / 4, `ring ${radii[k]}`);
    meanNear(g, radii[k]! + 0.08 ** 2 / (2 * radii[k]!), `ring ${radii[k]} radius`);
    assert.ok(Math.abs(sd(g) / 0.08 - 1) < 0.06, `ring ${radii[k]} radial std ${sd(g)}`);
  }
});

test('moons: two half circles of radius 2 centred at (−1, −0.2) and (1, 0.8), noise 0.2', () => {
  const a = sample('moons');
  // With t uniform on [0, π]: E = ((0 + 1)/2, (2/π + 0.5 − 2/π)/2) = (0.5, 0.25), mapped by ×2 + (−1, −0.2).
  meanNear(xs(a), 0, 'x');
  meanNear(ys(a), 0.3, 'y');
  // Var x = 4(1/2 + 1/4 + .01), Var y = 4(1/2 − 4/π² + (4/π − 1/2)²/4 + .01).
  meanNear(xs(a).map((v) => v * v), 4 * 0.76, 'E x²');
  meanNear(ys(a).map((v) => (v - 0.3) ** 2), 4 * (0.5 - 4 / Math.PI ** 2 + (4 / Math.PI - 0.5) ** 2 / 4 + 0.01), 'Var y');
  // Distance to the nearer moon: the noise's normal component, RMS 0.2.
  const d2: number[] = [];
  for (let i = 0; i < N; i++) {
    const x = a[2 * i]!;
    const y = a[2 * i + 1]!;
    const d1 = y >= -0.2 ? Math.abs(Math.hypot(x + 1, y + 0.2) - 2) : Math.min(Math.hypot(x - 1, y + 0.2), Math.hypot(x + 3, y + 0.2));
    const dd = y <= 0.8 ? Math.abs(Math.hypot(x - 1, y - 0.8) - 2) : Math.min(Math.hypot(x - 3, y - 0.8), Math.hypot(x + 1, y - 0.8));
    d2.push(Math.min(d1, dd) ** 2);
  }
  assert.ok(Math.abs(Math.sqrt(mean(d2)) - 0.2) < 0.01, `RMS distance to the moons ${Math.sqrt(mean(d2))}`);
});

test('swissroll: t = 1.5π(1 + 2u), (t cos t, t sin t)/5 + N(0, 0.2²)', () => {
  const a = sample('swissroll');
  // Over t ∈ [1.5π, 4.5π]: E[t cos t] = 6π/3π = 2, E[t sin t] = 2/3π, E[t²] = 9.75π².
  meanNear(xs(a), 2 / 5, 'x');
  meanNear(ys(a), 2 / (3 * Math.PI) / 5, 'y');
  meanNear(radius(a).map((v) => v * v), (9.75 * Math.PI ** 2 + 2) / 25, 'E |x|²');
});

test('pinwheel: five equal arms, E|x|² = 4(1 + .3² + .1²)', () => {
  const a = sample('pinwheel');
  meanNear(radius(a).map((v) => v * v), 4 * (1 + 0.09 + 0.01), 'E |x|²');
  meanNear(xs(a), 0, 'x');
  meanNear(ys(a), 0, 'y');
  // Arm k holds points at angle ≈ −(2πk/5 + 0.25·exp(|x|/2)); classes take turns, so each arm has n/5
  // points and only the few with f1 near 0 (2.3σ below its mean) can be misassigned.
  const counts = [0, 0, 0, 0, 0];
  const residual: number[] = [];
  for (let i = 0; i < N; i++) {
    const x = a[2 * i]!;
    const y = a[2 * i + 1]!;
    const base = Math.atan2(y, x) + 0.25 * Math.exp(Math.hypot(x, y) / 2);
    let best = 0;
    let bd = Infinity;
    for (let k = 0; k < 5; k++) {
      const d = (((base + (2 * Math.PI * k) / 5) % (2 * Math.PI)) + 3 * Math.PI) % (2 * Math.PI) - Math.PI;
      if (Math.abs(d) < Math.abs(bd)) [bd, best] = [d, k];
    }
    counts[best]!++;
    residual.push(bd);
  }
  // Misassigned points (f1 near 0, about 1%) move symmetrically between arms: a net ±40 at most.
  for (const c of counts) assert.ok(Math.abs(c - N / 5) < 40, `arm counts ${counts.join(', ')}`);
  // The residual angle is atan2(f2, f1) up to using |x|/2 for f1: symmetric about 0, RMS ≈ 0.1/f1 ≈ 0.11.
  // A wrong twist rate (0.25) or arm offset shifts its mean by ≥ 0.1 rad, about 100 s.e.
  meanNear(residual, 0, 'angle off the arm');
  assert.ok(sd(residual) < 0.15, `arm width ${sd(residual)}`);
});

test('2spirals: mirrored pairs (mean 0 up to the noise) and E|x|² from the radial law', () => {
  const a = sample('2spirals');
  // d and −d come in pairs, so the mean is the mean of the N(0, .1²) noise alone.
  assert.ok(Math.abs(mean(xs(a))) < (4 * 0.1) / Math.sqrt(N), 'x mean');
  assert.ok(Math.abs(mean(ys(a))) < (4 * 0.1) / Math.sqrt(N), 'y mean');
  // r has density 2r/(3π)² on [0, 3π]: E r² = 9π²/2, E[r sin r] = 2 − 8/(9π²), E[r cos r] = −4/(3π); with
  // the U(0, .5) jitter: E|d|² = E r² + 2·(.25/3) + .5·(E[r sin r] − E[r cos r]); |x|² = |d|²/9 + 2·.01.
  const ed2 = (9 * Math.PI ** 2) / 2 + 0.5 / 3 + 0.5 * (2 - 8 / (9 * Math.PI ** 2) + 4 / (3 * Math.PI));
  meanNear(radius(a).map((v) => v * v), ed2 / 9 + 0.02, 'E |x|²', N / 2);
});

test('trueLogDensity: exact for the mixtures and the checkerboard, undefined for the rest', async () => {
  await tf.setBackend('cpu');
  const have = TOY2D_NAMES.filter((n) => trueLogDensity(n));
  assert.deepEqual(have, ['8gaussians', 'checkerboard', '25gaussians', 'gmm2']);
  const before = tf.memory().numTensors;
  const pts = tf.tensor2d([
    [5, 5],
    [-5, -5],
    [0, 0],
    [1, 1],
    [-3, 1],
    [0.5, -2.5],
    [5, 0],
  ]);
  // Each call leaves exactly its result behind.
  const run = async (name: Toy2dName, x: tf.Tensor2D): Promise<Float32Array> => {
    const mid = tf.memory().numTensors;
    const out = trueLogDensity(name)!(x);
    assert.deepEqual(out.shape, [x.shape[0]]);
    assert.equal(tf.memory().numTensors, mid + 1, `${name}: intermediate tensors leaked`);
    const v = (await out.data()) as Float32Array;
    out.dispose();
    return v;
  };
  // gmm2 at (5,5): log(0.8/(2π)); at (−5,−5): log(0.2/(2π)); at 0: log((0.8 + 0.2)·e^{−25}/(2π)).
  const g = await run('gmm2', pts);
  assert.ok(Math.abs(g[0]! - Math.log(0.8 / (2 * Math.PI))) < 1e-5);
  assert.ok(Math.abs(g[1]! - Math.log(0.2 / (2 * Math.PI))) < 1e-5);
  assert.ok(Math.abs(g[2]! - (-25 - Math.log(2 * Math.PI))) < 1e-4);
  // checkerboard: (1,1) lies in square (0,0), (−3,1) in (−2,0), (0.5,−2.5) in (0,−2): all inside;
  // (0,0) is the corner of square (0,0): inside; (5,5), (−5,−5) and (5,0) lie outside [−4, 4)².
  const c = await run('checkerboard', pts);
  assert.deepEqual(Array.from(c).map((v) => (v === -Infinity ? v : +v.toFixed(5))), [-Infinity, -Infinity, -3.46574, -3.46574, -3.46574, -3.46574, -Infinity]);
  // 8gaussians at a centre: log(1/8 · 1/(2π s²)); the other clusters add less than 1e-6.
  const at = tf.tensor2d([[4 / 1.414, 0]]);
  const e = await run('8gaussians', at);
  assert.ok(Math.abs(e[0]! - Math.log(1 / (8 * 2 * Math.PI * (0.5 / 1.414) ** 2))) < 1e-4);
  // 25gaussians at the centre cell: log(1/25 · 1/(2π s²)).
  const z = await run('25gaussians', tf.tensor2d([[0, 0]]));
  assert.ok(Math.abs(z[0]! - Math.log(1 / (25 * 2 * Math.PI * (0.2 / 1.414) ** 2))) < 1e-4);
  tf.dispose([pts, at]);
  assert.equal(tf.memory().numTensors, before + 1); // the inline 25gaussians input only
});

// ----------------------------------------------------------------------------------------------
// The node

const fakeContext = (seed: number) => fakeTestContext('data1', new Rng(seed));
const defaults = defaultParams(dataToy2dNode) as {
  dataset: Toy2dName;
  trainSize: number;
  testSize: number;
};

test('data.toy2d: definition, defaults, every dataset selectable', () => {
  assert.equal(dataToy2dNode.type, 'data.toy2d');
  assert.equal(dataToy2dNode.version, 1);
  assert.equal(dataToy2dNode.category, 'data');
  assert.equal(dataToy2dNode.title, 'Toy 2D');
  assert.deepEqual(Object.keys(dataToy2dNode.inputs), []);
  assert.equal(dataToy2dNode.outputs.data.type, 'dataset');
  assert.deepEqual(defaults, { dataset: '8gaussians', trainSize: 20000, testSize: 5000 });
  for (const [k, spec] of Object.entries(dataToy2dNode.params)) assert.equal(checkParam(spec, spec.default), null, k);
  assert.deepEqual(
    dataToy2dNode.params.dataset.options.map((o) => o.value),
    TOY2D_NAMES,
  );
  assert.equal(dataToy2dNode.dim!(defaults), 2);
  assert.equal(dataToy2dNode.derived!(defaults).entropy!.value, 2.834);
  assert.match(dataToy2dNode.doc, /FFJORD/);
  assert.match(dataToy2dNode.doc, /§4\.1/);
});

for (const backend of ['cpu', 'wasm']) {
  test(`data.toy2d on ${backend}: shapes, separate seeded streams, bounds, batches, no leak`, async () => {
    await tf.setBackend(backend);
    const before = tf.memory().numTensors;
    const ctx = fakeContext(7);
    const { data } = dataToy2dNode.build(ctx, defaults, {});
    assert.equal(data.nodeId, 'data1');
    assert.equal(data.name, '8gaussians');
    assert.equal(data.dim, 2);
    assert.deepEqual(data.train.shape, [20000, 2]);
    assert.deepEqual(data.test.shape, [5000, 2]);
    assert.equal(data.entropy, 2.834);
    assert.deepEqual(data.truth, { entropy: 2.834 });
    assert.equal(ctx.tracked.length, 2);

    // The train and test sets are the generator's output on the node's 'train' and 'test' streams.
    const train = await data.train.data();
    const test = await data.test.data();
    const root = new Rng(7);
    assert.deepEqual(train, generateToy2d('8gaussians', 20000, root.split('train')));
    assert.deepEqual(test, generateToy2d('8gaussians', 5000, root.split('test')));

    // Bounds: the box around train ∪ test, widened by 5% of its extent on each side.
    for (const d of [0, 1]) {
      let lo = Infinity;
      let hi = -Infinity;
      for (const a of [train, test]) for (let i = d; i < a.length; i += 2) [lo, hi] = [Math.min(lo, a[i]!), Math.max(hi, a[i]!)];
      const [blo, bhi] = data.bounds[d]!;
      assert.ok(Math.abs(blo - (lo - 0.05 * (hi - lo))) < 1e-9 && Math.abs(bhi - (hi + 0.05 * (hi - lo))) < 1e-9, `bounds[${d}]`);
    }

    // batch: rows of the training set, drawn with replacement by the given stream.
    const rows = new Set<string>();
    for (let i = 0; i < train.length / 2; i++) rows.add(`${train[2 * i]},${train[2 * i + 1]}`);
    const mid = tf.memory().numTensors;
    const b = data.batch(300, new Rng(1));
    assert.equal(tf.memory().numTensors, mid + 1);
    assert.deepEqual(b.shape, [300, 2]);
    const bv = await b.data();
    for (let i = 0; i < 300; i++) assert.ok(rows.has(`${bv[2 * i]},${bv[2 * i + 1]}`), `batch row ${i} not in the training set`);
    const idx = new Rng(1).ints(300, 20000);
    for (let i = 0; i < 300; i++) assert.deepEqual([bv[2 * i], bv[2 * i + 1]], [train[2 * idx[i]!], train[2 * idx[i]! + 1]]);
    b.dispose();

    // With replacement: a batch larger than the training set.
    const small = dataToy2dNode.build(fakeContext(1), { dataset: 'circles', trainSize: 10, testSize: 10 }, {});
    const big = small.data.batch(50, new Rng(2));
    assert.deepEqual(big.shape, [50, 2]);
    big.dispose();
    small.data.train.dispose();
    small.data.test.dispose();

    for (const t of ctx.tracked) t.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
}

test('data.toy2d builds every dataset with its entropy; different seeds give different data', async () => {
  await tf.setBackend('cpu');
  const before = tf.memory().numTensors;
  for (const name of TOY2D_NAMES) {
    const ctx = fakeContext(3);
    const { data } = dataToy2dNode.build(ctx, { dataset: name, trainSize: 101, testSize: 37 }, {});
    assert.deepEqual(data.train.shape, [101, 2], name);
    assert.deepEqual(data.test.shape, [37, 2], name);
    assert.equal(data.entropy, TOY2D_ENTROPY[name]);
    const other = fakeContext(4);
    const { data: d2 } = dataToy2dNode.build(other, { dataset: name, trainSize: 101, testSize: 37 }, {});
    assert.notDeepEqual(await data.train.data(), await d2.train.data(), name);
    for (const t of [...ctx.tracked, ...other.tracked]) t.dispose();
  }
  assert.equal(tf.memory().numTensors, before);
});
