import * as tf from '@tensorflow/tfjs-core';
import { defineNode } from '../define.ts';
import { choice, int, num } from '../params.ts';
import { CHAIN_START_PARAMS, chainStarts, checkNoiseBox, energyAndGradient, TraceRecorder } from '../shared/chains.ts';

export const samplerLangevinNode = defineNode({
  type: 'sampler.langevin',
  version: 1,
  category: 'sampler',
  title: 'Langevin',
  doc:
    'Unadjusted Langevin dynamics: K steps of x ← x − a∇E(x) + b·z, z ~ N(0, I). In the calibrated form ' +
    'a = ε/2 and b = √ε, which samples exp(−E) as ε → 0 and K → ∞ (temperature 1). In the separate form the ' +
    'gradient step η and noise σ are set apart, as most image-EBM code does; the implied temperature is ' +
    'σ²/(2η), usually far below 1 (short-run, near noisy gradient descent). Chains start from uniform noise ' +
    '(short-run MCMC), from the data batch (contrastive divergence, CD-k) or from a replay buffer of past ' +
    'chains (persistent CD; Du & Mordatch 2019), a fraction of which restart from noise each step.',
  reference: 'Song & Kingma (2021) §2; Hinton (2002); Tieleman (2008); Du & Mordatch (2019); methods.md §1.1',
  inputs: { energy: { type: 'energy', title: 'Energy' } },
  outputs: { sampler: { type: 'sampler', title: 'Samples' } },
  params: {
    parameterisation: choice({
      title: 'Parameterisation',
      doc: 'Calibrated: one step size ε with matched noise. Separate: gradient step η and noise σ.',
      default: 'calibrated',
      options: [
        { value: 'calibrated', label: 'Step ε, noise √ε (T = 1)' },
        { value: 'separate', label: 'Step η, noise σ' },
      ],
    }),
    stepSize: num({
      title: 'Step size ε',
      doc: 'x ← x − (ε/2)∇E + √ε·z. (ε here is the ε² of Song & Kingma’s notation.)',
      default: 0.01,
      min: 0,
      exclusiveMin: true,
      max: 10,
      scale: 'log',
      visibleWhen: { param: 'parameterisation', oneOf: ['calibrated'] },
    }),
    eta: num({
      title: 'Gradient step η',
      doc: 'x ← x − η∇E + σ·z.',
      default: 0.01,
      min: 0,
      exclusiveMin: true,
      max: 1000,
      scale: 'log',
      visibleWhen: { param: 'parameterisation', oneOf: ['separate'] },
    }),
    sigma: num({
      title: 'Noise σ',
      doc: 'Standard deviation of the noise added at each step.',
      default: 0.005,
      min: 0,
      max: 100,
      scale: 'log',
      visibleWhen: { param: 'parameterisation', oneOf: ['separate'] },
    }),
    steps: int({ title: 'Steps K', doc: 'Langevin steps per draw.', default: 20, min: 1, max: 100000 }),
    gradClip: num({
      title: 'Gradient clip',
      doc: 'Clip each component of ∇E to ±this before the step (UvA/IGEBM style); 0 turns it off.',
      default: 0,
      min: 0,
    }),
    ...CHAIN_START_PARAMS,
  },
  check: checkNoiseBox,
  derived: (p) => ({
    temperature: {
      value: temperature(p),
      doc: 'Effective temperature σ²/(2η) of the chain: 1 samples exp(−E); far below 1 is near gradient descent.',
    },
  }),
  build(ctx, p, { energy }) {
    const [drift, noiseStd] = p.parameterisation === 'calibrated' ? [p.stepSize / 2, Math.sqrt(p.stepSize)] : [p.eta, p.sigma];
    const startOf = chainStarts(ctx, p, energy.inputDim);
    const energyGrad = energyAndGradient(energy);

    return {
      sampler: {
        nodeId: ctx.nodeId,
        energy,
        async sample(request) {
          const start = startOf(request);
          const trace = new TraceRecorder(request.trace ?? false);
          const steps = request.steps ?? p.steps;
          let x = start.x0;
          try {
            for (let k = 0; k < steps; k++) {
              const next = tf.tidy(() => {
                const { value, grad } = energyGrad(x);
                if (k > 0) trace.record(value);
                const g = p.gradClip > 0 ? tf.clipByValue(grad, -p.gradClip, p.gradClip) : grad;
                const z = tf.tensor2d(request.rng.normals(x.size), x.shape);
                return tf.add(tf.sub(x, tf.mul(drift, g)), tf.mul(noiseStd, z)) as tf.Tensor2D;
              });
              if (x !== start.x0) x.dispose();
              x = next;
            }
            if (trace.enabled && steps > 0) tf.tidy(() => trace.record(energy.energy(x)));
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

/** The chain's effective temperature σ²/(2η); 1 by construction in the calibrated form. */
function temperature(p: { parameterisation: string; eta: number; sigma: number }): number {
  return p.parameterisation === 'calibrated' ? 1 : (p.sigma * p.sigma) / (2 * p.eta);
}
