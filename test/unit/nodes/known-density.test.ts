// The true densities data sets carry (nodes/shared/dataset.ts gaussianMixtureDensity): the Gaussian
// data's in any dimension, and the toy Gaussian mixtures'. Checked against the maths (a density
// integrates to 1, its score is the gradient of its log), and against the generators themselves:
// −mean log p over the mixture's own samples is its entropy, which methods.md §4.3 tabulates.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../../app/runtime/rng.ts';
import type { Dataset, KnownDensity } from '../../../nodes/define.ts';
import { dataGaussianNode, gaussianEntropy } from '../../../nodes/data-gaussian/node.ts';
import { dataToy2dNode } from '../../../nodes/data-toy2d/node.ts';
import { generateToy2d, toy2dDensity, TOY2D_ENTROPY, TOY2D_MIXTURES, TOY2D_NAMES, type Toy2dName } from '../../../nodes/data-toy2d/datasets.ts';
import { gaussianMixtureDensity } from '../../../nodes/shared/dataset.ts';
import { buildNode, leaked, useBackend } from '../../helpers/nodes.ts';

before(() => useBackend('cpu'));

const MIXTURES = ['8gaussians', '25gaussians', 'gmm2'] as const;

async function values(t: tf.Tensor): Promise<Float32Array> {
  const v = (await t.data()) as Float32Array;
  t.dispose();
  return v;
}

test('the Gaussian mixtures carry a density with a score; the other toys do not', () => {
  assert.deepEqual(TOY2D_NAMES.filter((n) => toy2dDensity(n)), [...MIXTURES]);
  for (const name of TOY2D_NAMES) {
    const built = buildNode(dataToy2dNode, { dataset: name, trainSize: 10, testSize: 10 });
    assert.equal((built.outputs.data as Dataset).density !== undefined, (MIXTURES as readonly string[]).includes(name), name);
    built.dispose();
  }
});

test('8gaussians: the density’s centres and std are the generator’s', () => {
  // Centres 4·(±1, 0), (0, ±1), (±1/√2, ±1/√2), all / 1.414; std 0.5/1.414; equal weights.
  const mix = TOY2D_MIXTURES['8gaussians']!;
  const r = 4 / 1.414;
  const expected = [[1, 0], [-1, 0], [0, 1], [0, -1], [Math.SQRT1_2, Math.SQRT1_2], [Math.SQRT1_2, -Math.SQRT1_2], [-Math.SQRT1_2, Math.SQRT1_2], [-Math.SQRT1_2, -Math.SQRT1_2]];
  mix.centres.forEach(([x, y], k) => assert.ok(Math.hypot(x - r * expected[k]![0]!, y - r * expected[k]![1]!) < 1e-12));
  assert.equal(mix.std, 0.5 / 1.414);
  assert.deepEqual(mix.weights, Array(8).fill(1 / 8));
  assert.deepEqual(TOY2D_MIXTURES.gmm2, { centres: [[5, 5], [-5, -5]], std: 1, weights: [0.8, 0.2] });
});

for (const name of MIXTURES) {
  test(`${name}: the density integrates to 1 on a grid`, async () => {
    const density = toy2dDensity(name)!;
    // Midpoint rule on a box 6 std beyond the outermost centres, spacing ≤ std/3: for Gaussians the
    // midpoint rule's error is exponentially small in (std/spacing)² and the mass outside the box is
    // below 1e-8, so what remains is float32 rounding of the log-density (relative 1e-6).
    const mix = TOY2D_MIXTURES[name]!;
    const reach = Math.max(...mix.centres.flat().map(Math.abs)) + 6 * mix.std;
    const n = Math.ceil((2 * reach) / (mix.std / 3));
    const h = (2 * reach) / n;
    const pts = new Float32Array(2 * n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        pts[2 * (i * n + j)] = -reach + (i + 0.5) * h;
        pts[2 * (i * n + j) + 1] = -reach + (j + 0.5) * h;
      }
    const x = tf.tensor2d(pts, [n * n, 2]);
    const logp = await values(density.logDensity(x));
    x.dispose();
    const mass = logp.reduce((a, v) => a + Math.exp(v), 0) * h * h;
    assert.ok(Math.abs(mass - 1) < 1e-4, `${name}: ∫p = ${mass} on a ${n}² grid`);
  });

  test(`${name}: −mean log p over its own samples is the tabulated entropy`, async () => {
    // The generator and the closed form must describe the same distribution: H = −E log p(x) over
    // x from the generator. 100 000 samples: the s.e. is sd(log p)/√n ≈ 0.003; the table's own
    // Monte Carlo s.e. is 0.002–0.003 (methods.md §4.3). Tolerance: 4·√(se² + table se²).
    const n = 100_000;
    const x = tf.tensor2d(generateToy2d(name, n, new Rng(3).split(name)), [n, 2]);
    const logp = await values(toy2dDensity(name)!.logDensity(x));
    x.dispose();
    let sum = 0;
    let sq = 0;
    for (const v of logp) {
      sum += v;
      sq += v * v;
    }
    const h = -sum / n;
    const se = Math.sqrt((sq / n - (sum / n) ** 2) / n);
    const tol = 4 * Math.sqrt(se * se + 0.003 ** 2);
    assert.ok(Math.abs(h - TOY2D_ENTROPY[name as Toy2dName]) < tol, `${name}: H = ${h.toFixed(4)} ± ${se.toFixed(4)} vs table ${TOY2D_ENTROPY[name as Toy2dName]} (tol ${tol.toFixed(4)})`);
  });
}

/**
 * Checks score(x) against central differences of logDensity at x (float32 throughout): step
 * h = std/100 keeps the truncation error h²/6·|∂³log p| ≈ 1e-5/std and the rounding error
 * ≈ 1e-7·|log p|/h ≈ 1e-5·|log p|/std, so 1e-3/std (+ 1e-3·|score|) is far above both and far below
 * any wrong term (a missing responsibility, a wrong sign or scale moves the score by O(1/std)).
 */
async function checkScore(density: KnownDensity, points: number[][], std: number, what: string): Promise<void> {
  const d = points[0]!.length;
  const x = tf.tensor2d(points);
  const score = await values(density.score(x));
  const h = std / 100;
  for (let j = 0; j < d; j++) {
    const step = tf.tensor2d(points.map(() => Array.from({ length: d }, (_, c) => (c === j ? h : 0))));
    const plus = tf.add(x, step) as tf.Tensor2D;
    const minus = tf.sub(x, step) as tf.Tensor2D;
    const lp = await values(density.logDensity(plus));
    const lm = await values(density.logDensity(minus));
    tf.dispose([step, plus, minus]);
    points.forEach((p, i) => {
      const fd = (lp[i]! - lm[i]!) / (2 * h);
      const s = score[i * d + j]!;
      assert.ok(Math.abs(fd - s) < 1e-3 / std + 1e-3 * Math.abs(s), `${what} at (${p.join(', ')}), coordinate ${j}: score ${s} vs finite difference ${fd}`);
    });
  }
  x.dispose();
}

for (const name of MIXTURES) {
  test(`${name}: the score is the gradient of the log-density`, async () => {
    const mix = TOY2D_MIXTURES[name]!;
    // Samples, the centres themselves, and points between modes where the responsibilities change hands.
    const samples = generateToy2d(name, 20, new Rng(9));
    const points = Array.from({ length: 20 }, (_, i) => [samples[2 * i]!, samples[2 * i + 1]!]);
    const [a, b] = [mix.centres[0]!, mix.centres[1]!];
    points.push([a[0], a[1]], [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2], [0.3 * a[0] + 0.7 * b[0], 0.3 * a[1] + 0.7 * b[1]], [0.1, -0.2]);
    await checkScore(toy2dDensity(name)!, points, mix.std, name);
  });
}

test('gmm2: log p and the score at points with known answers', async () => {
  const density = toy2dDensity('gmm2')!;
  // At a centre the other mode's responsibility is e^{−100}·(weight ratio): the score is 0; at
  // (20, 20) it is (5, 5) − (20, 20); midway at 0 the modes' log-weights differ by log 4 only.
  const x = tf.tensor2d([[5, 5], [-5, -5], [20, 20], [0, 0]]);
  const s = await values(density.score(x));
  const lp = await values(density.logDensity(x));
  x.dispose();
  const expected = [0, 0, 0, 0, -15, -15];
  expected.forEach((e, i) => assert.ok(Math.abs(s[i]! - e) < 1e-4, `score[${i}] ${s[i]} vs ${e}`));
  // At 0: r = (0.8, 0.2), score = 0.8·(5, 5) + 0.2·(−5, −5) = (3, 3).
  assert.ok(Math.abs(s[6]! - 3) < 1e-4 && Math.abs(s[7]! - 3) < 1e-4, `score at 0: (${s[6]}, ${s[7]})`);
  assert.ok(Math.abs(lp[2]! - (Math.log(0.8 / (2 * Math.PI)) - 225)) < 1e-3, `log p far out: ${lp[2]} (no underflow)`);
});

test('data.gaussian: exact log-density and score N(mean·1, std² I) in any dimension', async () => {
  for (const [dim, mean, std] of [
    [1, -2, 0.3],
    [5, 0.5, 1.7],
    [64, 3, 0.8],
  ] as const) {
    const built = buildNode(dataGaussianNode, { dim, mean, std, trainSize: 200, testSize: 100 });
    const data = built.outputs.data as Dataset;
    const density = data.density!;
    assert.ok(density, 'the Gaussian data carries its density');
    const x = tf.slice(data.test, [0, 0], [20, dim]);
    const xs = (await x.data()) as Float32Array;
    const logp = await values(density.logDensity(x));
    const score = await values(density.score(x));
    for (let i = 0; i < 20; i++) {
      let sq = 0;
      for (let j = 0; j < dim; j++) {
        const c = xs[i * dim + j]! - mean;
        sq += c * c;
        // score = −(x − mean)/std²; float32 relative accuracy.
        assert.ok(Math.abs(score[i * dim + j]! + c / std ** 2) < 1e-5 * (1 + Math.abs(c) / std ** 2));
      }
      const exact = -sq / (2 * std * std) - (dim / 2) * Math.log(2 * Math.PI * std * std);
      assert.ok(Math.abs(logp[i]! - exact) < 1e-5 * (1 + Math.abs(exact)), `d = ${dim}: log p ${logp[i]} vs ${exact}`);
    }
    // −mean log p over the held-out points estimates the entropy (s.e. √(d/2)/√100; 4 s.e.).
    x.dispose();
    const all = await values(density.logDensity(data.test));
    const h = -all.reduce((a, v) => a + v, 0) / all.length;
    assert.ok(Math.abs(h - gaussianEntropy(dim, std)) < 4 * Math.sqrt(dim / 2 / 100), `d = ${dim}: H ${h} vs ${gaussianEntropy(dim, std)}`);
    if (dim <= 5) await checkScore(density, Array.from({ length: 5 }, (_, i) => Array.from({ length: dim }, (_, j) => mean + std * Math.sin(3 * i + j))), std, `gaussian d = ${dim}`);
    built.dispose();
  }
});

test('gaussianMixtureDensity: per-component stds, shapes, bad specs, and no leaks', async () => {
  // 0.3·N((0, 0, 0), I) + 0.7·N((1, 2, 3), 0.25 I) at (1, 2, 3), by hand.
  const density = gaussianMixtureDensity({ means: [[0, 0, 0], [1, 2, 3]], std: [1, 0.5], weights: [0.3, 0.7] });
  const a = 0.3 * Math.exp(-14 / 2) / (2 * Math.PI) ** 1.5;
  const b = (0.7 * 1) / (2 * Math.PI * 0.25) ** 1.5;
  const x = tf.tensor2d([[1, 2, 3]]);
  const lp = await values(density.logDensity(x));
  assert.ok(Math.abs(lp[0]! - Math.log(a + b)) < 1e-5);
  // score = r_0·(0 − x)/1 + r_1·0: the first component's pull, weighted by its responsibility.
  const s = await values(density.score(x));
  const r0 = a / (a + b);
  [1, 2, 3].forEach((v, j) => assert.ok(Math.abs(s[j]! + r0 * v) < 1e-6));
  await checkScore(density, [[0.5, 1, 1.5], [-1, 0, 2], [1, 2, 2.5]], 0.5, '2-component 3-D');
  assert.equal(await leaked(() => tf.dispose([density.logDensity(x), density.score(x)])), 0);
  assert.throws(() => density.logDensity(tf.zeros([2, 2]) as tf.Tensor2D), /n × 3/);
  x.dispose();
  assert.throws(() => gaussianMixtureDensity({ means: [] , std: 1 }), /at least one/);
  assert.throws(() => gaussianMixtureDensity({ means: [[0], [0, 1]], std: 1 }), /same dimension/);
  assert.throws(() => gaussianMixtureDensity({ means: [[0]], std: 0 }), /positive std/);
  assert.throws(() => gaussianMixtureDensity({ means: [[0], [1]], std: 1, weights: [0.5, 0.6] }), /summing to 1/);
});
