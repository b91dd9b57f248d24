// The wasm kernel fixes as a whole (the matMul fix's own checks are in wasm-matmul.test.ts):
// Identity and same-dtype Cast share their input's data, which is safe because the wasm backend
// counts references and no kernel writes into its inputs; transposed weights are cached while they
// live and never go stale; gradients and training match the cpu backend; nothing leaks; installing
// is idempotent and uninstalling restores tfjs's own kernels.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { countTransposes } from '../../helpers/wasm.ts';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// Gradients and optimizers: tfjs-core's Node bundle has none; the union package's registers them.
import '@tensorflow/tfjs';
import { Rng } from '../../../app/runtime/rng.ts';
import {
  clearWasmTransposeCache,
  installWasmKernelFixes,
  installedWasmKernelFixes,
  isWasmKernelPatched,
  uninstallWasmKernelFixes,
  wasmTransposeCacheSize,
  TRANSPOSE_CACHE_BYTES,
  type PatchedKernel,
} from '../../../app/runtime/wasm-kernels.ts';

type WasmBackend = tf.KernelBackend & { wasm: { HEAPU8: Uint8Array } };

const KERNELS: PatchedKernel[] = ['BatchMatMul', '_FusedMatMul', 'Identity', 'Cast'];
const TOL = 1e-4;
/** tfjs's own wasm kernels, captured before anything is installed. */
const originals = new Map<PatchedKernel, tf.KernelFunc>();

function wasm(): WasmBackend {
  return tf.backend() as WasmBackend;
}

async function use(name: 'cpu' | 'wasm'): Promise<void> {
  assert.ok(await tf.setBackend(name));
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol = TOL): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i]! - expected[i]!);
    assert.ok(err <= tol * (1 + Math.abs(expected[i]!)), `${what}[${i}] = ${actual[i]}, expected ${expected[i]}`);
  }
}


// --- a small EBM: MLP energy with swish activations, Langevin samples, Adam -----------------

interface Mlp {
  vars: tf.Variable[];
  energy(x: tf.Tensor2D): tf.Tensor2D;
}

const DIMS = [2, 16, 16, 1];

/** Weight values from a seed, so that each backend gets the same model. */
function mlpValues(seed: number): Float32Array[] {
  const rng = new Rng(seed);
  const out: Float32Array[] = [];
  for (let i = 0; i + 1 < DIMS.length; i++) {
    const bound = 1 / Math.sqrt(DIMS[i]!);
    out.push(rng.uniforms(DIMS[i]! * DIMS[i + 1]!, -bound, bound), rng.uniforms(DIMS[i + 1]!, -bound, bound));
  }
  return out;
}

function mlp(seed: number): Mlp {
  const values = mlpValues(seed);
  const vars: tf.Variable[] = [];
  for (let i = 0; i + 1 < DIMS.length; i++) {
    vars.push(
      tf.tidy(() => tf.variable(tf.tensor2d(values[2 * i]!, [DIMS[i]!, DIMS[i + 1]!]))),
      tf.tidy(() => tf.variable(tf.tensor1d(values[2 * i + 1]!))),
    );
  }
  return {
    vars,
    energy(x) {
      let h: tf.Tensor2D = x;
      for (let i = 0; 2 * i < vars.length; i++) {
        h = tf.add(tf.matMul(h, vars[2 * i]! as tf.Tensor2D), vars[2 * i + 1]!);
        if (2 * i + 2 < vars.length) h = tf.mul(h, tf.sigmoid(h));
      }
      return h;
    },
  };
}

const BATCH = 32;

function batch(rng: Rng, scale = 2): tf.Tensor2D {
  return tf.tensor2d(rng.normals(BATCH * 2, 0, scale), [BATCH, 2]);
}

/** One PCD-like training step: K Langevin steps from `start`, then Adam on the contrastive loss. */
function trainStep(model: Mlp, optimizer: tf.Optimizer, rng: Rng, K = 3): number {
  const gradE = tf.grad((x: tf.Tensor) => tf.sum(model.energy(x as tf.Tensor2D)));
  const loss = tf.tidy(() => {
    let x = batch(rng, 3);
    for (let k = 0; k < K; k++) {
      x = tf.add(tf.sub(x, tf.mul(gradE(x), 0.05)), batch(rng, 0.1));
    }
    const data = batch(rng, 1);
    const samples = x;
    return optimizer.minimize(
      () => {
        const ep = model.energy(data);
        const en = model.energy(samples);
        return tf.add(tf.sub(tf.mean(ep), tf.mean(en)), tf.mul(0.1, tf.add(tf.mean(tf.square(ep)), tf.mean(tf.square(en))))) as tf.Scalar;
      },
      true,
      model.vars,
    ) as tf.Scalar;
  });
  const value = loss.dataSync()[0]!;
  loss.dispose();
  return value;
}

// ---------------------------------------------------------------------------------------------

before(async () => {
  await use('wasm');
  await tf.ready();
  for (const name of KERNELS) {
    const config = tf.getKernel(name, 'wasm');
    assert.ok(config, `wasm ${name} is registered`);
    assert.equal(isWasmKernelPatched(name), false, `${name} starts unpatched`);
    originals.set(name, config.kernelFunc);
  }
  assert.deepEqual(installWasmKernelFixes(), KERNELS);
});

after(async () => {
  await use('cpu');
});

test('every fix is installed: each wrapper is the registered wasm kernel', () => {
  for (const name of KERNELS) assert.ok(isWasmKernelPatched(name), name);
  assert.deepEqual(installedWasmKernelFixes(), ['matMul', 'identity']);
});

test('Identity and same-dtype Cast share the data, refcounted, and read like the cpu backend', async () => {
  const rng = new Rng(1);
  const floats = rng.normals(24);
  const ints = Int32Array.from(rng.ints(24, 100), (v) => v - 50);
  const bools = Uint8Array.from(rng.ints(24, 2));
  const cases: [tf.DataType, ArrayLike<number>][] = [
    ['float32', floats],
    ['int32', ints],
    ['bool', bools],
  ];
  for (const [dtype, values] of cases) {
    await use('cpu');
    const cx = tf.tensor(values as Float32Array, [4, 6], dtype);
    const expected = [tf.clone(cx), tf.cast(cx, dtype), tf.cast(cx, 'float32'), tf.cast(cx, 'int32')].map((t) => Array.from(t.dataSync()));
    tf.dispose(cx);
    await use('wasm');
    const backend = wasm();
    const x = tf.tensor(values as Float32Array, [4, 6], dtype);
    const clone = tf.clone(x);
    const same = tf.cast(x, dtype);
    assert.equal(clone.dataId, x.dataId, `${dtype}: Identity shares the dataId`);
    assert.equal(same.dataId, x.dataId, `${dtype}: Cast to ${dtype} shares the dataId`);
    assert.equal(backend.refCount(x.dataId), 3, `${dtype}: one reference per tensor`);
    const toFloat = tf.cast(x, 'float32');
    const toInt = tf.cast(x, 'int32');
    assert.equal(toFloat.dataId === x.dataId, dtype === 'float32', `${dtype}: a real cast copies`);
    assert.equal(toInt.dataId === x.dataId, dtype === 'int32', `${dtype}: a real cast copies`);
    assert.equal(toFloat.dtype, 'float32');
    const actual = [clone, same, toFloat, toInt].map((t) => Array.from(t.dataSync()));
    assert.deepEqual(actual, expected, `${dtype}: values equal cpu's`);
    tf.dispose([x, clone, same, toFloat, toInt]);
  }
});

test('string tensors still clone through tfjs own kernel', async () => {
  await use('wasm');
  const s = tf.tensor(['a', 'bc'], [2], 'string');
  const c = tf.clone(s);
  s.dispose();
  assert.deepEqual(await c.array(), ['a', 'bc']);
  c.dispose();
});

test('disposing the original keeps the copy readable, and vice versa; both gone frees the data', async () => {
  await use('wasm');
  const backend = wasm();
  const values = new Rng(2).normals(256 * 128);
  const m0 = tf.memory();
  const ids0 = backend.numDataIds();
  for (const first of ['original', 'copy'] as const) {
    const x = tf.tensor2d(values, [256, 128]);
    const copies = [tf.clone(x), tf.cast(x, 'float32'), tf.tidy(() => tf.reshape(tf.clone(x), [128, 256]))];
    assert.equal(backend.numDataIds(), ids0 + 1, 'one buffer for all of them');
    if (first === 'original') {
      x.dispose();
      for (const c of copies) assertClose(c.dataSync(), values, 'copy after the original is disposed', 0);
      // Kernels read the shared data too.
      const y = tf.tidy(() => tf.add(copies[0]!, 0));
      assertClose(y.dataSync(), values, 'a kernel reading a copy', 0);
      tf.dispose([y, ...copies]);
    } else {
      tf.dispose(copies);
      assertClose(x.dataSync(), values, 'original after its copies are disposed', 0);
      const y = tf.tidy(() => tf.mul(x, 1));
      assertClose(y.dataSync(), values, 'a kernel reading the original', 0);
      tf.dispose([x, y]);
    }
    const m1 = tf.memory();
    assert.equal(m1.numTensors, m0.numTensors, `${first} first: numTensors`);
    assert.equal(m1.numBytes, m0.numBytes, `${first} first: numBytes`);
    assert.equal(backend.numDataIds(), ids0, `${first} first: the buffer is freed`);
  }
});

test('a variable assigned after an identity of it leaves the identity with the old values', async () => {
  await use('wasm');
  const before = new Rng(3).normals(64 * 16);
  const later = new Rng(4).normals(64 * 16);
  const v = tf.variable(tf.tensor2d(before, [64, 16]));
  const c = tf.clone(v);
  const cast = tf.cast(v, 'float32');
  assert.equal(c.dataId, v.dataId);
  const update = tf.tensor2d(later, [64, 16]);
  v.assign(update);
  assertClose(c.dataSync(), before, 'clone keeps the old value', 0);
  assertClose(cast.dataSync(), before, 'same-dtype cast keeps the old value', 0);
  assertClose(v.dataSync(), later, 'the variable has the new value', 0);
  // The tape's saved copies (the engine clones what a kernel keeps for backprop) behave the same:
  // a gradient taken after assigning uses the value at the time of the forward pass.
  const x = tf.tensor2d(new Rng(5).normals(8 * 64), [8, 64]);
  const w = tf.variable(tf.tensor2d(before, [64, 16]));
  const { value, grads } = tf.variableGrads(() => {
    const y = tf.sum(tf.square(tf.matMul(x, w)));
    return y as tf.Scalar;
  }, [w]);
  w.assign(update);
  const g = grads[w.name]!.dataSync();
  tf.dispose([value, ...Object.values(grads)]);
  await use('cpu');
  const xc = tf.tensor2d(new Rng(5).normals(8 * 64), [8, 64]);
  const wc = tf.tensor2d(before, [64, 16]);
  const gc = tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.matMul(xc, t))))(wc).dataSync();
  assertClose(g, gc, 'gradient from the values before the assign');
  tf.dispose([xc, wc]);
  await use('wasm');
  tf.dispose([v, c, cast, update, x, w]);
});

test('no kernel of a training step writes into its inputs: a shared copy survives them all', async () => {
  await use('wasm');
  const rng = new Rng(6);
  const values = rng.normals(64 * 64);
  const x = tf.tensor2d(values, [64, 64]);
  const c = tf.clone(x);
  const outs = tf.tidy(() => {
    const w = tf.clone(c);
    const idx = tf.tensor2d([0, 3, 5], [3, 1], 'int32');
    return [
      tf.tensorScatterUpdate(c, idx, tf.zeros([3, 64])),
      tf.where(tf.greater(c, 0), c, tf.neg(c)),
      tf.gather(c, tf.tensor1d([1, 2, 1], 'int32')),
      tf.matMul(c, w, false, true),
      tf.matMul(c, w, true, false),
      tf.fused.matMul({ a: c, b: w, bias: tf.ones([64]), activation: 'relu', transposeB: true }),
      tf.add(c, w),
      tf.sub(c, w),
      tf.mul(c, w),
      tf.div(c, tf.add(tf.abs(w), 1)),
      tf.sigmoid(c),
      tf.relu(c),
      tf.square(c),
      tf.exp(tf.clipByValue(c, -5, 5)),
      tf.sum(c, 0),
      tf.mean(c, 1),
      tf.transpose(c),
      tf.concat([c, w]),
      tf.slice(c, [1, 1], [10, 10]),
      tf.maximum(c, w),
      ...tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.sigmoid(tf.matMul(a, b, false, true)), a)))([c, w]),
    ];
  });
  outs.forEach((t) => t.dataSync());
  assertClose(x.dataSync(), values, 'the original after every kernel', 0);
  assertClose(c.dataSync(), values, 'the shared copy after every kernel', 0);
  tf.dispose([x, c, ...outs]);
});

test('gradients of an MLP energy (w.r.t. x and the weights) equal the cpu backend', async () => {
  const xs = new Rng(7).normals(BATCH * 2, 0, 2);
  const run = async (backend: 'cpu' | 'wasm') => {
    await use(backend);
    const model = mlp(11);
    const x = tf.tensor2d(xs, [BATCH, 2]);
    const dx = tf.grad((t: tf.Tensor) => tf.sum(model.energy(t as tf.Tensor2D)))(x);
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(model.energy(x))) as tf.Scalar, model.vars);
    const out = [dx.dataSync(), value.dataSync(), ...model.vars.map((v) => grads[v.name]!.dataSync())];
    tf.dispose([x, dx, value, ...Object.values(grads), ...model.vars]);
    return out;
  };
  const expected = await run('cpu');
  const actual = await run('wasm');
  assert.equal(actual.length, 2 + 2 * (DIMS.length - 1));
  actual.forEach((a, i) => assertClose(a, expected[i]!, `gradient ${i}`));
});

test('training steps match the cpu backend, and are bit-identical with the identity fix on or off', async () => {
  const trajectory = async (backend: 'cpu' | 'wasm') => {
    await use(backend);
    const model = mlp(12);
    const optimizer = tf.train.adam(1e-2);
    const rng = new Rng(13);
    const losses = Array.from({ length: 6 }, () => trainStep(model, optimizer, rng));
    const weights = model.vars.map((v) => v.dataSync().slice());
    tf.dispose(model.vars);
    optimizer.dispose();
    return { losses, weights };
  };
  const cpu = await trajectory('cpu');
  const fixed = await trajectory('wasm');
  assertClose(fixed.losses, cpu.losses, 'losses', 1e-3);
  fixed.weights.forEach((w, i) => assertClose(w, cpu.weights[i]!, `weights ${i}`, 1e-3));
  uninstallWasmKernelFixes(['identity']);
  try {
    const copying = await trajectory('wasm');
    assert.deepEqual(copying.losses, fixed.losses, 'same losses, bit for bit');
    copying.weights.forEach((w, i) => assert.deepEqual(w, fixed.weights[i], `weights ${i}, bit for bit`));
  } finally {
    installWasmKernelFixes();
  }
});

test('no tensor, buffer or wasm heap growth over repeated training steps', async () => {
  await use('wasm');
  const backend = wasm();
  const model = mlp(14);
  const optimizer = tf.train.adam(1e-3);
  const rng = new Rng(15);
  for (let i = 0; i < 5; i++) trainStep(model, optimizer, rng);
  const m0 = tf.memory();
  const ids0 = backend.numDataIds();
  const heap0 = backend.wasm.HEAPU8.length;
  for (let i = 0; i < 40; i++) trainStep(model, optimizer, rng);
  const m1 = tf.memory();
  assert.equal(m1.numTensors, m0.numTensors, 'numTensors');
  assert.equal(m1.numBytes, m0.numBytes, 'numBytes');
  assert.equal(backend.numDataIds(), ids0, 'backend buffers');
  assert.equal(backend.wasm.HEAPU8.length, heap0, 'wasm heap size');
  tf.dispose(model.vars);
  optimizer.dispose();
});

test('transposed weights are transposed once while they live, and never go stale', async () => {
  await use('wasm');
  clearWasmTransposeCache();
  const rng = new Rng(16);
  const xv = rng.normals(32 * 24);
  const wv = [rng.normals(16 * 24), rng.normals(16 * 24)];
  const expected = async (w: Float32Array) => {
    await use('cpu');
    const y = tf.tidy(() => tf.matMul(tf.tensor2d(xv, [32, 24]), tf.tensor2d(w, [16, 24]), false, true));
    const out = y.dataSync();
    y.dispose();
    await use('wasm');
    return out;
  };
  const want0 = await expected(wv[0]!);
  const want1 = await expected(wv[1]!);
  const x = tf.tensor2d(xv, [32, 24]);
  const w = tf.tidy(() => tf.variable(tf.tensor2d(wv[0]!, [16, 24])));
  const [first, transposes] = await countTransposes(() => {
    // Clones, as the tape saves the weights: they share the variable's data.
    return Array.from({ length: 5 }, () => tf.tidy(() => tf.matMul(x, tf.clone(w), false, true)).dataSync());
  });
  assert.equal(transposes, 1, 'one transpose for five products by the same (shared) weights');
  for (const y of first) assert.deepEqual(y, first[0], 'cached and fresh copies give the same bits');
  assertClose(first[0]!, want0, 'x·Wᵀ');
  assert.equal(wasmTransposeCacheSize().entries, 1);
  // A new value is a new dataId: the next product transposes it, and the old copy is dropped once
  // the old value is gone.
  const next = tf.tensor2d(wv[1]!, [16, 24]);
  w.assign(next);
  const [second, again] = await countTransposes(() => tf.tidy(() => tf.matMul(x, w, false, true)).dataSync());
  assert.equal(again, 1);
  assertClose(second, want1, 'x·Wᵀ after assign');
  assert.equal(wasmTransposeCacheSize().entries, 1, 'the old value’s copy is freed');
  // The same data viewed in another shape is another operand.
  const r = tf.reshape(w, [24, 16]);
  const viaReshape = tf.tidy(() => tf.matMul(tf.ones([8, 16]), r, false, true));
  assert.deepEqual(viaReshape.shape, [8, 24]);
  const plain = tf.tidy(() => tf.matMul(tf.ones([8, 16]), tf.transpose(r)));
  assertClose(viaReshape.dataSync(), plain.dataSync(), 'x·(reshaped W)ᵀ');
  plain.dispose();
  assert.equal(wasmTransposeCacheSize().entries, 2);
  tf.dispose([x, w, next, r, viaReshape]);
  clearWasmTransposeCache();
  assert.equal(wasmTransposeCacheSize().entries, 0);
});

test('the transpose cache stays within its byte budget, least recently used out first', async () => {
  await use('wasm');
  const backend = wasm();
  clearWasmTransposeCache();
  const ids0 = backend.numDataIds();
  const per = 128 * 128 * 4;
  const capacity = Math.floor(TRANSPOSE_CACHE_BYTES / per);
  const rng = new Rng(17);
  const x = tf.tensor2d(rng.normals(8 * 128), [8, 128]);
  const ws = Array.from({ length: capacity + 20 }, () => tf.tensor2d(rng.normals(128 * 128), [128, 128]));
  for (const w of ws) tf.matMul(x, w, false, true).dispose();
  assert.deepEqual(wasmTransposeCacheSize(), { entries: capacity, bytes: capacity * per });
  // The most recent are kept: the last weights hit, the first miss.
  const [, hits] = await countTransposes(() => tf.matMul(x, ws.at(-1)!, false, true).dispose());
  assert.equal(hits, 0);
  const [, misses] = await countTransposes(() => tf.matMul(x, ws[0]!, false, true).dispose());
  assert.equal(misses, 1);
  tf.dispose(ws);
  tf.matMul(x, x, false, true).dispose();
  assert.equal(wasmTransposeCacheSize().entries, 1, 'copies of freed weights are freed at the next product');
  tf.dispose(x);
  clearWasmTransposeCache();
  assert.equal(backend.numDataIds(), ids0, 'no buffer left behind');
});

test('installing twice is harmless', async () => {
  const first = KERNELS.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc);
  assert.deepEqual(installWasmKernelFixes(), KERNELS);
  assert.deepEqual(
    KERNELS.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc),
    first,
  );
  await use('wasm');
  const x = tf.tensor1d([1, 2, 3]);
  const c = tf.clone(x);
  assert.equal(wasm().refCount(x.dataId), 2, 'one reference per tensor, not two per clone');
  tf.dispose([x, c]);
});

test('uninstalling restores tfjs own kernels, and reinstalling works', async () => {
  await use('wasm');
  const w = tf.tensor2d(new Rng(18).normals(16 * 16), [16, 16]);
  tf.matMul(w, w, false, true).dispose();
  assert.equal(wasmTransposeCacheSize().entries, 1);
  uninstallWasmKernelFixes();
  uninstallWasmKernelFixes();
  assert.equal(wasmTransposeCacheSize().entries, 0, 'the cached copies are freed');
  for (const name of KERNELS) {
    assert.equal(isWasmKernelPatched(name), false, name);
    assert.equal(tf.getKernel(name, 'wasm')?.kernelFunc, originals.get(name), `${name}: tfjs's own kernel`);
  }
  assert.deepEqual(installedWasmKernelFixes(), []);
  const x = tf.tensor1d([1, 2, 3]);
  const c = tf.clone(x);
  assert.notEqual(c.dataId, x.dataId, 'tfjs’s Identity copies');
  tf.dispose([x, c, w]);
  assert.deepEqual(installWasmKernelFixes(), KERNELS);
  const y = tf.tensor1d([1, 2, 3]);
  const d = tf.clone(y);
  assert.equal(d.dataId, y.dataId, 'shared again');
  tf.dispose([y, d]);
});
