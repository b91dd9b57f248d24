import * as tf from '@tensorflow/tfjs-core';
import { defineNode } from '../define.ts';
import type { ParamValues } from '../params.ts';
import { choice, int, num } from '../params.ts';
import { energyGradient } from '../shared/score.ts';
import { meanHalfSquaredNorm, SCORE_MATCHING_INPUTS, SCORE_MATCHING_OUTPUTS } from '../shared/score-matching.ts';

const PARAMS = {
  mode: choice({
    title: 'Noise levels',
    doc: 'One noise level σ, or a geometric ladder of levels with one drawn per data point (NCSN).',
    default: 'single',
    options: [
      { value: 'single', label: 'Single σ', doc: 'Fits the data blurred by N(0, σ²I).' },
      { value: 'ladder', label: 'Ladder (multi-scale)', doc: 'Each point gets a level drawn uniformly from a geometric ladder, as NCSN does.' },
    ],
  }),
  sigma: num({
    title: 'Noise σ',
    doc: 'Standard deviation of the Gaussian noise added to the data (methods.md §6.3: ≈ 0.1 for data in [−4, 4]²).',
    default: 0.1,
    min: 0,
    exclusiveMin: true,
    max: 100,
    scale: 'log',
    visibleWhen: { param: 'mode', oneOf: ['single'] },
  }),
  sigmaMax: num({
    title: 'Largest σ',
    doc: 'Top of the ladder (NCSN on images: 1, for data in [0, 1]; pick about the spread of the data).',
    default: 1,
    min: 0,
    exclusiveMin: true,
    max: 100,
    scale: 'log',
    visibleWhen: { param: 'mode', oneOf: ['ladder'] },
  }),
  sigmaMin: num({
    title: 'Smallest σ',
    doc: 'Bottom of the ladder (NCSN on images: 0.01).',
    default: 0.01,
    min: 0,
    exclusiveMin: true,
    max: 100,
    scale: 'log',
    visibleWhen: { param: 'mode', oneOf: ['ladder'] },
  }),
  levels: int({
    title: 'Levels L',
    doc: 'Number of noise levels, spaced geometrically from the largest to the smallest σ (NCSN: 10).',
    default: 10,
    min: 2,
    max: 1000,
    visibleWhen: { param: 'mode', oneOf: ['ladder'] },
  }),
  weighting: choice({
    title: 'Weighting λ(σ)',
    doc: 'Weight of each point’s loss by its noise level. It matters only with a ladder: with one σ it only rescales the loss.',
    default: 'sigma2',
    options: [
      { value: 'sigma2', label: 'σ² (NCSN, score_sde)', doc: '½‖σ∇ₓE(x̃) − z‖²: every level contributes about equally.' },
      { value: 'sigma4', label: 'σ⁴ (SSM repo dsm())', doc: '½‖σ²∇ₓE(x̃) − σz‖².' },
      { value: 'none', label: 'None (λ = 1)', doc: '½‖∇ₓE(x̃) − z/σ‖², Vincent’s original form.' },
    ],
  }),
} as const;

type DsmParams = ParamValues<typeof PARAMS>;

/** The noise levels: [σ] or the geometric ladder σ_max … σ_min (L values). */
export function noiseLevels(p: DsmParams): number[] {
  if (p.mode === 'single') return [p.sigma];
  const ratio = p.sigmaMin / p.sigmaMax;
  return Array.from({ length: p.levels }, (_, i) => p.sigmaMax * ratio ** (i / (p.levels - 1)));
}

const WEIGHT_POWER = { sigma2: 2, sigma4: 4, none: 0 } as const;

/**
 * The variance the noise adds to a Gaussian fit: for E = ½p(x − μ)² on data of variance s², level
 * σ_l contributes λ_l·E[(z/σ_l − p·x̃)²], whose stationary point over the uniformly drawn levels is
 * 1/p = s² + Σλ_lσ_l²/Σλ_l.
 */
export function addedVariance(p: DsmParams): number {
  const sigmas = noiseLevels(p);
  const power = WEIGHT_POWER[p.weighting];
  const weights = sigmas.map((s) => s ** power);
  return sigmas.reduce((a, s, i) => a + weights[i]! * s * s, 0) / weights.reduce((a, w) => a + w, 0);
}

export const objectiveDsmNode = defineNode({
  type: 'objective.dsm',
  version: 1,
  category: 'objective',
  title: 'Denoising score matching',
  doc:
    'Vincent’s denoising score matching: perturb each data point, x̃ = x + σz with z ~ N(0, I), and regress the ' +
    'model score −∇ₓE(x̃) onto the score of the perturbation, −z/σ: loss = mean λ(σ)·½‖z/σ − ∇ₓE(x̃)‖². It needs no ' +
    'Hessian, only ∇ₓE and its parameter gradient, so it is the cheapest score-based objective, but it fits the ' +
    'blurred density q_σ = p_data ∗ N(0, σ²I), not p_data: a Gaussian energy on N(0, 1) data learns variance 1 + σ². ' +
    'Small σ means little bias but a noisy loss. The ladder mode (multi-scale, NCSN) draws one level per point ' +
    'uniformly from a geometric ladder σ_max … σ_min and weights it by λ(σ) = σ² by default; with an energy that ' +
    'does not take σ as an input, the model is a compromise between the blurred densities of all levels, not ' +
    'any one of them (a Gaussian fit adds Σλσ²/Σλ to the variance, mostly the largest levels’ blur: see the derived ' +
    'value). Needs an energy with second derivatives (not ReLU). Metric: grad_sq = mean ½‖∇ₓE(x̃)‖².',
  reference: 'Vincent (2011); Song & Ermon (2019); Song & Kingma (2021) §3.1, §3.4; methods.md §1.2',
  inputs: SCORE_MATCHING_INPUTS,
  outputs: SCORE_MATCHING_OUTPUTS,
  params: PARAMS,
  needsSecondOrder: true,
  check: (p) =>
    p.mode === 'ladder' && !(p.sigmaMin < p.sigmaMax)
      ? [{ code: 'PARAM_INVALID', severity: 'error', param: 'sigmaMin', message: `the smallest σ (${p.sigmaMin}) must be below the largest (${p.sigmaMax})` }]
      : [],
  derived: (p): Record<string, { value: number; doc: string }> => {
    const out: Record<string, { value: number; doc: string }> = {
      addedVariance: {
        value: addedVariance(p),
        doc:
          'What the noise adds to every variance of the fitted density: a Gaussian energy on Gaussian data learns the ' +
          'data’s variance plus this (σ² for one level; Σλσ²/Σλ over a ladder, dominated by its largest levels)',
      },
    };
    if (p.mode === 'ladder')
      out.ratio = { value: (p.sigmaMax / p.sigmaMin) ** (1 / (p.levels - 1)), doc: 'Ratio between successive noise levels of the geometric ladder' };
    return out;
  },
  build(ctx, p, { data, energy }) {
    const rng = ctx.rng;
    const noiseRng = ctx.rng.split('noise');
    const levelRng = ctx.rng.split('levels');
    const gradE = energyGradient(energy);
    const sigmas = noiseLevels(p);
    const power = WEIGHT_POWER[p.weighting];
    const d = data.dim;
    return {
      objective: {
        nodeId: ctx.nodeId,
        energy,
        data,
        variables: energy.variables,
        prepare(batchSize) {
          const sigma = new Float32Array(batchSize);
          const picks = sigmas.length === 1 ? null : levelRng.ints(batchSize, sigmas.length);
          for (let i = 0; i < batchSize; i++) sigma[i] = sigmas[picks ? picks[i]! : 0]!;
          const tensors = tf.tidy(() => {
            const x = data.batch(batchSize, rng);
            const z = tf.tensor2d(noiseRng.normals(batchSize * d), [batchSize, d]);
            const s = tf.tensor2d(sigma, [batchSize, 1]);
            return { noisy: tf.add(x, tf.mul(s, z)), noise: z, sigma: s };
          });
          return Promise.resolve({ tensors });
        },
        loss({ noisy, noise, sigma }) {
          const g = gradE(noisy as tf.Tensor2D);
          // ½‖z/σ − ∇ₓE(x̃)‖² per point, times λ(σ) = σ^power.
          const residual = tf.sub(tf.div(noise!, sigma!), g);
          let perPoint = tf.mul(0.5, tf.sum(tf.square(residual), 1));
          if (power !== 0) perPoint = tf.mul(perPoint, tf.reshape(tf.pow(sigma!, power), [-1]));
          return { loss: tf.mean(perPoint) as tf.Scalar, metrics: { grad_sq: meanHalfSquaredNorm(g) } };
        },
      },
    };
  },
});
