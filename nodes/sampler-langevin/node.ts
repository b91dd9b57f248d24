import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../app/runtime/rng.ts';
import { defineNode } from '../define.ts';
import { choice, int, num } from '../params.ts';

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
    init: choice({
      title: 'Chains start from',
      doc: 'Where each draw’s chains begin.',
      default: 'buffer',
      options: [
        { value: 'noise', label: 'Noise (short-run)', doc: 'Fresh uniform noise in the box every draw (Nijkamp et al. 2019).' },
        { value: 'data', label: 'Data (CD-k)', doc: 'The current data batch: contrastive divergence.' },
        { value: 'buffer', label: 'Replay buffer (persistent)', doc: 'Past chain ends, some restarted from noise.' },
      ],
    }),
    noiseLow: num({ title: 'Noise box low', doc: 'Lower edge of the uniform noise box, every coordinate.', default: -4 }),
    noiseHigh: num({ title: 'Noise box high', doc: 'Upper edge of the uniform noise box, every coordinate.', default: 4 }),
    bufferSize: int({
      title: 'Buffer size',
      doc: 'Chains kept in the replay buffer.',
      default: 10000,
      min: 1,
      max: 10_000_000,
      unit: 'chains',
      visibleWhen: { param: 'init', oneOf: ['buffer'] },
    }),
    reinitProb: num({
      title: 'Restart probability',
      doc: 'Chance that a chain drawn from the buffer restarts from noise instead (ρ ≈ 0.05).',
      default: 0.05,
      min: 0,
      max: 1,
      visibleWhen: { param: 'init', oneOf: ['buffer'] },
    }),
  },
  check: (p) =>
    p.noiseLow < p.noiseHigh
      ? []
      : [{ code: 'PARAM_INVALID', severity: 'error', param: 'noiseHigh', message: `the noise box is empty: low ${p.noiseLow} must be below high ${p.noiseHigh}` }],
  derived: (p) => ({
    temperature: {
      value: temperature(p),
      doc: 'Effective temperature σ²/(2η) of the chain: 1 samples exp(−E); far below 1 is near gradient descent.',
    },
  }),
  build(ctx, p, { energy }) {
    const d = energy.inputDim;
    const [drift, noiseStd] = p.parameterisation === 'calibrated' ? [p.stepSize / 2, Math.sqrt(p.stepSize)] : [p.eta, p.sigma];
    const gradE = tf.grad((x: tf.Tensor) => tf.sum(energy.energy(x as tf.Tensor2D)));
    const noiseBox = (n: number, rng: Rng): Float32Array => rng.uniforms(n * d, p.noiseLow, p.noiseHigh);

    // The replay buffer lives in JS memory: gathering a batch and writing it back are plain copies.
    const buffer = p.init === 'buffer' ? noiseBox(p.bufferSize, ctx.rng.split('buffer-init')) : null;

    /** K Langevin steps from x0 (which the caller keeps); returns a new tensor. */
    function run(x0: tf.Tensor2D, rng: Rng): tf.Tensor2D {
      let x = x0;
      for (let k = 0; k < p.steps; k++) {
        const next = tf.tidy(() => {
          let g = gradE(x);
          if (p.gradClip > 0) g = tf.clipByValue(g, -p.gradClip, p.gradClip);
          const z = tf.tensor2d(rng.normals(x.size), x.shape);
          return tf.add(tf.sub(x, tf.mul(drift, g)), tf.mul(noiseStd, z)) as tf.Tensor2D;
        });
        if (x !== x0) x.dispose();
        x = next;
      }
      return x;
    }

    return {
      sampler: {
        nodeId: ctx.nodeId,
        energy,
        diagnostics: () => ({ temperature: temperature(p) }),
        async sample({ data, rng, persist }) {
          const n = data.shape[0];
          if (p.init === 'data') return run(data, rng);
          if (p.init === 'noise' || !buffer) {
            const x0 = tf.tensor2d(noiseBox(n, rng), [n, d]);
            const x = run(x0, rng);
            x0.dispose();
            return x;
          }
          // Distinct buffer slots, so that writing the chains back is well defined.
          const slots = distinctSlots(p.bufferSize, n, rng);
          const start = new Float32Array(n * d);
          slots.forEach((slot, i) => {
            if (rng.next() < p.reinitProb) start.set(noiseBox(1, rng), i * d);
            else start.set(buffer.subarray(slot * d, slot * d + d), i * d);
          });
          const x0 = tf.tensor2d(start, [n, d]);
          const x = run(x0, rng);
          x0.dispose();
          if (persist) {
            const end = await x.data();
            slots.forEach((slot, i) => buffer.set(end.subarray(i * d, i * d + d), slot * d));
          }
          return x;
        },
      },
    };
  },
});

/** The chain's effective temperature σ²/(2η); 1 by construction in the calibrated form. */
function temperature(p: { parameterisation: string; eta: number; sigma: number }): number {
  return p.parameterisation === 'calibrated' ? 1 : (p.sigma * p.sigma) / (2 * p.eta);
}

/** n slots of 0..size-1, distinct while n ≤ size (a partial Fisher–Yates shuffle), else with repeats. */
function distinctSlots(size: number, n: number, rng: Rng): Int32Array {
  if (n > size) return rng.ints(n, size);
  const chosen = new Int32Array(n);
  const swapped = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const j = i + rng.int(size - i);
    const vj = swapped.get(j) ?? j;
    chosen[i] = vj;
    swapped.set(j, swapped.get(i) ?? i);
  }
  return chosen;
}
