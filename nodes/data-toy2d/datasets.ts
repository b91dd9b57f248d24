// The standard 2-D toy densities of the EBM and flow literature, re-implemented from the recipes
// of FFJORD's and LSD's toy_data.py (rtqichen/ffjord lib/toy_data.py, wgrathwohl/LSD toy_data.py),
// the energy-discrepancy notebook (25gaussians) and the NCSN toy runner (gmm2); methods.md §4.1.
// sklearn's make_swiss_roll / make_circles / make_moons are written out as the maths they compute.
// Pure functions of a seeded Rng: the same seed gives the same bits on every backend.
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../app/runtime/rng.ts';
import type { KnownDensity } from '../define.ts';
import { gaussianMixtureDensity } from '../shared/dataset.ts';

export const TOY2D_DATASETS = [
  { name: 'swissroll', title: 'Swiss roll', doc: 'A noisy spiral sheet seen edge-on (sklearn make_swiss_roll, noise 1, / 5).' },
  { name: 'circles', title: 'Circles', doc: 'Two concentric rings of radii 3 and 1.5, half the points each (noise 0.24).' },
  { name: 'moons', title: 'Two moons', doc: 'Two interleaved half circles of radius 2 (noise 0.2).' },
  { name: '8gaussians', title: '8 Gaussians', doc: 'Eight equal Gaussians on a circle of radius 2.83, std 0.354.' },
  { name: 'pinwheel', title: 'Pinwheel', doc: 'Five curved arms of equal weight.' },
  { name: '2spirals', title: 'Two spirals', doc: 'Two interleaved spirals, point-mirrored through the origin.' },
  { name: 'checkerboard', title: 'Checkerboard', doc: 'Uniform on 8 squares of side 2 in [−4, 4]²: sharp edges, entropy log 32.' },
  { name: 'rings', title: 'Rings', doc: 'Four concentric rings of radii 3, 2.25, 1.5, 0.75, equal weights (noise 0.08).' },
  { name: '25gaussians', title: '25 Gaussians', doc: 'A 5×5 grid of equal Gaussians, spacing 1.414, std 0.141.' },
  { name: 'gmm2', title: 'Two-mode GMM (NCSN)', doc: '0.8·N((5,5), I) + 0.2·N((−5,−5), I): far-apart modes with unequal weights.' },
] as const;

export type Toy2dName = (typeof TOY2D_DATASETS)[number]['name'];
export const TOY2D_NAMES: readonly Toy2dName[] = TOY2D_DATASETS.map((d) => d.name);

/**
 * Differential entropy H(p) of each true density in nats per 2-D point (methods.md §4.3): the best
 * test NLL any model can reach, so NLL − H = KL(p‖p_θ) ≥ 0. Monte Carlo values over the exact
 * densities (s.e. 0.002–0.004) except checkerboard, which is exactly log 32.
 */
export const TOY2D_ENTROPY: Readonly<Record<Toy2dName, number>> = {
  swissroll: 2.67,
  circles: 3.269,
  moons: 2.396,
  '8gaussians': 2.834,
  pinwheel: 2.319,
  '2spirals': 2.645,
  checkerboard: Math.log(32),
  rings: 2.624,
  '25gaussians': 2.146,
  gmm2: 3.335,
};

export function isToy2dName(name: string): name is Toy2dName {
  return (TOY2D_NAMES as readonly string[]).includes(name);
}

/** n points of the named density, n×2 row-major. Always exactly n points. */
export function generateToy2d(name: Toy2dName, n: number, rng: Rng): Float32Array {
  if (!Number.isInteger(n) || n < 0) throw new Error(`generateToy2d: n must be a whole number ≥ 0, got ${n}`);
  const out = new Float32Array(2 * n);
  const set = (i: number, x: number, y: number): void => {
    out[2 * i] = x;
    out[2 * i + 1] = y;
  };
  switch (name) {
    case 'swissroll': {
      // make_swiss_roll(noise=1): t = 1.5π(1 + 2u), (t cos t, t sin t) + N(0, I) (columns 0 and 2), then / 5.
      for (let i = 0; i < n; i++) {
        const t = 1.5 * Math.PI * (1 + 2 * rng.next());
        set(i, (t * Math.cos(t) + rng.normal()) / 5, (t * Math.sin(t) + rng.normal()) / 5);
      }
      return out;
    }
    case 'circles': {
      // make_circles(factor=.5, noise=.08): n//2 on the unit circle, the rest on radius 0.5, angles
      // evenly spaced (endpoint excluded), shuffled, N(0, .08²) noise; then × 3.
      const nOut = Math.floor(n / 2);
      const order = rng.permutation(n);
      for (let i = 0; i < n; i++) {
        const j = order[i]!;
        const [r, k, m] = j < nOut ? [1, j, nOut] : [0.5, j - nOut, n - nOut];
        const a = (2 * Math.PI * k) / m;
        set(i, 3 * (r * Math.cos(a) + 0.08 * rng.normal()), 3 * (r * Math.sin(a) + 0.08 * rng.normal()));
      }
      return out;
    }
    case 'moons': {
      // make_moons(noise=.1): n//2 points (cos t, sin t) and the rest (1 − cos t, 1 − sin t − .5),
      // t = linspace(0, π) endpoints included, shuffled, N(0, .1²) noise; then × 2 + (−1, −0.2).
      const nOut = Math.floor(n / 2);
      const order = rng.permutation(n);
      const lin = (k: number, m: number): number => (m > 1 ? (Math.PI * k) / (m - 1) : 0);
      for (let i = 0; i < n; i++) {
        const j = order[i]!;
        let x: number, y: number;
        if (j < nOut) {
          const t = lin(j, nOut);
          x = Math.cos(t);
          y = Math.sin(t);
        } else {
          const t = lin(j - nOut, n - nOut);
          x = 1 - Math.cos(t);
          y = 1 - Math.sin(t) - 0.5;
        }
        set(i, 2 * (x + 0.1 * rng.normal()) - 1, 2 * (y + 0.1 * rng.normal()) - 0.2);
      }
      return out;
    }
    case '8gaussians': {
      // centre 4·{(±1,0), (0,±1), (±1/√2, ±1/√2)} + N(0, .5²I), all divided by 1.414.
      for (let i = 0; i < n; i++) {
        const px = 0.5 * rng.normal();
        const py = 0.5 * rng.normal();
        const c = EIGHT_CENTRES[rng.int(8)]!;
        set(i, (4 * c[0] + px) / 1.414, (4 * c[1] + py) / 1.414);
      }
      return out;
    }
    case 'pinwheel': {
      // f1 ~ N(1, .3²), f2 ~ N(0, .1²); class k; θ = 2πk/5 + 0.25·exp(f1); x = 2(f1 cos θ + f2 sin θ,
      // −f1 sin θ + f2 cos θ); permuted. Classes take turns (i mod 5) so that any n gives n points
      // with class counts that differ by at most one (toy_data.py makes 5·(n//5)).
      const order = rng.permutation(n);
      for (let i = 0; i < n; i++) {
        const k = order[i]! % 5;
        const f1 = 1 + 0.3 * rng.normal();
        const f2 = 0.1 * rng.normal();
        const th = (2 * Math.PI * k) / 5 + 0.25 * Math.exp(f1);
        const c = Math.cos(th);
        const s = Math.sin(th);
        set(i, 2 * (f1 * c + f2 * s), 2 * (-f1 * s + f2 * c));
      }
      return out;
    }
    case '2spirals': {
      // r = √U·3π, d = (−r cos r + .5U₁, r sin r + .5U₂); the points are d and −d (the same draws,
      // mirrored), / 3, + N(0, .1²). For odd n the mirrored half has one point fewer. The rows come
      // in a random order (toy_data.py stacks the halves), so any prefix holds both spirals.
      const h = Math.ceil(n / 2);
      const order = rng.permutation(n);
      const d = new Float64Array(2 * h);
      for (let i = 0; i < h; i++) {
        const r = Math.sqrt(rng.next()) * 3 * Math.PI;
        d[2 * i] = -Math.cos(r) * r + 0.5 * rng.next();
        d[2 * i + 1] = Math.sin(r) * r + 0.5 * rng.next();
      }
      for (let i = 0; i < n; i++) {
        const o = order[i]!;
        const sign = o < h ? 1 : -1;
        const j = o < h ? o : o - h;
        set(i, (sign * d[2 * j]!) / 3 + 0.1 * rng.normal(), (sign * d[2 * j + 1]!) / 3 + 0.1 * rng.normal());
      }
      return out;
    }
    case 'checkerboard': {
      // x1 = 4U − 2; x2 = U − 2·randint{0,1} + (⌊x1⌋ mod 2); × 2: uniform on 8 squares of side 2 in [−4, 4)².
      for (let i = 0; i < n; i++) {
        const x1 = 4 * rng.next() - 2;
        const x2 = rng.next() - 2 * rng.int(2) + (((Math.floor(x1) % 2) + 2) % 2);
        set(i, 2 * x1, 2 * x2);
      }
      return out;
    }
    case 'rings': {
      // 20·n points on 4 circles of radii (1, .75, .5, .25)·3, N//4 each and the remainder on the
      // smallest, evenly spaced angles (endpoint excluded), N(0, .08²) noise each, then n of them drawn
      // with replacement. Drawing the indices first and noising only the points drawn (once per
      // distinct point: a point drawn twice is the same point) gives exactly the same distribution
      // as noising all 20·n, in O(n). toy_data.py's shuffle before a with-replacement draw is a no-op
      // in distribution and is left out.
      const big = 20 * n;
      const q = Math.floor(big / 4);
      const sizes = [q, q, q, big - 3 * q];
      const radii = [3, 2.25, 1.5, 0.75];
      const noised = new Map<number, [number, number]>();
      for (let i = 0; i < n; i++) {
        const j = rng.int(big);
        let p = noised.get(j);
        if (!p) {
          const ring = Math.min(3, Math.floor(j / q));
          const k = j - ring * q;
          const a = (2 * Math.PI * k) / sizes[ring]!;
          const r = radii[ring]!;
          p = [r * Math.cos(a) + 0.08 * rng.normal(), r * Math.sin(a) + 0.08 * rng.normal()];
          noised.set(j, p);
        }
        set(i, p[0], p[1]);
      }
      return out;
    }
    case '25gaussians': {
      // centres (2i, 2j)/1.414 for i, j ∈ {−2..2}, std 0.2/1.414.
      for (let i = 0; i < n; i++) {
        const c = TWENTYFIVE_CENTRES[rng.int(25)]!;
        set(i, c[0] + TWENTYFIVE_STD * rng.normal(), c[1] + TWENTYFIVE_STD * rng.normal());
      }
      return out;
    }
    case 'gmm2': {
      // 0.8·N((5,5), I) + 0.2·N((−5,−5), I).
      for (let i = 0; i < n; i++) {
        const m = rng.next() < 0.8 ? 5 : -5;
        set(i, m + rng.normal(), m + rng.normal());
      }
      return out;
    }
  }
}

const R2 = 1 / Math.sqrt(2);
const EIGHT_CENTRES: readonly (readonly [number, number])[] = [
  [1, 0],
  [-1, 0],
  [0, 1],
  [0, -1],
  [R2, R2],
  [R2, -R2],
  [-R2, R2],
  [-R2, -R2],
];
const TWENTYFIVE_CENTRES: readonly (readonly [number, number])[] = [-2, -1, 0, 1, 2].flatMap((i) =>
  [-2, -1, 0, 1, 2].map((j) => [(2 * i) / 1.414, (2 * j) / 1.414] as const),
);
const TWENTYFIVE_STD = 0.2 / 1.414;

/** An isotropic Gaussian mixture: centres, one std for all components, weights summing to 1. */
export interface IsotropicMixture {
  centres: readonly (readonly [number, number])[];
  std: number;
  weights: readonly number[];
}

/** The exact mixtures behind the Gaussian-mixture datasets, for tests and known-answer checks. */
export const TOY2D_MIXTURES: Readonly<Partial<Record<Toy2dName, IsotropicMixture>>> = {
  '8gaussians': {
    centres: EIGHT_CENTRES.map(([x, y]) => [(4 * x) / 1.414, (4 * y) / 1.414] as const),
    std: 0.5 / 1.414,
    weights: Array<number>(8).fill(1 / 8),
  },
  '25gaussians': { centres: TWENTYFIVE_CENTRES, std: TWENTYFIVE_STD, weights: Array<number>(25).fill(1 / 25) },
  gmm2: {
    centres: [
      [5, 5],
      [-5, -5],
    ],
    std: 1,
    weights: [0.8, 0.2],
  },
};

/** The exact density (log p and score) of an isotropic 2-D Gaussian mixture. */
export function mixtureDensity(mix: IsotropicMixture): KnownDensity {
  return gaussianMixtureDensity({ means: mix.centres, std: mix.std, weights: mix.weights });
}

/** log p(x) of an isotropic 2-D Gaussian mixture, one value per row, by a stable logsumexp. */
export function mixtureLogDensity(mix: IsotropicMixture): (x: tf.Tensor2D) => tf.Tensor1D {
  return mixtureDensity(mix).logDensity;
}

/**
 * The true density of the named dataset where it is known in closed form with a score: the
 * Gaussian mixtures 8gaussians, 25gaussians and gmm2 (the checkerboard's log-density is known but
 * not differentiable at its edges, so it has no score; see trueLogDensity), else undefined.
 */
export function toy2dDensity(name: Toy2dName): KnownDensity | undefined {
  const mix = TOY2D_MIXTURES[name];
  return mix ? mixtureDensity(mix) : undefined;
}

/** log p(x) of the checkerboard: −log 32 on its 8 squares, −∞ elsewhere. */
function checkerboardLogDensity(x: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const cells = tf.floor(tf.div(x, 2)); // n×2, square indices in {−2..1}
    const [cx, cy] = tf.split(cells, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    const s = tf.add(cx, cy);
    const even = tf.equal(tf.sub(s, tf.mul(tf.floor(tf.div(s, 2)), 2)), 0);
    const inBox = tf.logicalAnd(tf.all(tf.greaterEqual(x, -4), 1, true), tf.all(tf.less(x, 4), 1, true));
    const inside = tf.reshape(tf.logicalAnd(even, inBox), [-1]);
    const n = x.shape[0];
    return tf.where(inside, tf.fill([n], -Math.log(32)), tf.fill([n], -Infinity)) as tf.Tensor1D;
  });
}

/**
 * The exact log-density of the named dataset where it is cheap and exact (the Gaussian mixtures
 * 8gaussians, 25gaussians, gmm2, and the uniform checkerboard), else undefined. The returned
 * function maps an n×2 tensor to n log-densities and leaks no tensors.
 */
export function trueLogDensity(name: Toy2dName): ((x: tf.Tensor2D) => tf.Tensor1D) | undefined {
  if (name === 'checkerboard') return checkerboardLogDensity;
  const mix = TOY2D_MIXTURES[name];
  return mix ? mixtureLogDensity(mix) : undefined;
}
