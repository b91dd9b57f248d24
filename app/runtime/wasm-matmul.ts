// A fix for a slow path in tfjs 4.22's wasm backend: its BatchMatMul and _FusedMatMul kernels hand
// a product to XNNPACK only when neither operand is transposed and both have batch size 1; every
// other call falls to a naive triple loop in C++ that is about 10x slower (256x128 · (128x128)ᵀ:
// 5 ms against 0.5 ms). Backward passes are full of transposed products (dx = dy·Wᵀ, dW = xᵀ·dy).
//
// The fix re-registers both wasm kernels with a wrapper that materialises a transposed operand with
// the wasm Transpose kernel (a cheap copy), calls the original kernel untransposed, and frees the
// copy. Batched products (batch > 1) take the slow path either way, so they are passed through.
// So are thin products (the other operand's outer dimension below MIN_OTHER_DIM): there the naive
// loop is cheaper than the copy plus XNNPACK's weight packing (measured crossover: 4 to 8).
//
// Core code (no node:*): it only touches tfjs-core's kernel registry.
import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';

const BACKEND = 'wasm';
const KERNELS = ['BatchMatMul', '_FusedMatMul'] as const;
type PatchedKernel = (typeof KERNELS)[number];

/** Marks a wrapper and keeps the kernel it replaced; Symbol.for so that two copies of this module agree. */
const ORIGINAL = Symbol.for('ebm-studio.wasm-matmul-fix.original');

type Wrapper = KernelFunc & { [ORIGINAL]?: KernelConfig };

function product(dims: readonly number[]): number {
  let p = 1;
  for (const d of dims) p *= d;
  return p;
}

/**
 * Below this many rows of the result (columns, for a transposed b), materialising a transposed
 * operand costs more than it saves. Measured on 4.22 (ms, naive loop vs copy + XNNPACK):
 * (256x128)ᵀ·256xN at N=1: 0.056 vs 0.17, N=4: 0.18 vs 0.19, N=8: 0.32 vs 0.18, N=16: 0.65 vs 0.20.
 */
export const MIN_OTHER_DIM = 8;

/**
 * Whether materialising the transposed operands sends the product to XNNPACK, and pays:
 * float32, no batch beyond 1, and the result not too thin.
 */
function worthMaterialising(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): boolean {
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || ra < 2 || rb < 2) return false;
  if (product(a.shape.slice(0, -2)) !== 1 || product(b.shape.slice(0, -2)) !== 1) return false;
  const rows = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const cols = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  return (!transposeA || cols >= MIN_OTHER_DIM) && (!transposeB || rows >= MIN_OTHER_DIM);
}

function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

function wrap(original: KernelConfig): Wrapper {
  const run = original.kernelFunc;
  const wrapper: Wrapper = (args) => {
    const { inputs, backend, attrs } = args;
    const a = inputs['a'];
    const b = inputs['b'];
    const transposeA = Boolean(attrs?.['transposeA']);
    const transposeB = Boolean(attrs?.['transposeB']);
    if (
      (!transposeA && !transposeB) ||
      a === undefined ||
      b === undefined ||
      !worthMaterialising(a, b, transposeA, transposeB)
    ) {
      return run(args);
    }
    // Looked up per call, not at install time: the wasm backend's kernels are set up lazily.
    const transposeKernel = tf.getKernel('Transpose', BACKEND);
    if (transposeKernel === undefined) return run(args);
    const kernelBackend = backend as KernelBackend;
    const temporaries: TensorInfo[] = [];
    const materialise = (x: TensorInfo): TensorInfo => {
      const t = transposeKernel.kernelFunc({
        inputs: { x },
        backend,
        attrs: { perm: swapLastTwo(x.shape.length) },
      }) as TensorInfo;
      temporaries.push(t);
      return t;
    };
    try {
      const a2 = transposeA ? materialise(a) : a;
      const b2 = transposeB ? materialise(b) : b;
      const attrs2: NamedAttrMap = { ...attrs, transposeA: false, transposeB: false };
      return run({ inputs: { ...inputs, a: a2, b: b2 }, backend, attrs: attrs2 });
    } finally {
      for (const t of temporaries) kernelBackend.disposeData(t.dataId);
    }
  };
  wrapper[ORIGINAL] = original;
  return wrapper;
}

function registered(name: PatchedKernel): KernelConfig | undefined {
  return tf.getKernel(name, BACKEND);
}

function isWrapped(config: KernelConfig): boolean {
  return ORIGINAL in config.kernelFunc;
}

/**
 * Re-registers the wasm BatchMatMul and _FusedMatMul kernels with the transpose-materialising
 * wrapper. Idempotent. Returns the kernels now patched (empty when the wasm backend's kernels are
 * not registered, e.g. its package was never imported).
 */
export function installWasmMatMulFix(): PatchedKernel[] {
  const patched: PatchedKernel[] = [];
  for (const name of KERNELS) {
    const config = registered(name);
    if (config === undefined) continue;
    if (!isWrapped(config)) {
      tf.unregisterKernel(name, BACKEND);
      tf.registerKernel({ ...config, kernelFunc: wrap(config) });
    }
    patched.push(name);
  }
  return patched;
}

/** Puts the original kernels back (for measurements and tests). Idempotent. */
export function uninstallWasmMatMulFix(): void {
  for (const name of KERNELS) {
    const config = registered(name);
    const original = config ? (config.kernelFunc as Wrapper)[ORIGINAL] : undefined;
    if (original === undefined) continue;
    tf.unregisterKernel(name, BACKEND);
    tf.registerKernel(original);
  }
}

/** Whether the wrapper is the registered wasm kernel for `name`. */
export function isWasmMatMulFixInstalled(name: PatchedKernel = 'BatchMatMul'): boolean {
  const config = registered(name);
  return config !== undefined && isWrapped(config);
}
