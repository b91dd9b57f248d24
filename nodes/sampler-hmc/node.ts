import * as tf from '@tensorflow/tfjs-core';
import { defineNode, type Draw } from '../define.ts';
import { int, num } from '../params.ts';
import { CHAIN_START_PARAMS, chainStarts, checkNoiseBox, energyAndGradient, TraceRecorder } from '../shared/chains.ts';
import { adaptParams, disposeAll, metropolis, pick, StepSize } from '../shared/mcmc.ts';

export const samplerHmcNode = defineNode({
  type: 'sampler.hmc',
  version: 1,
  category: 'sampler',
  title: 'Hamiltonian Monte Carlo',
  doc:
    'Hamiltonian Monte Carlo: each transition draws a momentum p ~ N(0, mI), runs L leapfrog steps of size δ on ' +
    'H(x, p) = E(x) + ½‖p‖²/m (a half momentum step, alternating full position and momentum steps, a final half ' +
    'momentum step) and accepts the end with probability min(1, exp(H₀ − H_L)), chain by chain. Long, ' +
    'gradient-guided moves with few rejections make it mix faster than Langevin on smooth energies; each leapfrog ' +
    'step costs one forward and backward pass (L per transition). The draw reports its mean acceptance probability; ' +
    'IGEBM tunes δ for about 65%, which the optional adaptation steers to (the chain is exact once δ is fixed). ' +
    'The mass m is a scalar on every coordinate: mass m with step δ is exactly the chain of unit mass with step ' +
    'δ/√m (slower, shorter moves for a larger m). The trajectory length L·δ/√m matters: near half a period of a ' +
    'nearly Gaussian mode of width s (about π·s) every trajectory ends at the mirror image of its start and the ' +
    'chain barely mixes; about a quarter period (π·s/2) mixes best. ' +
    'Defaults follow TorchEBM (L = 10) with a step sized for 2-D toy data. Chains start as for Langevin.',
  reference: 'Neal (2011), MCMC using Hamiltonian dynamics; Du & Mordatch (2019) hmc.py; methods.md §1.1',
  inputs: { energy: { type: 'energy', title: 'Energy' } },
  outputs: { sampler: { type: 'sampler', title: 'Samples' } },
  params: {
    stepSize: num({
      title: 'Leapfrog step δ',
      doc: 'Size of each leapfrog step; the start when adapting. Too large and most proposals are rejected.',
      default: 0.1,
      min: 0,
      exclusiveMin: true,
      max: 10,
      scale: 'log',
    }),
    leapfrogSteps: int({ title: 'Leapfrog steps L', doc: 'Leapfrog steps per transition (trajectory length Lδ).', default: 10, min: 1, max: 1000 }),
    steps: int({ title: 'Transitions K', doc: 'HMC transitions (momentum draw, trajectory, accept) per draw.', default: 5, min: 1, max: 100000 }),
    mass: num({
      title: 'Mass m',
      doc: 'Diagonal mass M = mI: momenta are drawn from N(0, mI) and the kinetic energy is ½‖p‖²/m.',
      default: 1,
      min: 0,
      exclusiveMin: true,
      max: 1e6,
      scale: 'log',
    }),
    ...adaptParams(0.65, 'IGEBM tunes HMC for about 65%; methods.md §1.1'),
    ...CHAIN_START_PARAMS,
  },
  check: checkNoiseBox,
  derived: (p) => ({
    gradientEvaluations: {
      value: p.steps * p.leapfrogSteps,
      unit: 'per draw',
      doc: 'Forward and backward passes of the energy per draw: K transitions × L leapfrog steps (plus one at the start).',
    },
  }),
  build(ctx, p, { energy }) {
    const startOf = chainStarts(ctx, p, energy.inputDim);
    const energyGrad = energyAndGradient(energy);
    const step = new StepSize(p.stepSize, p.adaptStep, p.targetAcceptance);
    const m = p.mass;
    const kinetic = (mom: tf.Tensor2D): tf.Tensor1D => tf.div(tf.sum(tf.square(mom), 1), 2 * m) as tf.Tensor1D;

    /** L leapfrog steps from (x, p₀) with ∇E(x) = g: the end, its energy and gradient, and momentum. */
    function leapfrog(x: tf.Tensor2D, g: tf.Tensor2D, p0: tf.Tensor2D, delta: tf.Scalar) {
      let q = x;
      let mom = tf.tidy(() => tf.sub(p0, tf.mul(tf.div(delta, 2), g)) as tf.Tensor2D);
      let eq: tf.Tensor1D | null = null;
      let gq: tf.Tensor2D | null = null;
      try {
        for (let l = 1; l <= p.leapfrogSteps; l++) {
          const [ql, ml] = [q, mom];
          const last = l === p.leapfrogSteps;
          // One tidy per leapfrog step: the energy's intermediates are freed as we go.
          const next = tf.tidy(() => {
            const qn = tf.add(ql, tf.mul(tf.div(delta, m), ml)) as tf.Tensor2D;
            const { value, grad } = energyGrad(qn);
            const mn = tf.sub(ml, tf.mul(last ? tf.div(delta, 2) : delta, grad)) as tf.Tensor2D;
            return { q: qn, mom: mn, e: value, g: grad };
          });
          disposeAll([q === x ? null : q, mom, eq, gq]);
          ({ q, mom, e: eq, g: gq } = next);
        }
      } catch (err) {
        disposeAll([q === x ? null : q, mom, eq, gq]);
        throw err;
      }
      return { q, mom, e: eq!, g: gq! };
    }

    return {
      sampler: {
        nodeId: ctx.nodeId,
        energy,
        async sample(request): Promise<Draw> {
          const start = startOf(request);
          const trace = new TraceRecorder(request.trace ?? false);
          const steps = request.steps ?? p.steps;
          const rng = request.rng;
          let delta = step.start();
          let x = start.x0;
          let e: tf.Tensor1D | null = null;
          let g: tf.Tensor2D | null = null;
          let acceptance = tf.scalar(0);
          try {
            if (steps > 0) ({ value: e, grad: g } = tf.tidy(() => energyGrad(x)));
            for (let k = 0; k < steps; k++) {
              const [xk, ek, gk, dk] = [x, e!, g!, delta];
              const p0 = tf.tidy(() => tf.mul(Math.sqrt(m), tf.tensor2d(rng.normals(xk.size), xk.shape)) as tf.Tensor2D);
              let end: ReturnType<typeof leapfrog> | null = null;
              let next;
              try {
                const { q, mom, e: eEnd, g: gEnd } = (end = leapfrog(xk, gk, p0, dk));
                next = tf.tidy(() => {
                  // log α = H₀ − H_L, H = E + ½‖p‖²/m.
                  const logAlpha = tf.sub(tf.add(ek, kinetic(p0)), tf.add(eEnd, kinetic(mom))) as tf.Tensor1D;
                  const { accept, probability } = metropolis(logAlpha, rng);
                  return {
                    x: pick(accept, q, xk),
                    e: pick(accept, eEnd, ek),
                    g: pick(accept, gEnd, gk),
                    delta: step.next(dk, probability),
                    acceptance: tf.add(acceptance, probability) as tf.Scalar,
                  };
                });
              } finally {
                // The momenta and the trajectory's end (what was kept of it now lives in `next`).
                disposeAll([p0, end?.q, end?.mom, end?.e, end?.g]);
              }
              if (x !== start.x0) x.dispose();
              tf.dispose([ek, gk, dk, acceptance]);
              ({ x, e, g, delta, acceptance } = next);
              trace.record(e);
            }
            // Zero steps: the samples are a copy of the start, which the caller may not own.
            const samples = x === start.x0 ? x.clone() : x;
            await start.finish(samples);
            await step.finish(delta, request.persist);
            const stats: Record<string, tf.Scalar> = {};
            if (steps > 0) stats.acceptance = tf.div(acceptance, steps);
            if (step.adapt) stats.step_size = delta.clone();
            disposeAll([e, g, delta, acceptance]);
            return { samples, stats, ...(trace.enabled ? { trace: await trace.finish() } : {}) };
          } catch (err) {
            if (x !== start.x0) x.dispose();
            disposeAll([e, g, delta, acceptance]);
            trace.dispose();
            await start.finish(null);
            throw err;
          }
        },
      },
    };
  },
});
