// noise.mixture: a Gaussian mixture fitted to the training data by EM, once, at build time on the
// CPU in float64. A contrast for NCE that is close to multimodal data.
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../app/runtime/rng.ts';
import type { NoiseDistribution } from '../define.ts';
import { defineNode } from '../define.ts';
import { choice, int, num } from '../params.ts';
import { checkCount, checkPoints, cholesky, invertLower, meanAndCovariance } from '../noise-gaussian/node.ts';

const LOG_2PI = Math.log(2 * Math.PI);

export interface MixtureFit {
  weights: number[];
  means: number[][];
  covariances: number[][][];
  /** Mean log-likelihood per point of the fitting set, after the last EM iteration. */
  logLikelihood: number;
}

export interface MixtureFitOptions {
  components: number;
  covariance: 'full' | 'diagonal';
  iterations: number;
  /** Added to every component's variances: varianceFloor × the data's mean variance. */
  varianceFloor: number;
  restarts: number;
}

/** A fitted Gaussian-mixture noise distribution, with its parameters for readouts. */
export interface MixtureNoise extends NoiseDistribution, MixtureFit {}

/** A component's precomputed Cholesky factor, its inverse and −Σ log L_ii − (d/2) log 2π. */
interface Factored {
  l: number[][];
  lInv: number[][];
  logNorm: number;
}

function factor(cov: number[][]): Factored {
  const l = cholesky(cov);
  return { l, lInv: invertLower(l), logNorm: -l.reduce((s, r, i) => s + Math.log(r[i]!), 0) - (cov.length / 2) * LOG_2PI };
}

/** log N(x; μ, LLᵀ) for point i of `x`. */
function logNormal(x: Float64Array, i: number, d: number, mean: number[], f: Factored, tmp: Float64Array): number {
  for (let c = 0; c < d; c++) tmp[c] = x[i * d + c]! - mean[c]!;
  let q = 0;
  for (let a = 0; a < d; a++) {
    const row = f.lInv[a]!;
    let s = 0;
    for (let b = 0; b <= a; b++) s += row[b]! * tmp[b]!;
    q += s * s;
  }
  return f.logNorm - 0.5 * q;
}

/** k-means++ seeding (Arthur & Vassilvitskii 2007): K distinct-ish points, each drawn with
 * probability proportional to its squared distance to the nearest centre chosen so far. */
function kMeansPlusPlus(x: Float64Array, n: number, d: number, k: number, rng: Rng): number[][] {
  const centres: number[][] = [];
  const dist = new Float64Array(n).fill(Infinity);
  let next = rng.int(n);
  for (let c = 0; c < k; c++) {
    const centre = Array.from(x.subarray(next * d, next * d + d));
    centres.push(centre);
    let total = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (x[i * d + j]! - centre[j]!) ** 2;
      if (s < dist[i]!) dist[i] = s;
      total += dist[i]!;
    }
    if (total === 0) {
      next = rng.int(n);
      continue;
    }
    let u = rng.next() * total;
    next = n - 1;
    for (let i = 0; i < n; i++) {
      u -= dist[i]!;
      if (u < 0) {
        next = i;
        break;
      }
    }
  }
  return centres;
}

/**
 * EM for a Gaussian mixture on n row-major d-D points (float64): k-means++ seeding, a first M-step
 * from the hard assignment to the nearest seed, then a fixed number of EM iterations. Every
 * covariance gets floor·I added (sklearn's reg_covar); a component left with no points restarts at
 * the data's mean and covariance. The best of `restarts` runs (by final log-likelihood) is kept.
 */
export function fitMixture(x: Float64Array, d: number, opts: MixtureFitOptions, rng: Rng): MixtureFit {
  const n = x.length / d;
  const k = opts.components;
  if (!Number.isInteger(n) || n < 1) throw new Error(`fitMixture: expected a whole number of ${d}-D points, got ${x.length} numbers`);
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`fitMixture: the number of components must be a whole number ≥ 1, got ${k}`);
  if (n < k) throw new Error(`fitMixture: ${k} components need at least ${k} points, got ${n}`);
  const global = meanAndCovariance(x, d);
  const meanVar = global.covariance.reduce((s, r, i) => s + r[i]!, 0) / d;
  const floor = opts.varianceFloor * (meanVar > 0 ? meanVar : 1);
  const resp = new Float64Array(n * k);
  const tmp = new Float64Array(d);
  const logP = new Float64Array(k);

  /** M-step from responsibilities `resp`. */
  const mStep = (): { weights: number[]; means: number[][]; covariances: number[][][] } => {
    const weights: number[] = [];
    const means: number[][] = [];
    const covariances: number[][][] = [];
    for (let c = 0; c < k; c++) {
      let nk = 0;
      const mean = Array<number>(d).fill(0);
      for (let i = 0; i < n; i++) {
        const r = resp[i * k + c]!;
        nk += r;
        for (let j = 0; j < d; j++) mean[j]! += r * x[i * d + j]!;
      }
      if (!(nk > 1e-10)) {
        weights.push(1e-10);
        means.push([...global.mean]);
        covariances.push(global.covariance.map((row, a) => row.map((v, b) => (a === b ? v + floor : v))));
        continue;
      }
      for (let j = 0; j < d; j++) mean[j]! /= nk;
      const cov = Array.from({ length: d }, () => Array<number>(d).fill(0));
      for (let i = 0; i < n; i++) {
        const r = resp[i * k + c]!;
        if (r === 0) continue;
        for (let j = 0; j < d; j++) tmp[j] = x[i * d + j]! - mean[j]!;
        for (let a = 0; a < d; a++) {
          if (opts.covariance === 'diagonal') cov[a]![a]! += r * tmp[a]! * tmp[a]!;
          else for (let b = 0; b <= a; b++) cov[a]![b]! += r * tmp[a]! * tmp[b]!;
        }
      }
      for (let a = 0; a < d; a++) {
        for (let b = 0; b <= a; b++) {
          const v = cov[a]![b]! / nk + (a === b ? floor : 0);
          cov[a]![b] = v;
          cov[b]![a] = v;
        }
      }
      weights.push(nk / n);
      means.push(mean);
      covariances.push(cov);
    }
    const total = weights.reduce((s, w) => s + w, 0);
    return { weights: weights.map((w) => w / total), means, covariances };
  };

  /** E-step: fills `resp`, returns the mean log-likelihood. */
  const eStep = (fit: { weights: number[]; means: number[][]; covariances: number[][][] }): number => {
    const factors = fit.covariances.map(factor);
    const logW = fit.weights.map(Math.log);
    let ll = 0;
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let c = 0; c < k; c++) {
        logP[c] = logW[c]! + logNormal(x, i, d, fit.means[c]!, factors[c]!, tmp);
        if (logP[c]! > max) max = logP[c]!;
      }
      let s = 0;
      for (let c = 0; c < k; c++) s += Math.exp(logP[c]! - max);
      const lse = max + Math.log(s);
      ll += lse;
      for (let c = 0; c < k; c++) resp[i * k + c] = Math.exp(logP[c]! - lse);
    }
    return ll / n;
  };

  let best: MixtureFit | null = null;
  for (let run = 0; run < opts.restarts; run++) {
    const centres = kMeansPlusPlus(x, n, d, k, rng);
    resp.fill(0);
    for (let i = 0; i < n; i++) {
      let arg = 0;
      let min = Infinity;
      for (let c = 0; c < k; c++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += (x[i * d + j]! - centres[c]![j]!) ** 2;
        if (s < min) [min, arg] = [s, c];
      }
      resp[i * k + arg] = 1;
    }
    let fit = mStep();
    for (let it = 0; it < opts.iterations; it++) {
      eStep(fit);
      fit = mStep();
    }
    const logLikelihood = eStep(fit);
    if (!best || logLikelihood > best.logLikelihood) best = { ...fit, logLikelihood };
  }
  return best!;
}

export const noiseMixtureNode = defineNode({
  type: 'noise.mixture',
  version: 1,
  category: 'noise',
  title: 'Gaussian-mixture noise',
  doc:
    'A mixture of K Gaussians fitted to the training set by expectation–maximisation once, at build time, on ' +
    'the CPU in float64 (k-means++ seeding from the node’s seed, a fixed number of EM iterations, the best of a ' +
    'few restarts; at most `fit points` training points, drawn at random, enter the fit). Noise-contrastive ' +
    'estimation learns fastest when the noise is close to the data but still covers it: on multimodal data ' +
    '(8 Gaussians, 25 Gaussians) a mixture is a far harder, more informative contrast than one Gaussian. ' +
    'Every covariance gets a variance floor (a fraction of the data’s mean variance) so that no component ' +
    'collapses onto a few points. Sampled by component, then Gaussian; its log-density is a stable log-sum-exp.',
  reference: 'Dempster, Laird & Rubin (1977); Arthur & Vassilvitskii (2007); Gutmann & Hyvärinen (2010); methods.md §1.3',
  inputs: { data: { type: 'dataset', title: 'Data', doc: 'The training set the mixture is fitted to' } },
  outputs: { noise: { type: 'noise', title: 'Noise' } },
  params: {
    components: int({ title: 'Components K', doc: 'Number of Gaussians in the mixture.', default: 8, min: 1, max: 256 }),
    covariance: choice({
      title: 'Covariance',
      doc: 'Full covariance per component, or diagonal (d variances: cheaper and steadier in many dimensions).',
      default: 'full',
      options: [
        { value: 'full', label: 'Full' },
        { value: 'diagonal', label: 'Diagonal' },
      ],
    }),
    iterations: int({ title: 'EM iterations', doc: 'Expectation–maximisation iterations per restart.', default: 100, min: 1, max: 10000 }),
    restarts: int({ title: 'Restarts', doc: 'EM runs from different k-means++ seedings; the one with the highest likelihood is kept.', default: 3, min: 1, max: 100 }),
    varianceFloor: num({
      title: 'Variance floor',
      doc: 'Added to every component’s variances, as a fraction of the data’s mean variance (sklearn’s reg_covar, made scale-free).',
      default: 1e-3,
      min: 0,
      exclusiveMin: true,
      max: 10,
      scale: 'log',
    }),
    fitPoints: int({
      title: 'Fit points',
      doc: 'At most this many training points (a random subset) enter the EM fit, which runs on the CPU.',
      default: 5000,
      min: 10,
      max: 1_000_000,
      unit: 'points',
    }),
  },
  build(ctx, p, { data }) {
    const d = data.dim;
    const all = data.train.dataSync();
    const nAll = all.length / d;
    const rng = ctx.rng.split('fit');
    const m = Math.min(nAll, p.fitPoints);
    const x = new Float64Array(m * d);
    if (m === nAll) x.set(all);
    else {
      const perm = rng.permutation(nAll);
      for (let i = 0; i < m; i++) for (let j = 0; j < d; j++) x[i * d + j] = all[perm[i]! * d + j]!;
    }
    const k = p.components;
    if (m < k) throw new Error(`noise.mixture: ${k} components need at least ${k} fit points, but the fit has ${m}`);
    const fit = fitMixture(x, d, { components: k, covariance: p.covariance, iterations: p.iterations, varianceFloor: p.varianceFloor, restarts: p.restarts }, rng);
    const factors = fit.covariances.map(factor);

    // Per component k: y = (x − μ_k) L_k⁻ᵀ, log N_k = logNorm_k − ½‖y‖², as one batched matMul over
    // the K components. Centring before whitening keeps float32 exact for data far from the origin.
    const lInvT = new Float32Array(k * d * d);
    factors.forEach((f, c) => {
      for (let row = 0; row < d; row++) for (let col = 0; col < d; col++) lInvT[c * d * d + row * d + col] = f.lInv[col]![row]!;
    });
    const whitenT = ctx.track(tf.tensor3d(lInvT, [k, d, d]));
    const meansT = ctx.track(tf.tensor3d(fit.means.flat(), [k, 1, d]));
    const offsetT = ctx.track(tf.tensor2d(factors.map((f, c) => f.logNorm + Math.log(fit.weights[c]!)), [k, 1]));
    const cumulative: number[] = [];
    fit.weights.reduce((s, wk) => (cumulative.push(s + wk), s + wk), 0);

    const noise: MixtureNoise = {
      nodeId: ctx.nodeId,
      dim: d,
      ...fit,
      sample(n: number, sampleRng: Rng): tf.Tensor2D {
        checkCount(n, 'noise.mixture');
        const out = new Float32Array(n * d);
        const z = new Float64Array(d);
        for (let i = 0; i < n; i++) {
          const u = sampleRng.next() * cumulative[k - 1]!;
          let c = 0;
          while (c < k - 1 && u >= cumulative[c]!) c++;
          for (let j = 0; j < d; j++) z[j] = sampleRng.normal();
          const l = factors[c]!.l;
          const mean = fit.means[c]!;
          for (let a = 0; a < d; a++) {
            let s = mean[a]!;
            for (let j = 0; j <= a; j++) s += l[a]![j]! * z[j]!;
            out[i * d + a] = s;
          }
        }
        return tf.tensor2d(out, [n, d]);
      },
      logDensity(xs: tf.Tensor2D): tf.Tensor1D {
        checkPoints(xs, d, 'noise.mixture');
        return tf.tidy(() => {
          const y = tf.matMul(tf.sub(tf.expandDims(xs, 0), meansT), whitenT); // K × n × d
          const perComponent = tf.add(offsetT, tf.mul(-0.5, tf.sum(tf.square(y), 2))); // K × n
          return tf.logSumExp(perComponent, 0) as tf.Tensor1D;
        });
      },
    };
    return { noise };
  },
});
