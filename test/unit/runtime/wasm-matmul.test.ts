// The wasm matMul fix: same numbers as the cpu backend for every transpose combination, batched
// and not, fused and not; gradients unchanged; no tensors, buffers or wasm heap left behind; and
// installing it twice changes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { countTransposes } from '../../helpers/wasm.ts';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// Gradients: tfjs-core's Node bundle has none; the union package's registers them all.
import '@tensorflow/tfjs';
import { Rng } from '../../../app/runtime/rng.ts';
import {
  installWasmMatMulFix,
  isWasmMatMulFixInstalled,
  uninstallWasmMatMulFix,
  MIN_OTHER_DIM,
} from '../../../app/runtime/wasm-kernels.ts';

const rng = new Rng(7);
const TOL = 1e-4;

interface Operand {
  shape: number[];
  values: Float32Array;
}

function operand(shape: number[]): Operand {
  return { shape, values: rng.normals(shape.reduce((p, d) => p * d, 1)) };
}

/** Runs `f` on a backend with fresh tensors built from the operands, and returns plain arrays. */
async function on<T extends tf.Tensor | tf.Tensor[]>(
  backend: 'cpu' | 'wasm',
  ops: Operand[],
  f: (...xs: tf.Tensor[]) => T,
): Promise<Float32Array[]> {
  assert.ok(await tf.setBackend(backend));
  const xs = ops.map((o) => tf.tensor(o.values, o.shape));
  const out = f(...xs);
  const list = Array.isArray(out) ? out : [out];
  const arrays = await Promise.all(list.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose([...xs, ...list]);
  return arrays;
}

function assertClose(actual: Float32Array[], expected: Float32Array[], what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let k = 0; k < expected.length; k++) {
    const a = actual[k]!;
    const e = expected[k]!;
    assert.equal(a.length, e.length, `${what}: output ${k} length`);
    for (let i = 0; i < e.length; i++) {
      const err = Math.abs(a[i]! - e[i]!);
      assert.ok(err <= TOL * (1 + Math.abs(e[i]!)), `${what}: output ${k}[${i}] = ${a[i]}, cpu ${e[i]}`);
    }
  }
}

/** Operand shapes for C[m×n] = op(A)·op(B) with the given transposes and batch dims. */
function shapes(batch: number[], m: number, k: number, n: number, ta: boolean, tb: boolean): [number[], number[]] {
  return [
    [...batch, ...(ta ? [k, m] : [m, k])],
    [...batch, ...(tb ? [n, k] : [k, n])],
  ];
}

const COMBOS: [boolean, boolean][] = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];
const label = (ta: boolean, tb: boolean) => `${ta ? 'T' : 'N'}${tb ? 'T' : 'N'}`;

/** How many operands `f` materialised. */
const transposesIn = async (f: () => Promise<unknown>): Promise<number> => (await countTransposes(f))[1];

before(async () => {
  assert.ok(await tf.setBackend('wasm'));
  await tf.ready();
  assert.deepEqual(installWasmMatMulFix(), ['BatchMatMul', '_FusedMatMul']);
});

after(() => {
  tf.setBackend('cpu');
});

test('the fix is the registered wasm kernel for BatchMatMul and _FusedMatMul', () => {
  assert.ok(isWasmMatMulFixInstalled('BatchMatMul'));
  assert.ok(isWasmMatMulFixInstalled('_FusedMatMul'));
});

for (const batch of [[], [1], [3], [2, 2]]) {
  for (const [ta, tb] of COMBOS) {
    const name = `matMul ${label(ta, tb)} batch [${batch.join(',')}] equals cpu`;
    test(name, async () => {
      const [sa, sb] = shapes(batch, 33, 20, 17, ta, tb);
      const ops = [operand(sa), operand(sb)];
      const f = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a, b, ta, tb);
      const expected = await on('cpu', ops, f);
      let actual: Float32Array[] = [];
      const transposes = await transposesIn(async () => {
        actual = await on('wasm', ops, f);
      });
      assertClose(actual, expected, name);
      // Unbatched transposed products are rerouted through a materialised transpose; batched ones
      // (batch > 1) would hit the slow loop either way and are left alone.
      const batched = batch.reduce((p, d) => p * d, 1) > 1;
      assert.equal(transposes, batched ? 0 : Number(ta) + Number(tb), `${name}: operands materialised`);
    });
  }
}

test('thin products, where a copy does not pay, are left to the original kernel and stay right', async () => {
  for (const [ta, tb] of COMBOS.slice(1)) {
    const [sa, sb] = shapes([], MIN_OTHER_DIM - 1, 40, MIN_OTHER_DIM - 1, ta, tb);
    const ops = [operand(sa), operand(sb)];
    const f = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a, b, ta, tb);
    const expected = await on('cpu', ops, f);
    let actual: Float32Array[] = [];
    const transposes = await transposesIn(async () => {
      actual = await on('wasm', ops, f);
    });
    assertClose(actual, expected, `thin ${label(ta, tb)}`);
    assert.equal(transposes, 0, `thin ${label(ta, tb)}: nothing materialised`);
  }
});

test('vector operands (a unit dimension) equal cpu for every transpose combination', async () => {
  for (const [ta, tb] of COMBOS) {
    for (const [m, k, n] of [
      [64, 32, 1],
      [1, 32, 64],
      [64, 1, 48],
    ] as const) {
      const [sa, sb] = shapes([], m, k, n, ta, tb);
      const ops = [operand(sa), operand(sb)];
      const f = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a, b, ta, tb);
      assertClose(await on('wasm', ops, f), await on('cpu', ops, f), `${label(ta, tb)} ${m}x${k}x${n}`);
    }
  }
});

for (const [ta, tb] of COMBOS) {
  for (const activation of ['linear', 'relu'] as const) {
    const name = `fused matMul ${label(ta, tb)} + bias, ${activation}, equals cpu`;
    test(name, async () => {
      const [sa, sb] = shapes([], 40, 24, 16, ta, tb);
      const ops = [operand(sa), operand(sb), operand([16])];
      const f = (a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor) =>
        tf.fused.matMul({ a, b, bias, transposeA: ta, transposeB: tb, activation });
      const expected = await on('cpu', ops, f);
      let actual: Float32Array[] = [];
      const transposes = await transposesIn(async () => {
        actual = await on('wasm', ops, f);
      });
      assertClose(actual, expected, name);
      assert.equal(transposes, Number(ta) + Number(tb), `${name}: operands materialised`);
    });
  }
}

test('gradients through matMul and fused matMul equal cpu for every transpose combination', async () => {
  for (const [ta, tb] of COMBOS) {
    const [sa, sb] = shapes([], 24, 16, 20, ta, tb);
    const ops = [operand(sa), operand(sb), operand([24, 20]), operand([20])];
    // A weighted sum, so that every entry of the upstream gradient differs.
    const plain = (a: tf.Tensor, b: tf.Tensor, w: tf.Tensor) =>
      tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y, ta, tb), w)))([a, b]);
    assertClose(await on('wasm', ops, plain), await on('cpu', ops, plain), `grad ${label(ta, tb)}`);
    const fused = (a: tf.Tensor, b: tf.Tensor, w: tf.Tensor, bias: tf.Tensor) =>
      tf.grads((x: tf.Tensor, y: tf.Tensor, c: tf.Tensor) =>
        tf.sum(tf.mul(tf.fused.matMul({ a: x, b: y, bias: c, transposeA: ta, transposeB: tb }), w)),
      )([a, b, bias]);
    assertClose(await on('wasm', ops, fused), await on('cpu', ops, fused), `fused grad ${label(ta, tb)}`);
  }
});

test('no tensor, buffer or wasm heap growth over repeated calls', async () => {
  assert.ok(await tf.setBackend('wasm'));
  const backend = tf.backend() as tf.KernelBackend & { wasm: { HEAPU8: Uint8Array } };
  const a = tf.tensor(rng.normals(256 * 128), [256, 128]);
  const w = tf.tensor(rng.normals(128 * 128), [128, 128]);
  const bias = tf.tensor(rng.normals(128), [128]);
  const round = () => {
    const outs = [
      tf.matMul(a, w, false, true),
      tf.matMul(a, a, true, false),
      tf.matMul(w, a, true, true),
      tf.fused.matMul({ a, b: w, bias, transposeB: true, activation: 'relu' }),
      ...tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.matMul(x, y, false, true)))([a, w]),
    ];
    outs.forEach((t) => t.dataSync());
    tf.dispose(outs);
  };
  for (let i = 0; i < 10; i++) round();
  const m0 = tf.memory();
  const ids0 = backend.numDataIds();
  const heap0 = backend.wasm.HEAPU8.length;
  for (let i = 0; i < 60; i++) round();
  const m1 = tf.memory();
  assert.equal(m1.numTensors, m0.numTensors, 'numTensors');
  assert.equal(m1.numBytes, m0.numBytes, 'numBytes');
  assert.equal(backend.numDataIds(), ids0, 'backend data ids (intermediate transposes freed)');
  assert.equal(backend.wasm.HEAPU8.length, heap0, 'wasm heap size');
  tf.dispose([a, w, bias]);
});

test('installing twice is harmless: same kernel, one materialisation per transposed operand', async () => {
  const first = tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc;
  const firstFused = tf.getKernel('_FusedMatMul', 'wasm')?.kernelFunc;
  assert.deepEqual(installWasmMatMulFix(), ['BatchMatMul', '_FusedMatMul']);
  assert.equal(tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc, first);
  assert.equal(tf.getKernel('_FusedMatMul', 'wasm')?.kernelFunc, firstFused);
  const ops = [operand([30, 12]), operand([20, 12])];
  const f = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a, b, false, true);
  let actual: Float32Array[] = [];
  const transposes = await transposesIn(async () => {
    actual = await on('wasm', ops, f);
  });
  assert.equal(transposes, 1);
  assertClose(actual, await on('cpu', ops, f), 'after a second install');
});

test('uninstalling restores the original kernels, and reinstalling works', async () => {
  uninstallWasmMatMulFix();
  assert.equal(isWasmMatMulFixInstalled('BatchMatMul'), false);
  assert.equal(isWasmMatMulFixInstalled('_FusedMatMul'), false);
  const ops = [operand([30, 12]), operand([20, 12])];
  const f = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a, b, false, true);
  const transposes = await transposesIn(() => on('wasm', ops, f));
  assert.equal(transposes, 0, 'the original kernel does not materialise');
  installWasmMatMulFix();
  assert.ok(isWasmMatMulFixInstalled('BatchMatMul'));
  assertClose(await on('wasm', ops, f), await on('cpu', ops, f), 'after reinstall');
});
