// Grid NLL and MMD² against known answers: analytic normalising constants, the §4.3 entropies of
// the toy densities, hand-computed MMD² values and the closed form for two shifted Gaussians.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { boundsOf, gridBoundsFor, gridNll, gridPoints, medianBandwidth, mmd2, mmd2WithBandwidth, MAX_POINTS_PER_CALL } from '../../../app/runtime/metrics.ts';
import { Rng } from '../../../app/runtime/rng.ts';
import { generateToy2d, mixtureLogDensity, TOY2D_ENTROPY, TOY2D_MIXTURES, trueLogDensity, type Toy2dName } from '../../../nodes/data-toy2d/datasets.ts';

function sd(v: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m += v[i]!;
  m /= v.length;
  let q = 0;
  for (let i = 0; i < v.length; i++) q += (v[i]! - m) ** 2;
  return Math.sqrt(q / (v.length - 1));
}
/** −log p as an energy. */
const negate = (logp: (x: tf.Tensor2D) => tf.Tensor1D) => (x: tf.Tensor2D) => tf.neg(logp(x)) as tf.Tensor1D;
/** E(x) = ½|x − μ|²/σ² (unnormalised: log Z = log 2πσ²). */
const gaussianEnergy = (mu: [number, number], s: number, shift = 0) => (x: tf.Tensor2D) =>
  tf.tidy(() => tf.add(tf.div(tf.sum(tf.square(tf.sub(x, tf.tensor1d(mu))), 1), 2 * s * s), shift) as tf.Tensor1D);

test('gridPoints: cell centres, row-major from (xlo, ylo), x fastest', () => {
  const g = gridPoints(
    [
      [-1, 3],
      [2, 4],
    ],
    4,
  );
  assert.equal(g.length, 32);
  // h = (1, 0.5): point k = iy·4 + ix sits at (−1 + (ix + ½), 2 + (iy + ½)/2).
  assert.deepEqual(Array.from(g.slice(0, 8)), [-0.5, 2.25, 0.5, 2.25, 1.5, 2.25, 2.5, 2.25]);
  assert.deepEqual([g[2 * 5], g[2 * 5 + 1]], [0.5, 2.75]);
  assert.deepEqual([g[2 * 15], g[2 * 15 + 1]], [2.5, 3.75]);
});

test('boundsOf / gridBoundsFor: the data box with a margin of 5% of the extent', async () => {
  await tf.setBackend('cpu');
  const a = new Float32Array([0, 10, 2, 20]);
  const b = new Float32Array([1, 15]);
  assert.deepEqual(boundsOf([a, b], 2), [
    [-0.1, 2.1],
    [9.5, 20.5],
  ]);
  assert.deepEqual(boundsOf([new Float32Array([3, 3])], 1, 0.5), [[2.5, 3.5]]); // zero extent counts as 1
  const t = tf.tensor2d(a, [2, 2]);
  assert.deepEqual(await gridBoundsFor(t, 0), [
    [0, 2],
    [10, 20],
  ]);
  t.dispose();
});

test('gridNll: the grid it returns is E at gridPoints, evaluated in chunks of at most 8192 points', async () => {
  await tf.setBackend('cpu');
  const bounds = [
    [-2, 2],
    [0, 1],
  ] as const;
  const calls: number[] = [];
  const energy = (x: tf.Tensor2D): tf.Tensor1D => {
    calls.push(x.shape[0]);
    return tf.tidy(() => tf.reshape(tf.slice(x, [0, 0], [-1, 1]), [-1]) as tf.Tensor1D);
  };
  const test = tf.tensor2d(new Float32Array(2 * 10000), [10000, 2]);
  const before = tf.memory().numTensors;
  const r = await gridNll(energy, test, bounds, 200);
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
  assert.equal(r.grid.length, 40000);
  const pts = gridPoints(bounds, 200);
  for (let k = 0; k < 40000; k += 997) assert.equal(r.grid[k], pts[2 * k]);
  // 40000 grid points then 10000 test points, never more than 8192 at once.
  assert.deepEqual(calls, [8192, 8192, 8192, 8192, 7232, 8192, 1808]);
  assert.ok(calls.every((n) => n <= MAX_POINTS_PER_CALL));
  // Z = ∫∫ e^{−x} over [−2,2]×[0,1] = e² − e^{−2}; E(test) = 0.
  assert.ok(Math.abs(r.logZ - Math.log(Math.exp(2) - Math.exp(-2))) < 1e-4, `logZ ${r.logZ}`);
  assert.ok(Math.abs(r.nll - r.logZ) < 1e-12);
  test.dispose();
});

for (const backend of ['cpu', 'wasm']) {
  test(`gridNll on ${backend}: a 2-D Gaussian has log Z = log 2πσ² and NLL = its entropy 1 + log 2πσ²`, async () => {
    await tf.setBackend(backend);
    const mu: [number, number] = [1, -2];
    const s = 0.7;
    const n = 20000;
    const rng = new Rng(11);
    const x = rng.normals(2 * n, 0, s);
    for (let i = 0; i < n; i++) [x[2 * i], x[2 * i + 1]] = [x[2 * i]! + mu[0], x[2 * i + 1]! + mu[1]];
    const test = tf.tensor2d(x, [n, 2]);
    // ±6σ box: the truncated mass is 4Φ(−6) ≈ 4e−9; the midpoint rule on a Gaussian with h = σ/17 is
    // exact to far below float32, so log Z must match to float32 rounding of the energies (1e−5).
    const box = [
      [mu[0] - 6 * s, mu[0] + 6 * s],
      [mu[1] - 6 * s, mu[1] + 6 * s],
    ] as const;
    const before = tf.memory().numTensors;
    const r = await gridNll(gaussianEnergy(mu, s), test, box, 200);
    assert.equal(tf.memory().numTensors, before, 'tensors leaked');
    const logZ = Math.log(2 * Math.PI * s * s);
    assert.ok(Math.abs(r.logZ - logZ) < 1e-5, `logZ ${r.logZ} vs ${logZ}`);
    // Test NLL: mean of ½|z|² (variance 1 for d = 2) + log Z; 4 s.e. = 4/√n = 0.028.
    assert.ok(Math.abs(r.nll - (1 + logZ)) < 4 / Math.sqrt(n), `nll ${r.nll} vs ${1 + logZ}`);

    // Shifting E by a constant c shifts log Z by −c and leaves the NLL alone, even where e^{−E}
    // over- or underflows (the logsumexp subtracts its max).
    for (const c of [1000, -1000]) {
      const shifted = await gridNll(gaussianEnergy(mu, s, c), test, box, 200);
      assert.ok(Math.abs(shifted.logZ - (r.logZ - c)) < 1e-3, `shift ${c}: logZ ${shifted.logZ}`);
      assert.ok(Math.abs(shifted.nll - r.nll) < 1e-3, `shift ${c}: nll ${shifted.nll}`);
    }
    // A badly scaled model (σ' = 1.5σ or σ/1.5) costs KL = r − 1 − log r, r = σ²/σ'², on top. The
    // excess on the same test points is (r − 1)·mean ½|z|² + const, s.e. |r − 1|/√n: allow 4 s.e.
    for (const f of [1.5, 1 / 1.5]) {
      const bad = await gridNll(gaussianEnergy(mu, s * f), test, box, 200);
      const ratio = 1 / (f * f);
      const kl = ratio - 1 - Math.log(ratio);
      const tol = (4 * Math.abs(ratio - 1)) / Math.sqrt(n) + 1e-3;
      assert.ok(bad.nll > r.nll + 0.1, `scale ${f}: ${bad.nll} not above ${r.nll}`);
      assert.ok(Math.abs(bad.nll - r.nll - kl) < tol, `scale ${f}: excess ${bad.nll - r.nll} vs KL ${kl} ± ${tol}`);
    }
    test.dispose();
  });
}

/**
 * The grid NLL of the true density over the data box (train ∪ test + 5%) on 200×200. Its expected
 * value is the entropy; the error is the test set's Monte Carlo error, s.e. = sd(log p)/√n (0.007 at
 * n = 20000), and the table's own s.e. (§4.3: .002 for 8gaussians and 25gaussians, .003 for gmm2),
 * so we allow 4·√(se² + se_table²) plus 1e-3 for the grid (its log Z is checked to be below that).
 */
async function trueDensityNll(name: Toy2dName, tableSe: number): Promise<{ nll: number; test: tf.Tensor2D; bounds: [number, number][] }> {
  const n = 20000;
  const train = generateToy2d(name, n, new Rng(1).split('train'));
  const testData = generateToy2d(name, n, new Rng(1).split('test'));
  const bounds = boundsOf([train, testData], 2, 0.05);
  const test = tf.tensor2d(testData, [n, 2]);
  const energy = negate(trueLogDensity(name)!);
  const r = await gridNll(energy, test, bounds, 200);
  assert.ok(Math.abs(r.logZ) < 1e-3, `${name}: grid log Z of a normalised density ${r.logZ}`);
  const e = tf.tidy(() => energy(test));
  const se = sd(await e.data()) / Math.sqrt(n);
  e.dispose();
  const tol = 4 * Math.hypot(se, tableSe) + 1e-3;
  const h = TOY2D_ENTROPY[name];
  assert.ok(Math.abs(r.nll - h) < tol, `${name}: grid NLL ${r.nll.toFixed(4)} vs entropy ${h} ± ${tol.toFixed(4)}`);
  return { nll: r.nll, test, bounds };
}

test('gridNll of the true 8gaussians density = its entropy 2.834; a too-narrow mixture costs its KL', async () => {
  await tf.setBackend('cpu');
  const before = tf.memory().numTensors;
  const { nll, test, bounds } = await trueDensityNll('8gaussians', 0.002);
  // Components 0.7× too narrow: KL = r − 1 − log r with r = 1/0.49 for well-separated components. On
  // the same test points the excess has s.e. ≈ (r − 1)/√n = 0.0074 (the Gaussian case): allow 4 s.e.
  const mix = TOY2D_MIXTURES['8gaussians']!;
  const narrow = await gridNll(negate(mixtureLogDensity({ ...mix, std: mix.std * 0.7 })), test, bounds, 200);
  const r = 1 / 0.49;
  assert.ok(narrow.nll > nll + 0.2, `narrow ${narrow.nll} not above ${nll}`);
  assert.ok(Math.abs(narrow.nll - nll - (r - 1 - Math.log(r))) < 0.03, `excess ${narrow.nll - nll}`);
  // A wider one is worse too.
  const wide = await gridNll(negate(mixtureLogDensity({ ...mix, std: mix.std * 1.5 })), test, bounds, 200);
  assert.ok(wide.nll > nll + 0.1, `wide ${wide.nll} not above ${nll}`);
  test.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('gridNll of the true 25gaussians density = its entropy 2.146', async () => {
  await tf.setBackend('wasm');
  const { test } = await trueDensityNll('25gaussians', 0.002);
  test.dispose();
});

test('gridNll of the true gmm2 density = its entropy 3.335', async () => {
  await tf.setBackend('wasm');
  const { test } = await trueDensityNll('gmm2', 0.003);
  test.dispose();
});

test('gridNll of the checkerboard on [−4,4]² is exactly log 32: the cell edges fall on the squares', async () => {
  await tf.setBackend('cpu');
  const test = tf.tensor2d(generateToy2d('checkerboard', 2000, new Rng(5)), [2000, 2]);
  const box = [
    [-4, 4],
    [-4, 4],
  ] as const;
  const r = await gridNll(negate(trueLogDensity('checkerboard')!), test, box, 200);
  assert.ok(Math.abs(r.logZ) < 1e-5, `logZ ${r.logZ}`);
  assert.ok(Math.abs(r.nll - Math.log(32)) < 1e-5, `nll ${r.nll}`);
  // Half the cells are outside the squares: energy +∞ there.
  assert.equal(r.grid.filter((e) => e === Infinity).length, 20000);
  test.dispose();
});

test('gridNll rejects NaN energies, wrong output sizes and bad boxes, and leaks nothing when it does', async () => {
  await tf.setBackend('cpu');
  const test = tf.tensor2d([[0, 0]]);
  const box = [
    [-1, 1],
    [-1, 1],
  ] as const;
  const before = tf.memory().numTensors;
  await assert.rejects(gridNll((x) => tf.fill([x.shape[0]], NaN) as tf.Tensor1D, test, box, 10), /NaN/);
  await assert.rejects(gridNll((x) => tf.zeros([x.shape[0] + 1]) as tf.Tensor1D, test, box, 10), /returned/);
  await assert.rejects(gridNll((x) => tf.zeros([x.shape[0]]) as tf.Tensor1D, test, [[0, 1]], 10), /2-D/);
  await assert.rejects(gridNll((x) => tf.zeros([x.shape[0]]) as tf.Tensor1D, test, [[1, 0], [0, 1]], 10), /bounds/);
  assert.equal(tf.memory().numTensors, before);
  test.dispose();
});

// ----------------------------------------------------------------------------------------------
// MMD²

test('mmd2 on four corners of the unit square: h = 1 and MMD² = e^{−1/2} − e^{−1}', async () => {
  await tf.setBackend('cpu');
  const x = tf.tensor2d([
    [0, 0],
    [1, 0],
  ]);
  const y = tf.tensor2d([
    [0, 1],
    [1, 1],
  ]);
  // Pooled squared distances 1,1,1,1,2,2: median 1. k_xx = k_yy = e^{−1/2}; k_xy = (2e^{−1/2} + 2e^{−1})/4.
  assert.equal(medianBandwidth(x, y), 1);
  const before = tf.memory().numTensors;
  assert.ok(Math.abs(mmd2(x, y) - (Math.exp(-0.5) - Math.exp(-1))) < 1e-12);
  assert.equal(tf.memory().numTensors, before);
  // A bandwidth of 2: k = e^{−d²/8}.
  assert.ok(Math.abs(mmd2WithBandwidth(x, y, 2) - (Math.exp(-1 / 8) - Math.exp(-1 / 4))) < 1e-12);
  tf.dispose([x, y]);
});

test('mmd2WithBandwidth equals the U-statistic written out term by term (m ≠ n, d = 3)', async () => {
  await tf.setBackend('cpu');
  const m = 30;
  const n = 20;
  const h = 1.3;
  const xv = new Rng(41).normals(3 * m);
  const yv = new Rng(42).normals(3 * n, 0.5, 1.2);
  const k = (a: Float32Array, i: number, b: Float32Array, j: number): number =>
    Math.exp(-((a[3 * i]! - b[3 * j]!) ** 2 + (a[3 * i + 1]! - b[3 * j + 1]!) ** 2 + (a[3 * i + 2]! - b[3 * j + 2]!) ** 2) / (2 * h * h));
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) if (i !== j) sxx += k(xv, i, xv, j);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) syy += k(yv, i, yv, j);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) sxy += k(xv, i, yv, j);
  const expected = sxx / (m * (m - 1)) + syy / (n * (n - 1)) - (2 * sxy) / (m * n);
  const x = tf.tensor2d(xv, [m, 3]);
  const y = tf.tensor2d(yv, [n, 3]);
  assert.ok(Math.abs(mmd2WithBandwidth(x, y, h) - expected) < 1e-12);
  // And it is symmetric in its arguments.
  assert.ok(Math.abs(mmd2WithBandwidth(y, x, h) - expected) < 1e-12);
  tf.dispose([x, y]);
});

test('mmd2WithBandwidth matches the closed form for N(0, I) against N(μ, I)', async () => {
  await tf.setBackend('cpu');
  // E k(x,x') = (h²/(h²+2))^{d/2} = c and E k(x,y) = c·e^{−|μ|²/(2(h²+2))}: MMD² = 2c(1 − e^{−|μ|²/(2(h²+2))}).
  // d = 2, h = 1, μ = (2, 0): (2/3)(1 − e^{−2/3}) = 0.3244. At m = 2000, n = 3000 the estimator's sd
  // is 0.012 (measured over 20 seeds); we allow 4 sd = 0.047.
  const m = 2000;
  const n = 3000;
  const x = tf.tensor2d(new Rng(21).normals(2 * m), [m, 2]);
  const yv = new Rng(22).normals(2 * n);
  for (let i = 0; i < n; i++) yv[2 * i] = yv[2 * i]! + 2;
  const y = tf.tensor2d(yv, [n, 2]);
  const expected = (2 / 3) * (1 - Math.exp(-2 / 3));
  const v = mmd2WithBandwidth(x, y, 1);
  assert.ok(Math.abs(v - expected) < 0.047, `MMD² ${v} vs ${expected}`);
  tf.dispose([x, y]);
});

/**
 * The null standard deviation of the unbiased MMD² at bandwidth h: with the doubly centred kernel
 * k̃, MMD²_u is a sum of three uncorrelated degenerate U-statistics, Var = (2/(m(m−1)) + 2/(n(n−1))
 * + 4/(mn))·E[k̃²]. E[k̃²] is estimated on 800 pooled points. (Checked: over 200 replicates of
 * 8gaussians, m = n = 500, h = 4, the observed sd was 0.00135 against 0.00126 predicted.)
 */
function nullSd(x: Float32Array, y: Float32Array, m: number, n: number, h: number): number {
  const z = [...x.slice(0, 800), ...y.slice(0, 800)];
  const p = z.length / 2;
  const k = new Float64Array(p * p);
  for (let i = 0; i < p; i++)
    for (let j = 0; j < p; j++) k[i * p + j] = Math.exp(-((z[2 * i]! - z[2 * j]!) ** 2 + (z[2 * i + 1]! - z[2 * j + 1]!) ** 2) / (2 * h * h));
  const mu = new Float64Array(p);
  let all = 0;
  for (let i = 0; i < p; i++) {
    let row = 0;
    for (let j = 0; j < p; j++) row += k[i * p + j]!;
    all += row;
    mu[i] = row / p;
  }
  all /= p * p;
  let q = 0;
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) if (i !== j) q += (k[i * p + j]! - mu[i]! - mu[j]! + all) ** 2;
  const ek2 = q / (p * (p - 1));
  return Math.sqrt((2 / (m * (m - 1)) + 2 / (n * (n - 1)) + 4 / (m * n)) * ek2);
}

test('mmd2: two samples of 8gaussians give |MMD²| < 4 null sd; against a single Gaussian it is far larger', async () => {
  await tf.setBackend('cpu');
  const m = 2000;
  const xv = generateToy2d('8gaussians', m, new Rng(31));
  const yv = generateToy2d('8gaussians', m, new Rng(32));
  const x = tf.tensor2d(xv, [m, 2]);
  const y = tf.tensor2d(yv, [m, 2]);
  const before = tf.memory().numTensors;
  const h = medianBandwidth(x, y);
  // The pooled median distance of 8gaussians: about 4.0 (the ring's typical chord).
  assert.ok(h > 3.5 && h < 4.5, `bandwidth ${h}`);
  const sd0 = nullSd(xv, yv, m, m, h);
  const same = mmd2(x, y);
  assert.ok(Math.abs(same) < 4 * sd0, `same distribution: MMD² ${same}, null sd ${sd0}`);

  // A single Gaussian with the same mean and covariance (per-coordinate variance 8/1.414² + 0.125):
  // only the shape differs, and still MMD² stands well clear of the null.
  const s = Math.sqrt(8 / 1.414 ** 2 + 0.125);
  const g = tf.tensor2d(new Rng(33).normals(2 * m, 0, s), [m, 2]);
  const matched = mmd2(x, g);
  assert.ok(matched > 4 * sd0 && matched > 2 * Math.abs(same), `moment-matched Gaussian: MMD² ${matched}, null sd ${sd0}`);
  // N(0, I): a different scale altogether.
  const unit = tf.tensor2d(new Rng(34).normals(2 * m), [m, 2]);
  const far = mmd2(x, unit);
  assert.ok(far > 0.1, `N(0, I): MMD² ${far}`);
  assert.equal(tf.memory().numTensors, before + 2);
  tf.dispose([x, y, g, unit]);
});

test('mmd2 rejects mismatched dimensions and too-small samples; identical point masses give 0', async () => {
  await tf.setBackend('cpu');
  const a = tf.tensor2d([
    [0, 0],
    [1, 1],
  ]);
  const b = tf.tensor2d([[0, 0, 0], [1, 1, 1]]);
  const c = tf.tensor2d([[0, 0]]);
  const z = tf.zeros([3, 2]) as tf.Tensor2D;
  assert.throws(() => mmd2(a, b), /dimensions/);
  assert.throws(() => mmd2(a, c), /at least 2/);
  assert.equal(mmd2(z, z), 0);
  tf.dispose([a, b, c, z]);
});
