// Evaluation metrics for low-dimensional EBMs (methods.md §2): exact NLL in 2-D by normalising on a
// grid, and the MMD² between two samples. Pure tfjs: no node:*, runs on any backend. Reductions that
// decide the answer (logsumexp over the grid, means) are done in float64 on the CPU side, with the
// max subtracted, because some backends compute in float32 or even 16-bit textures (methods.md §6.4).
import * as tf from '@tensorflow/tfjs-core';

/** A box per dimension, [lo, hi]. */
export type Bounds = readonly (readonly [number, number])[];

/** At most this many points go through one energy call. */
export const MAX_POINTS_PER_CALL = 8192;

/**
 * The box around all the given row-major points (dim columns), widened on each side by `margin`
 * times its extent (a zero extent counts as 1).
 */
export function boundsOf(arrays: readonly ArrayLike<number>[], dim: number, margin = 0.05): [number, number][] {
  const lo = Array<number>(dim).fill(Infinity);
  const hi = Array<number>(dim).fill(-Infinity);
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      const j = i % dim;
      const v = a[i]!;
      if (v < lo[j]!) lo[j] = v;
      if (v > hi[j]!) hi[j] = v;
    }
  }
  return lo.map((l, j) => {
    const h = hi[j]!;
    if (!Number.isFinite(l) || !Number.isFinite(h)) throw new Error('boundsOf: no finite data');
    const pad = margin * (h > l ? h - l : 1);
    return [l - pad, h + pad];
  });
}

/** The box around a data tensor with a margin (5% of the extent on each side by default). */
export async function gridBoundsFor(data: tf.Tensor2D, margin = 0.05): Promise<[number, number][]> {
  return boundsOf([await data.data()], data.shape[1], margin);
}

/**
 * The grid of `gridSize`² cell centres over a 2-D box, row-major from (xlo, ylo), x fastest:
 * point k = iy·gridSize + ix is (xlo + (ix + ½)h_x, ylo + (iy + ½)h_y), h = (hi − lo)/gridSize.
 * Cell centres (the midpoint rule) rather than nodes on the edges: each value is the centre of a
 * heat-map pixel spanning the box exactly, and a density with edges on the cell lines (checkerboard
 * on [−4,4]²) is integrated exactly.
 */
export function gridPoints(bounds: Bounds, gridSize: number): Float32Array {
  const [[xlo, xhi], [ylo, yhi]] = check2d(bounds, gridSize);
  const hx = (xhi - xlo) / gridSize;
  const hy = (yhi - ylo) / gridSize;
  const out = new Float32Array(2 * gridSize * gridSize);
  for (let iy = 0; iy < gridSize; iy++) {
    for (let ix = 0; ix < gridSize; ix++) {
      const k = iy * gridSize + ix;
      out[2 * k] = xlo + (ix + 0.5) * hx;
      out[2 * k + 1] = ylo + (iy + 0.5) * hy;
    }
  }
  return out;
}

export interface GridNll {
  /** Test NLL in nats per point: mean E(test) + log Z. */
  nll: number;
  /** log Z ≈ logsumexp over the grid of −E + log(h_x h_y). */
  logZ: number;
  /** E on the grid, gridSize², row-major from (xlo, ylo), x fastest (see gridPoints). */
  grid: Float32Array;
}

/**
 * Exact NLL of a 2-D energy model by grid normalisation (methods.md §2.1): log Z ≈ logsumexp_g(−E(x_g))
 * + log(h_x h_y) on the cell centres of a gridSize × gridSize grid over `bounds`, and
 * NLL = mean E(test) + log Z. The model is normalised on the box, so mass outside it is ignored:
 * choose a box that holds the test data and the model's mass. Size the grid to the narrowest feature
 * (h ≲ σ/2). Energies are evaluated in chunks of at most 8192 points; an energy of +∞ means zero
 * density. No tensors are left behind.
 */
export async function gridNll(
  energy: (x: tf.Tensor2D) => tf.Tensor1D,
  test: tf.Tensor2D,
  bounds: Bounds,
  gridSize: number,
): Promise<GridNll> {
  const [[xlo, xhi], [ylo, yhi]] = check2d(bounds, gridSize);
  if (test.shape[1] !== 2 || test.shape[0] === 0) throw new Error(`gridNll: test points must be n×2 with n ≥ 1, got ${test.shape.join('×')}`);
  const grid = await evaluateEnergy(energy, gridPoints(bounds, gridSize));

  if (grid.some(Number.isNaN)) throw new Error('gridNll: the energy is NaN on the grid');
  let max = -Infinity;
  for (const e of grid) if (-e > max) max = -e;
  let sum = 0;
  if (max > -Infinity) for (const e of grid) sum += Math.exp(-e - max);
  const logCell = Math.log(((xhi - xlo) / gridSize) * ((yhi - ylo) / gridSize));
  const logZ = max === -Infinity ? -Infinity : max + Math.log(sum) + logCell;

  const testEnergy = await evaluateEnergy(energy, await test.data());
  let total = 0;
  for (const e of testEnergy) total += e;
  const nll = total / testEnergy.length + logZ;
  return { nll, logZ, grid };
}

/** E at row-major 2-D points, in chunks of at most MAX_POINTS_PER_CALL. */
async function evaluateEnergy(energy: (x: tf.Tensor2D) => tf.Tensor1D, points: ArrayLike<number>): Promise<Float32Array> {
  const n = points.length / 2;
  const out = new Float32Array(n);
  const flat = points instanceof Float32Array ? points : Float32Array.from(points);
  for (let start = 0; start < n; start += MAX_POINTS_PER_CALL) {
    const m = Math.min(MAX_POINTS_PER_CALL, n - start);
    const e = tf.tidy(() => {
      const x = tf.tensor2d(flat.subarray(2 * start, 2 * (start + m)), [m, 2]);
      return energy(x);
    });
    try {
      if (e.size !== m) throw new Error(`energy returned ${e.size} values for ${m} points`);
      out.set(await e.data(), start);
    } finally {
      e.dispose();
    }
  }
  return out;
}

function check2d(bounds: Bounds, gridSize: number): readonly [readonly [number, number], readonly [number, number]] {
  if (bounds.length !== 2) throw new Error(`expected 2-D bounds, got ${bounds.length} dimensions`);
  if (!Number.isInteger(gridSize) || gridSize < 1) throw new Error(`gridSize must be a whole number ≥ 1, got ${gridSize}`);
  const [bx, by] = bounds as readonly [readonly [number, number], readonly [number, number]];
  for (const [lo, hi] of [bx, by]) {
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) throw new Error(`bad bounds [${lo}, ${hi}]`);
  }
  return [bx, by];
}

// ---------------------------------------------------------------------------------------------
// MMD²

/** At most this many pooled points enter the median heuristic (an evenly strided subsample). */
export const MEDIAN_HEURISTIC_POINTS = 1000;

/**
 * The median heuristic bandwidth h: the median Euclidean distance ‖z_i − z_j‖ over distinct pairs
 * (i < j) of the pooled sample z = x ∪ y (Gretton et al. 2012), for the kernel exp(−‖a−b‖²/(2h²)).
 * Above MEDIAN_HEURISTIC_POINTS pooled points, an evenly strided subsample is used (deterministic,
 * no randomness needed: the median of 5·10⁵ pairs is stable to well under a percent). Pairs at
 * distance 0 are left out when they would make the median 0; returns 0 only if all points coincide.
 */
export function medianBandwidth(x: tf.Tensor2D, y: tf.Tensor2D): number {
  const d = x.shape[1];
  const zx = x.dataSync();
  const zy = y.dataSync();
  const nx = x.shape[0];
  const total = nx + y.shape[0];
  const take = Math.min(total, MEDIAN_HEURISTIC_POINTS);
  const rows: Float64Array[] = [];
  for (let k = 0; k < take; k++) {
    const i = Math.floor((k * total) / take);
    const src = i < nx ? zx : zy;
    const r = i < nx ? i : i - nx;
    rows.push(Float64Array.from(src.subarray(r * d, (r + 1) * d)));
  }
  const d2 = new Float64Array((take * (take - 1)) / 2);
  let p = 0;
  for (let i = 0; i < take; i++) {
    const a = rows[i]!;
    for (let j = i + 1; j < take; j++) {
      const b = rows[j]!;
      let s = 0;
      for (let c = 0; c < d; c++) s += (a[c]! - b[c]!) ** 2;
      d2[p++] = s;
    }
  }
  d2.sort();
  // With many tied points the median can be 0: then take the median of the non-zero distances.
  let first = 0;
  while (first < d2.length && d2[first] === 0) first++;
  const nz = d2.subarray(first);
  if (nz.length === 0) return 0;
  const mid = nz.length >> 1;
  const med = nz.length % 2 ? nz[mid]! : (nz[mid - 1]! + nz[mid]!) / 2;
  return Math.sqrt(med);
}

/**
 * Σ k(a_i, b_j) over all pairs (or over i ≠ j when a and b are the same sample), in plain float64
 * loops on the CPU: measured on the tfjs cpu backend, the broadcast tensor form took 1.5 s per
 * million-pair block against about 10 ms here, and float64 keeps the small difference of three
 * large sums exact.
 */
function kernelSum(a: ArrayLike<number>, b: ArrayLike<number>, d: number, h: number, same: boolean): number {
  const na = a.length / d;
  const nb = b.length / d;
  const g = 1 / (2 * h * h);
  let total = 0;
  for (let i = 0; i < na; i++) {
    const ia = i * d;
    let row = 0;
    for (let j = same ? i + 1 : 0; j < nb; j++) {
      const jb = j * d;
      let s = 0;
      for (let c = 0; c < d; c++) {
        const diff = a[ia + c]! - b[jb + c]!;
        s += diff * diff;
      }
      row += Math.exp(-g * s);
    }
    total += row;
  }
  return same ? 2 * total : total;
}

/**
 * The unbiased U-statistic MMD² with the RBF kernel k(a, b) = exp(−‖a−b‖²/(2h²)) at a given h:
 * (1/(m(m−1))) Σ_{i≠j} k(x_i,x_j) + (1/(n(n−1))) Σ_{i≠j} k(y_i,y_j) − (2/(mn)) Σ k(x_i,y_j).
 * It can be slightly negative when the two distributions are equal.
 */
export function mmd2WithBandwidth(x: tf.Tensor2D, y: tf.Tensor2D, h: number): number {
  const m = x.shape[0];
  const n = y.shape[0];
  if (x.shape[1] !== y.shape[1]) throw new Error(`mmd2: dimensions differ (${x.shape[1]} vs ${y.shape[1]})`);
  if (m < 2 || n < 2) throw new Error('mmd2: each sample needs at least 2 points');
  if (!(h > 0)) throw new Error(`mmd2: bandwidth must be > 0, got ${h}`);
  const d = x.shape[1];
  const xs = x.dataSync();
  const ys = y.dataSync();
  const kxx = kernelSum(xs, xs, d, h, true) / (m * (m - 1));
  const kyy = kernelSum(ys, ys, d, h, true) / (n * (n - 1));
  const kxy = kernelSum(xs, ys, d, h, false) / (m * n);
  return kxx + kyy - 2 * kxy;
}

/**
 * MMD² between two samples (methods.md §2.7): the unbiased U-statistic with the RBF kernel
 * k(a, b) = exp(−‖a−b‖²/(2h²)) and h = the median pairwise distance of the pooled sample (the
 * median heuristic; see medianBandwidth). Returns 0 when all points coincide (both samples are
 * the same point mass).
 */
export function mmd2(x: tf.Tensor2D, y: tf.Tensor2D): number {
  const h = medianBandwidth(x, y);
  if (h === 0) return 0;
  return mmd2WithBandwidth(x, y, h);
}
