// The ops a Custom energy may use under a score-based objective (nodes/energy-custom/ops.ts:
// REPLACED_OPS and VERIFIED_TFJS_OPS), proved the way test/unit/nodes/autodiff.test.ts proves the
// activations: for each op, through custom code's own `tf` (the facade), the first, second and
// third directional derivatives of g(x) = Σ c ⊙ tanh(op(x)) by nested tf.grad equal a finite
// difference of the next-lower one. The outer tanh (verified in autodiff.test.ts) gives every op
// curvature to pass on, so a backward pass that the outer tape records wrongly shows up at the
// second order. Controls show the check fails tfjs's own x·σ(x) and tanh, whose second derivatives
// methods.md §8 says tfjs gets wrong. Every backend that loads here; the others are skipped with the reason.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../../app/runtime/rng.ts';
import { BACKENDS } from '../../../app/runtime/events.ts';
import { makeFacade } from '../../../nodes/energy-custom/facade.ts';
import { REPLACED_OPS, SECOND_ORDER_OPS, VERIFIED_TFJS_OPS } from '../../../nodes/energy-custom/ops.ts';
import { unavailableBackends, useBackend } from '../../helpers/nodes.ts';

type Op = (...args: unknown[]) => tf.Tensor;
type Facade = Record<string, Op>;
/** What an op is applied to: x itself, and tanh(x) where it takes a second tensor, so that every
 * input depends on x. */
type Use = (t: Facade, x: tf.Tensor2D) => tf.Tensor;

const second = (t: Facade, x: tf.Tensor) => t.tanh!(x);

/** How each verified op is exercised; 'positive' ops get inputs in [0.5, 1.5]. */
const USES: Record<string, { use: Use; domain?: 'positive' }> = {
  add: { use: (t, x) => t.add!(x, second(t, x)) },
  sub: { use: (t, x) => t.sub!(x, second(t, x)) },
  neg: { use: (t, x) => t.neg!(x) },
  mul: { use: (t, x) => t.mul!(x, second(t, x)) },
  div: { use: (t, x) => t.div!(x, t.add!(second(t, x), 2)) },
  square: { use: (t, x) => t.square!(x) },
  squaredDifference: { use: (t, x) => t.squaredDifference!(x, second(t, x)) },
  addN: { use: (t, x) => t.addN!([x, second(t, x), x]) },
  matMul: { use: (t, x) => t.matMul!(x, t.transpose!(second(t, x))) },
  dot: { use: (t, x) => t.dot!(x, t.transpose!(second(t, x))) },
  sum: { use: (t, x) => t.sum!(x, 1) },
  mean: { use: (t, x) => t.mean!(x, 0) },
  reshape: { use: (t, x) => t.reshape!(x, [4, 3]) },
  transpose: { use: (t, x) => t.transpose!(x) },
  expandDims: { use: (t, x) => t.expandDims!(x, 1) },
  squeeze: { use: (t, x) => t.squeeze!(t.reshape!(x, [1, 12])) },
  concat: { use: (t, x) => t.concat!([x, second(t, x)], 1) },
  slice: { use: (t, x) => t.slice!(x, [1, 1], [2, 2]) },
  stack: { use: (t, x) => t.stack!([x, second(t, x)]) },
  tile: { use: (t, x) => t.tile!(x, [2, 1]) },
  clone: { use: (t, x) => t.clone!(x) },
  log: { use: (t, x) => t.log!(x), domain: 'positive' },
  log1p: { use: (t, x) => t.log1p!(x), domain: 'positive' },
  sqrt: { use: (t, x) => t.sqrt!(x), domain: 'positive' },
  sin: { use: (t, x) => t.sin!(x) },
  cos: { use: (t, x) => t.cos!(x) },
  exp: { use: (t, x) => t.exp!(x) },
  sigmoid: { use: (t, x) => t.sigmoid!(x) },
  tanh: { use: (t, x) => t.tanh!(x) },
  softplus: { use: (t, x) => t.softplus!(x) },
  relu: { use: (t, x) => t.relu!(x) },
  elu: { use: (t, x) => t.elu!(x) },
  leakyRelu: { use: (t, x) => t.leakyRelu!(x, 0.2) },
  swish: { use: (t, x) => t.swish!(x) },
  gelu: { use: (t, x) => t.gelu!(x) },
};

test('every op score-based objectives accept is exercised here, and nothing else', () => {
  assert.deepEqual(Object.keys(USES).sort(), [...REPLACED_OPS, ...VERIFIED_TFJS_OPS].sort());
  for (const name of Object.keys(USES)) assert.ok(SECOND_ORDER_OPS.has(name));
});

// ---------------------------------------------------------------------------------------------
// Directional derivatives: D₀ = g, D_k(x) = ∇D_{k−1}(x) · v by nested tf.grad.

const SHAPE: [number, number] = [3, 4];
const SIZE = 12;
/** Step along v (unit length): 2⁻⁷, as autodiff.test.ts; the 5-point difference's truncation
 * error h⁴/30·|D⁽⁵⁾| is negligible and its round-off is (18/12h)·δ·M for values of size M. */
const H = 2 ** -7;
const EPS32 = 2 ** -24;
/** δ: the directional derivatives pass through a few dozen float32 ops: 16 ulps of their size
 * (at least 1), as autodiff.test.ts. The largest miss measured here is below 2 ulps. */
const ROUND_OFF = 16 * EPS32;
/** Directions (c, v) tried per op: the check uses the one along which every derivative is
 * largest against its tolerance, so that none is too small to resolve. */
const CANDIDATES = 16;
const MAX_ORDER = 3;

type Scalar = (x: tf.Tensor2D) => tf.Scalar;

function directional(g: Scalar, v: tf.Tensor2D, order: number): Scalar {
  let f = g;
  for (let k = 0; k < order; k++) {
    const inner = f;
    f = (x) => tf.sum(tf.mul(tf.grad((y: tf.Tensor) => inner(y as tf.Tensor2D))(x), v)) as tf.Scalar;
  }
  return f;
}

interface Check {
  order: number;
  autodiff: number;
  finiteDifference: number;
  tolerance: number;
}

/** D_order at x by autodiff, against the 5-point difference of D_{order−1} along v. As in
 * autodiff.test.ts, x + k h v is rounded to float32, so autodiff is contracted with the
 * displacement actually applied. */
function check(g: Scalar, x0: Float32Array, v0: Float64Array, order: number): Check {
  return tf.tidy(() => {
    const v = tf.tensor2d(Float32Array.from(v0), SHAPE);
    const lower = directional(g, v, order - 1);
    const at: Record<number, { value: number; applied: Float64Array }> = {};
    for (const k of [1, -1, 2, -2]) {
      const moved = Float32Array.from(x0, (xi, i) => xi + k * H * v0[i]!);
      at[k] = { value: lower(tf.tensor2d(moved, SHAPE)).dataSync()[0]!, applied: Float64Array.from(moved, (m, i) => m - x0[i]!) };
    }
    const fivePoint = (a: number, b: number, c: number, d: number) => (-c + 8 * a - 8 * b + d) / (12 * H);
    const finiteDifference = fivePoint(at[1]!.value, at[-1]!.value, at[2]!.value, at[-2]!.value);
    const gradient = tf.grad((y: tf.Tensor) => lower(y as tf.Tensor2D))(tf.tensor2d(x0, SHAPE)).dataSync();
    let autodiff = 0;
    for (let i = 0; i < SIZE; i++) autodiff += gradient[i]! * fivePoint(at[1]!.applied[i]!, at[-1]!.applied[i]!, at[2]!.applied[i]!, at[-2]!.applied[i]!);
    const size = Math.max(1, ...[1, -1, 2, -2].map((k) => Math.abs(at[k]!.value)));
    return { order, autodiff, finiteDifference, tolerance: (18 / (12 * H)) * ROUND_OFF * size };
  });
}

/** Inputs: away from 0 (the kinks of relu, leaky ReLU and ELU: the stencil moves x < 0.02). */
function inputs(domain: 'any' | 'positive', rng: Rng): Float32Array {
  return Float32Array.from({ length: SIZE }, () => {
    const u = rng.next();
    if (domain === 'positive') return Math.fround(0.5 + u);
    const magnitude = 0.3 + 1.2 * rng.next();
    return Math.fround(u < 0.5 ? -magnitude : magnitude);
  });
}

function runChecks(use: Use, domain: 'any' | 'positive', seed: string): Check[] {
  const t = makeFacade() as unknown as Facade;
  const rng = new Rng(11).split(seed);
  const x0 = inputs(domain, rng);
  const outSize = tf.tidy(() => use(t, tf.tensor2d(x0, SHAPE)).size);
  const weights: tf.Tensor1D[] = [];
  try {
    let best: { g: Scalar; v: Float64Array; smallest: number } | null = null;
    for (let i = 0; i < CANDIDATES; i++) {
      const c = tf.tensor1d(rng.normals(outSize));
      weights.push(c);
      const g: Scalar = (x) => tf.tidy(() => tf.sum(tf.mul(tf.reshape(t.tanh!(use(t, x)), [-1]), c)) as tf.Scalar);
      const v = Float64Array.from(rng.normals(SIZE));
      const norm = Math.hypot(...v);
      v.forEach((_, j) => (v[j]! /= norm));
      const smallest = tf.tidy(() => {
        const x = tf.tensor2d(x0, SHAPE);
        const direction = tf.tensor2d(Float32Array.from(v), SHAPE);
        return Math.min(...Array.from({ length: MAX_ORDER }, (_, k) => Math.abs(directional(g, direction, k + 1)(x).dataSync()[0]!)));
      });
      if (!best || smallest > best.smallest) best = { g, v, smallest };
    }
    const chosen = best!;
    return Array.from({ length: MAX_ORDER }, (_, k) => check(chosen.g, x0, chosen.v, k + 1));
  } finally {
    tf.dispose(weights);
  }
}

const fmt = (v: number) => v.toExponential(2);

// ---------------------------------------------------------------------------------------------

const unavailable = await unavailableBackends();

for (const backend of BACKENDS) {
  const skip = unavailable.get(backend) ?? false;
  describe(`on the ${backend} backend`, () => {
    before(async () => {
      if (!skip) await useBackend(backend);
    });

    for (const [name, { use, domain = 'any' }] of Object.entries(USES)) {
      test(`tf.${name}: first, second and third derivatives through it match finite differences`, { skip }, (t) => {
        assert.equal(tf.getBackend(), backend);
        const before = tf.memory().numTensors;
        const checks = runChecks(use, domain, name);
        for (const c of checks) {
          const miss = Math.abs(c.autodiff - c.finiteDifference);
          assert.ok(miss <= c.tolerance, `order ${c.order}: autodiff ${c.autodiff}, finite difference ${c.finiteDifference} (miss ${fmt(miss)} > ${fmt(c.tolerance)})`);
          assert.ok(Math.abs(c.autodiff) > 10 * c.tolerance, `order ${c.order}: the derivative (${c.autodiff}) is too small for the check to resolve (tolerance ${fmt(c.tolerance)})`);
        }
        assert.equal(tf.memory().numTensors, before);
        t.diagnostic(`${backend} tf.${name}: ${checks.map((c) => `order ${c.order} miss ${fmt(Math.abs(c.autodiff - c.finiteDifference))} of ${fmt(c.tolerance)}`).join('; ')}`);
      });
    }

    for (const [name, own] of [
      ['x·σ(x)', (_t: Facade, x: tf.Tensor2D) => tf.mul(x, tf.sigmoid(x))],
      ['tanh', (_t: Facade, x: tf.Tensor2D) => tf.tanh(x)],
    ] as const) {
      test(`control: the same check fails tfjs’s own ${name} at the second order`, { skip }, (t) => {
        const [first, secondOrder] = runChecks(own, 'any', `control ${name}`);
        assert.ok(Math.abs(first!.autodiff - first!.finiteDifference) <= first!.tolerance, 'its first derivative is right');
        const miss = Math.abs(secondOrder!.autodiff - secondOrder!.finiteDifference);
        assert.ok(miss > 10 * secondOrder!.tolerance, `its second derivative is wrong: ${secondOrder!.autodiff} vs ${secondOrder!.finiteDifference}`);
        t.diagnostic(`${backend} tfjs's own ${name}: order 2 miss ${fmt(miss)} of ${fmt(secondOrder!.tolerance)}`);
      });
    }
  });
}
