// data.gaussian: N(mean·1, std² I) with its truth (mean, variance, entropy), against known answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { Rng } from '../../../app/runtime/rng.ts';
import { dataGaussianNode, gaussianEntropy } from '../../../nodes/data-gaussian/node.ts';
import { checkParam } from '../../../nodes/params.ts';
import { defaults as defaultParams, fakeContext as fakeTestContext } from '../../helpers/nodes.ts';

const fakeContext = (seed: number) => fakeTestContext('g1', new Rng(seed));
type Params = { dim: number; mean: number; std: number; trainSize: number; testSize: number };
const defaults = defaultParams(dataGaussianNode) as Params;

test('data.gaussian: definition and defaults', () => {
  assert.equal(dataGaussianNode.type, 'data.gaussian');
  assert.equal(dataGaussianNode.version, 1);
  assert.equal(dataGaussianNode.category, 'data');
  assert.equal(dataGaussianNode.title, 'Gaussian');
  assert.deepEqual(Object.keys(dataGaussianNode.inputs), []);
  assert.equal(dataGaussianNode.outputs.data.type, 'dataset');
  assert.deepEqual(defaults, { dim: 2, mean: 0, std: 1, trainSize: 20000, testSize: 5000 });
  for (const [k, spec] of Object.entries(dataGaussianNode.params)) assert.equal(checkParam(spec, spec.default), null, k);
  assert.equal(checkParam(dataGaussianNode.params.std, 0), 'must be > 0, got 0');
  assert.equal(checkParam(dataGaussianNode.params.dim, 65), 'must be ≤ 64, got 65');
  assert.equal(checkParam(dataGaussianNode.params.dim, 0), 'must be ≥ 1, got 0');
  assert.equal(dataGaussianNode.dim!({ ...defaults, dim: 7 }), 7);
});

test('gaussianEntropy: d/2·log(2πe·s²)', () => {
  // log(2πe) = 2.8378770664093453.
  assert.ok(Math.abs(gaussianEntropy(2, 1) - 2.8378770664093453) < 1e-12);
  assert.ok(Math.abs(gaussianEntropy(1, 1) - 1.4189385332046727) < 1e-12);
  // d = 3, s = 0.5: 1.5·(2.8378770664 − 1.3862943611) = 2.1773740580.
  assert.ok(Math.abs(gaussianEntropy(3, 0.5) - 2.177374058) < 1e-9);
  assert.equal(dataGaussianNode.derived!(defaults).entropy!.value, gaussianEntropy(2, 1));
});

for (const backend of ['cpu', 'wasm']) {
  test(`data.gaussian on ${backend}: moments of N(2·1, 0.5² I) in 3-D, truth, bounds, batches, no leak`, async () => {
    await tf.setBackend(backend);
    const before = tf.memory().numTensors;
    const ctx = fakeContext(5);
    const p: Params = { dim: 3, mean: 2, std: 0.5, trainSize: 20000, testSize: 4000 };
    const { data } = dataGaussianNode.build(ctx, p, {});
    assert.equal(data.nodeId, 'g1');
    assert.equal(data.dim, 3);
    assert.deepEqual(data.train.shape, [20000, 3]);
    assert.deepEqual(data.test.shape, [4000, 3]);
    assert.deepEqual(data.truth, { mean: [2, 2, 2], variance: [0.25, 0.25, 0.25], entropy: gaussianEntropy(3, 0.5) });
    assert.equal(data.entropy, gaussianEntropy(3, 0.5));
    assert.equal(ctx.tracked.length, 2);

    // Train and test come from the node's 'train' and 'test' streams.
    const train = await data.train.data();
    const test = await data.test.data();
    assert.deepEqual(train, new Rng(5).split('train').normals(60000, 2, 0.5));
    assert.deepEqual(test, new Rng(5).split('test').normals(12000, 2, 0.5));

    // Per coordinate: mean within 4 s.e. (0.5/√20000 = 0.0035), variance within 4 s.e. (0.25·√(2/20000)).
    for (let c = 0; c < 3; c++) {
      let m = 0;
      for (let i = c; i < train.length; i += 3) m += train[i]!;
      m /= 20000;
      let v = 0;
      for (let i = c; i < train.length; i += 3) v += (train[i]! - m) ** 2;
      v /= 19999;
      assert.ok(Math.abs(m - 2) < (4 * 0.5) / Math.sqrt(20000), `mean[${c}] ${m}`);
      assert.ok(Math.abs(v - 0.25) < 4 * 0.25 * Math.sqrt(2 / 20000), `variance[${c}] ${v}`);
    }

    // Bounds: 3 dimensions, each the data's range plus 5% on each side.
    assert.equal(data.bounds.length, 3);
    for (let c = 0; c < 3; c++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (const a of [train, test]) for (let i = c; i < a.length; i += 3) [lo, hi] = [Math.min(lo, a[i]!), Math.max(hi, a[i]!)];
      const [blo, bhi] = data.bounds[c]!;
      assert.ok(Math.abs(blo - (lo - 0.05 * (hi - lo))) < 1e-9 && Math.abs(bhi - (hi + 0.05 * (hi - lo))) < 1e-9);
    }

    // Batches: the rows of train picked by the stream's ints.
    const mid = tf.memory().numTensors;
    const b = data.batch(64, new Rng(9));
    assert.equal(tf.memory().numTensors, mid + 1);
    assert.deepEqual(b.shape, [64, 3]);
    const bv = await b.data();
    const idx = new Rng(9).ints(64, 20000);
    for (let i = 0; i < 64; i++) assert.deepEqual(Array.from(bv.slice(3 * i, 3 * i + 3)), Array.from(train.slice(3 * idx[i]!, 3 * idx[i]! + 3)));
    b.dispose();
    assert.throws(() => data.batch(0, new Rng(1)), /batch size/);

    for (const t of ctx.tracked) t.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
}

test('data.gaussian: 1-D and 64-D build; seeds give different data', async () => {
  await tf.setBackend('cpu');
  const before = tf.memory().numTensors;
  for (const dim of [1, 64]) {
    const a = fakeContext(1);
    const b = fakeContext(2);
    const p: Params = { ...defaults, dim, trainSize: 50, testSize: 20 };
    const da = dataGaussianNode.build(a, p, {}).data;
    const db = dataGaussianNode.build(b, p, {}).data;
    assert.deepEqual(da.train.shape, [50, dim]);
    assert.deepEqual(da.test.shape, [20, dim]);
    assert.equal((da.truth!.mean as number[]).length, dim);
    assert.equal(da.entropy, gaussianEntropy(dim, 1));
    assert.notDeepEqual(await da.train.data(), await db.train.data());
    for (const t of [...a.tracked, ...b.tracked]) t.dispose();
  }
  assert.equal(tf.memory().numTensors, before);
});
