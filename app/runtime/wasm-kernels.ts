// Our fixes to tfjs 4.22's wasm backend, each a wrapper re-registered over one of its kernels, all
// installed and removed together by installWasmKernelFixes() / uninstallWasmKernelFixes().
//
// matMul    BatchMatMul and _FusedMatMul hand a product to XNNPACK only when neither operand is
//           transposed and both have batch size 1; every other call falls to a naive triple loop
//           in C++ that is about 10x slower (256x128 · (128x128)ᵀ: 5 ms against 0.5 ms). Backward
//           passes are full of transposed products (dx = dy·Wᵀ, dW = xᵀ·dy). The wrapper
//           materialises a transposed operand with the wasm Transpose kernel (a cheap copy), calls
//           the original kernel untransposed, and frees the copy. Batched products (batch > 1) take
//           the slow path either way, so they are passed through. So are thin products (the other
//           operand's outer dimension below MIN_OTHER_DIM): there the naive loop is cheaper than
//           the copy plus XNNPACK's weight packing (measured crossover: 4 to 8). A transposed
//           right-hand operand is the weights of a layer (dx = dy·Wᵀ), multiplied by over and over
//           with the same W through a backward pass and across sampler steps, so its transposed
//           copy is cached while W's data lives (see cachedTranspose): made once, and packed once
//           by XNNPACK, which caches packed weights by tensor id.
//
// identity  tfjs's engine clones (the Identity kernel) every tensor a kernel saves for the backward
//           pass, and casts to float32 (the Cast kernel) tensors that already are; a training step
//           of the reference workload runs ~590 Identity and ~135 Cast kernels. The wasm kernels
//           malloc and memcpy each one (27.5 µs for 256x128); tfjs-backend-cpu's Identity merely
//           shares the input's data (backend.incRef). The wrapper does the same for Identity, and
//           for Cast when the dtype does not change. Safe because the wasm backend's data storage
//           is reference counted (BackendWasm.disposeData frees the heap memory only when a
//           dataId's refCount reaches 0; its own Reshape kernel shares data the same way), and no
//           wasm kernel writes into its inputs' memory: every kernel writes a fresh output, and
//           Variable.assign swaps the variable's dataId rather than writing into it. Both are
//           checked by test/unit/runtime/wasm-kernels.test.ts.
//
// Core code (no node:*): it only touches tfjs-core's kernel registry.
import * as tf from '@tensorflow/tfjs-core';
import type { DataType, KernelBackend, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';

const BACKEND = 'wasm';

/** The fixes, by name, and the kernels each one wraps. */
const FIX_KERNELS = {
  matMul: ['BatchMatMul', '_FusedMatMul'],
  identity: ['Identity', 'Cast'],
} as const;

export type WasmKernelFix = keyof typeof FIX_KERNELS;
export type PatchedKernel = (typeof FIX_KERNELS)[WasmKernelFix][number];
export const WASM_KERNEL_FIXES = Object.keys(FIX_KERNELS) as WasmKernelFix[];

/** Marks a wrapper and keeps the kernel it replaced; Symbol.for so that two copies of this module agree. */
const ORIGINAL = Symbol.for('ebm-studio.wasm-kernel-fix.original');

type Wrapper = KernelFunc & { [ORIGINAL]?: KernelConfig };

// ---------------------------------------------------------------------------------------------
// matMul: materialise transposed operands so that the product goes to XNNPACK.

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

/**
 * Transposed copies of right-hand operands, kept while their source data lives. The tape's saved
 * copy of W shares W's data (the identity fix), so every dy·Wᵀ of a backward pass, and of every
 * sampler step until the optimizer assigns W a new value, finds the copy made by the first.
 * Sound for the same reason as the identity fix: the data behind a dataId never changes (a new
 * value is a new dataId), and a dataId object is never reused once freed. Per backend instance;
 * bounded in bytes (least recently used out first); an entry whose source has been freed is freed
 * at the next transposed product, or by clearWasmTransposeCache / uninstalling the fix.
 */
interface CachedTranspose {
  source: object;
  shape: string;
  bytes: number;
  copy: TensorInfo;
}

/** The most bytes of transposed copies kept per backend (16 MB: 256 matrices of 128x128). */
export const TRANSPOSE_CACHE_BYTES = 16 << 20;

const transposeCaches = new WeakMap<KernelBackend, CachedTranspose[]>();

function freeEntry(backend: KernelBackend, e: CachedTranspose): void {
  backend.disposeData(e.copy.dataId);
}

/** Frees the cached copies whose source is gone, and returns the cache. */
function sweep(backend: KernelBackend): CachedTranspose[] {
  let cache = transposeCaches.get(backend);
  if (cache === undefined) {
    cache = [];
    transposeCaches.set(backend, cache);
  }
  for (let i = cache.length - 1; i >= 0; i--) {
    const e = cache[i]!;
    if (backend.refCount(e.source) < 1) {
      freeEntry(backend, e);
      cache.splice(i, 1);
    }
  }
  return cache;
}

/** Frees every cached transposed copy (on uninstall, and for tests). */
export function clearWasmTransposeCache(): void {
  const backend = wasmBackendIfInitialised();
  const cache = backend && transposeCaches.get(backend);
  if (!backend || !cache) return;
  for (const e of cache) freeEntry(backend, e);
  cache.length = 0;
}

/** How many transposed copies are cached, and their bytes (for tests). */
export function wasmTransposeCacheSize(): { entries: number; bytes: number } {
  const backend = wasmBackendIfInitialised();
  const cache = (backend && transposeCaches.get(backend)) ?? [];
  return { entries: cache.length, bytes: cache.reduce((n, e) => n + e.bytes, 0) };
}

/** The wasm backend if it has been initialised (not tf.findBackend, which would initialise it). */
function wasmBackendIfInitialised(): KernelBackend | undefined {
  return tf.engine().registry[BACKEND];
}

/** x transposed in its last two dimensions, from the cache or made and cached. */
function cachedTranspose(backend: KernelBackend, x: TensorInfo, transposeKernel: KernelConfig): TensorInfo | undefined {
  const cache = sweep(backend);
  const shape = x.shape.join(',');
  const hit = cache.findIndex((e) => e.source === x.dataId && e.shape === shape);
  if (hit >= 0) {
    // Most recently used last.
    const [e] = cache.splice(hit, 1);
    cache.push(e!);
    return e!.copy;
  }
  const bytes = product(x.shape) * 4;
  if (bytes > TRANSPOSE_CACHE_BYTES || backend.refCount(x.dataId) < 1) return undefined;
  let total = cache.reduce((n, e) => n + e.bytes, 0) + bytes;
  while (total > TRANSPOSE_CACHE_BYTES && cache.length > 0) {
    const oldest = cache.shift()!;
    freeEntry(backend, oldest);
    total -= oldest.bytes;
  }
  const copy = transposeLastTwo(transposeKernel, backend, x);
  cache.push({ source: x.dataId, shape, bytes, copy });
  return copy;
}

/** The wasm Transpose kernel applied to x's last two dimensions: a new tensor info to be freed. */
function transposeLastTwo(transposeKernel: KernelConfig, backend: KernelBackend, x: TensorInfo): TensorInfo {
  return transposeKernel.kernelFunc({ inputs: { x }, backend, attrs: { perm: swapLastTwo(x.shape.length) } }) as TensorInfo;
}

function wrapMatMul(run: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, attrs } = args;
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
    const backend = args.backend as KernelBackend;
    // a: activations, new on every call, so a temporary copy; b: weights, so a cached one.
    const a2 = transposeA ? transposeLastTwo(transposeKernel, backend, a) : a;
    let b2 = b;
    let bTemporary = false;
    try {
      if (transposeB) {
        const cached = cachedTranspose(backend, b, transposeKernel);
        b2 = cached ?? transposeLastTwo(transposeKernel, backend, b);
        bTemporary = cached === undefined;
      }
      const attrs2: NamedAttrMap = { ...attrs, transposeA: false, transposeB: false };
      return run({ inputs: { ...inputs, a: a2, b: b2 }, backend, attrs: attrs2 });
    } finally {
      if (transposeA) backend.disposeData(a2.dataId);
      if (bTemporary) backend.disposeData(b2.dataId);
    }
  };
}

// ---------------------------------------------------------------------------------------------
// identity: Identity, and Cast to the same dtype, share the input's data instead of copying it.

/** The dtypes the wasm backend keeps on its heap (string tensors live in JS; complex64 it lacks). */
const HEAP_DTYPES: ReadonlySet<DataType> = new Set<DataType>(['float32', 'int32', 'bool']);

/**
 * A tensor info sharing `x`'s data, its dataId's reference count raised by one; or undefined when
 * the data is not a refcounted entry of this backend (then the original kernel copies).
 */
function share(backend: KernelBackend, x: TensorInfo, dtype: DataType): TensorInfo | undefined {
  if (!HEAP_DTYPES.has(x.dtype) || dtype !== x.dtype) return undefined;
  // 0: not (or no longer) in this backend's storage, e.g. data still held by another backend.
  if (backend.refCount(x.dataId) < 1) return undefined;
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype };
}

function wrapIdentity(run: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs['x'];
    return (x && share(args.backend as KernelBackend, x, x.dtype)) ?? run(args);
  };
}

function wrapCast(run: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs['x'];
    const dtype = args.attrs?.['dtype'] as DataType | undefined;
    return (x && dtype && share(args.backend as KernelBackend, x, dtype)) ?? run(args);
  };
}

// ---------------------------------------------------------------------------------------------
// The registry plumbing, shared by every fix.

const WRAPPERS: Record<PatchedKernel, (run: KernelFunc) => KernelFunc> = {
  BatchMatMul: wrapMatMul,
  _FusedMatMul: wrapMatMul,
  Identity: wrapIdentity,
  Cast: wrapCast,
};

function registered(name: PatchedKernel): KernelConfig | undefined {
  return tf.getKernel(name, BACKEND);
}

function isWrapped(config: KernelConfig): boolean {
  return ORIGINAL in config.kernelFunc;
}

function install(fix: WasmKernelFix): PatchedKernel[] {
  const patched: PatchedKernel[] = [];
  for (const name of FIX_KERNELS[fix]) {
    const config = registered(name);
    if (config === undefined) continue;
    if (!isWrapped(config)) {
      const wrapper: Wrapper = WRAPPERS[name](config.kernelFunc);
      wrapper[ORIGINAL] = config;
      tf.unregisterKernel(name, BACKEND);
      // setupFunc (already run when the backend was initialised) and disposeFunc are kept.
      tf.registerKernel({ ...config, kernelFunc: wrapper });
    }
    patched.push(name);
  }
  return patched;
}

function uninstall(fix: WasmKernelFix): void {
  if (fix === 'matMul') clearWasmTransposeCache();
  for (const name of FIX_KERNELS[fix]) {
    const config = registered(name);
    const original = config ? (config.kernelFunc as Wrapper)[ORIGINAL] : undefined;
    if (original === undefined) continue;
    tf.unregisterKernel(name, BACKEND);
    tf.registerKernel(original);
  }
}

/**
 * Re-registers the wasm kernels of every fix (or of those named) with their wrappers. Idempotent.
 * Returns the kernels now patched (empty when the wasm backend's kernels are not registered, e.g.
 * its package was never imported).
 */
export function installWasmKernelFixes(fixes: readonly WasmKernelFix[] = WASM_KERNEL_FIXES): PatchedKernel[] {
  return fixes.flatMap(install);
}

/** Puts the original kernels back (for measurements and tests). Idempotent. */
export function uninstallWasmKernelFixes(fixes: readonly WasmKernelFix[] = WASM_KERNEL_FIXES): void {
  fixes.forEach(uninstall);
}

/** Whether a wrapper is the registered wasm kernel for `name`. */
export function isWasmKernelPatched(name: PatchedKernel): boolean {
  const config = registered(name);
  return config !== undefined && isWrapped(config);
}

/** The fixes whose kernels are all wrapped. */
export function installedWasmKernelFixes(): WasmKernelFix[] {
  return WASM_KERNEL_FIXES.filter((fix) => FIX_KERNELS[fix].every(isWasmKernelPatched));
}

// The matMul fix alone, as test/unit/runtime/wasm-matmul.test.ts exercises it.

/** installWasmKernelFixes(['matMul']). */
export function installWasmMatMulFix(): PatchedKernel[] {
  return install('matMul');
}

/** uninstallWasmKernelFixes(['matMul']). */
export function uninstallWasmMatMulFix(): void {
  uninstall('matMul');
}

/** Whether the matMul wrapper is the registered wasm kernel for `name`. */
export function isWasmMatMulFixInstalled(name: 'BatchMatMul' | '_FusedMatMul' = 'BatchMatMul'): boolean {
  return isWasmKernelPatched(name);
}
