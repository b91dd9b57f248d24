import * as tf from '@tensorflow/tfjs-core';
import { defineNode, type Draw } from '../define.ts';
import { int, num } from '../params.ts';
import { CHAIN_START_PARAMS, chainStarts, checkNoiseBox, energyAndGradient, TraceRecorder } from '../shared/chains.ts';

export const samplerAnnealedLangevinNode = defineNode({
  type: 'sampler.annealedLangevin',
  version: 1,
  category: 'sampler',
  title: 'Annealed Langevin',
  doc:
    'Annealed Langevin dynamics on the schedule of NCSN (Song & Ermon 2019), with one energy for every level. ' +
    'A geometric ladder σ₁ = σ_max > … > σ_L = σ_min sets the steps αᵢ = ε·σᵢ²/σ_L², and each level runs T steps ' +
    'of x ← x − (αᵢ/2)∇E(x) + √αᵢ·z, z ~ N(0, I). What the ladder does here, exactly: the energy takes no σ (it is ' +
    'not noise-conditional), so σᵢ only sets the step; nothing is blurred and no noisy-data score is used, unlike ' +
    'NCSN, whose sᵢ(x) is the score of the data blurred by σᵢ. Each level is unadjusted Langevin at temperature 1 ' +
    'with step αᵢ, whose stationary law is exp(−E) broadened by the step (a Gaussian mode of width s gets variance ' +
    's²/(1 − αᵢ/(4s²)); it diverges once αᵢ ≥ 4s²). So the early, large steps sample a broadened exp(−E) and move ' +
    'between modes easily (an annealing of the step that acts like a temperature), and the last level is plain ' +
    'Langevin with step ε. The draw ends close to exp(−E) when ε is small against the squared width of its modes ' +
    'and T·ε is long enough to settle within a mode; the mass of each mode is set by the early levels. This is the ' +
    'situation of Li, Chen & Sommer (2019), who train one unconditional energy over many noise scales. Defaults are ' +
    'sized for 2-D toy data in [−4, 4]² (the NCSN toy’s 20 → 1 ladder is for modes ±5 apart): σ from 1 (the spread ' +
    'between modes) down to 0.1 (the finest features, e.g. 8 Gaussians’ 0.35), so α runs from 0.1 down to ε = 10⁻³, ' +
    'whose Langevin variance bias ε/(4s²) is 2.5% on a mode of width s = 0.1. The largest step α₁ must stay below ' +
    'about 4/c for the steepest curvature c of E, or the chains are thrown out of sharp modes: lower σ_max or ε for ' +
    'sharp energies. Chains start from uniform noise by default. A request for K steps (a diagnostics monitor) ' +
    'spreads K over the same L levels.',
  reference: 'Song & Ermon (2019) NCSN Alg. 1; Li, Chen & Sommer (2019) multi-scale DSM EBMs; methods.md §1.2',
  inputs: { energy: { type: 'energy', title: 'Energy' } },
  outputs: { sampler: { type: 'sampler', title: 'Samples' } },
  params: {
    sigmaMax: num({ title: 'σ max', doc: 'The first (largest) noise level σ₁.', default: 1, min: 0, exclusiveMin: true, scale: 'log' }),
    sigmaMin: num({ title: 'σ min', doc: 'The last (smallest) noise level σ_L.', default: 0.1, min: 0, exclusiveMin: true, scale: 'log' }),
    levels: int({ title: 'Levels L', doc: 'Noise levels of the geometric ladder from σ max down to σ min.', default: 10, min: 1, max: 1000 }),
    stepsPerLevel: int({ title: 'Steps per level T', doc: 'Langevin steps at each level.', default: 20, min: 1, max: 100000 }),
    stepSize: num({
      title: 'Step size ε',
      doc: 'The step at the last level; level i steps α_i = ε·σ_i²/σ_L² (NCSN’s ε; images used 2·10⁻⁵ with σ from 1 to 0.01).',
      default: 1e-3,
      min: 0,
      exclusiveMin: true,
      max: 10,
      scale: 'log',
    }),
    ...CHAIN_START_PARAMS,
    init: { ...CHAIN_START_PARAMS.init, default: 'noise' },
  },
  check: (p) => [
    ...checkNoiseBox(p),
    ...(p.levels > 1 && !(p.sigmaMax > p.sigmaMin)
      ? [{ code: 'PARAM_INVALID', severity: 'error' as const, param: 'sigmaMax', message: `σ max (${p.sigmaMax}) must be above σ min (${p.sigmaMin})` }]
      : []),
  ],
  derived: (p) => {
    const alpha = stepSizes(p);
    return {
      totalSteps: { value: p.levels * p.stepsPerLevel, unit: 'steps', doc: 'Langevin steps per draw: L levels × T steps.' },
      firstStep: { value: alpha[0]!, doc: 'The first level’s step α₁ = ε σ₁²/σ_L²: must stay below about 4/c for the energy’s curvature c.' },
      lastStep: { value: alpha[alpha.length - 1]!, doc: 'The last level’s step α_L = ε: the Langevin chain the draw ends with.' },
    };
  },
  build(ctx, p, { energy }) {
    const startOf = chainStarts(ctx, p, energy.inputDim);
    const energyGrad = energyAndGradient(energy);
    const alpha = stepSizes(p);

    return {
      sampler: {
        nodeId: ctx.nodeId,
        energy,
        async sample(request): Promise<Draw> {
          const start = startOf(request);
          const trace = new TraceRecorder(request.trace ?? false);
          const steps = schedule(alpha, request.steps ?? p.levels * p.stepsPerLevel);
          let x = start.x0;
          try {
            for (let k = 0; k < steps.length; k++) {
              const a = steps[k]!;
              const next = tf.tidy(() => {
                const { value, grad } = energyGrad(x);
                if (k > 0) trace.record(value);
                const z = tf.tensor2d(request.rng.normals(x.size), x.shape);
                return tf.add(tf.sub(x, tf.mul(a / 2, grad)), tf.mul(Math.sqrt(a), z)) as tf.Tensor2D;
              });
              if (x !== start.x0) x.dispose();
              x = next;
            }
            if (trace.enabled && steps.length > 0) tf.tidy(() => trace.record(energy.energy(x)));
            // Zero steps: the samples are a copy of the start, which the caller may not own.
            const samples = x === start.x0 ? x.clone() : x;
            await start.finish(samples);
            return { samples, stats: {}, ...(trace.enabled ? { trace: await trace.finish() } : {}) };
          } catch (e) {
            if (x !== start.x0) x.dispose();
            trace.dispose();
            await start.finish(null);
            throw e;
          }
        },
      },
    };
  },
});

/** The step of every level, α_i = ε σ_i²/σ_L² on the geometric ladder σ_i = σ_max (σ_min/σ_max)^{(i−1)/(L−1)}. */
export function stepSizes(p: { sigmaMax: number; sigmaMin: number; levels: number; stepSize: number }): number[] {
  const { levels: L, sigmaMax, sigmaMin, stepSize } = p;
  if (L === 1) return [stepSize];
  return Array.from({ length: L }, (_, i) => stepSize * (sigmaMax / sigmaMin) ** (2 * (1 - i / (L - 1))));
}

/** The step size of each of `total` steps: spread over the levels as evenly as possible (T each when total = L·T). */
export function schedule(alpha: readonly number[], total: number): number[] {
  const L = alpha.length;
  const out: number[] = [];
  for (let i = 0; i < L; i++) {
    const count = Math.floor(((i + 1) * total) / L) - Math.floor((i * total) / L);
    for (let t = 0; t < count; t++) out.push(alpha[i]!);
  }
  return out;
}
