import * as tf from '@tensorflow/tfjs-core';
import { defineNode, type Draw } from '../define.ts';
import { int, num } from '../params.ts';
import { CHAIN_START_PARAMS, chainStarts, checkNoiseBox, energyAndGradient, TraceRecorder } from '../shared/chains.ts';
import { adaptParams, disposeAll, metropolis, pick, StepSize } from '../shared/mcmc.ts';

export const samplerMalaNode = defineNode({
  type: 'sampler.mala',
  version: 1,
  category: 'sampler',
  title: 'MALA',
  doc:
    'Metropolis-adjusted Langevin: each step proposes x′ = x − (ε/2)∇E(x) + √ε·z, z ~ N(0, I), and accepts it with ' +
    'probability min(1, e^{−E(x′)} q(x|x′) / (e^{−E(x)} q(x′|x))), q(x′|x) = N(x′; x − (ε/2)∇E(x), εI), chain by chain. ' +
    'The correction removes the discretisation bias of unadjusted Langevin: the chain leaves exp(−E) exactly ' +
    'invariant for any ε (at the price of rejections), so long chains sample it without bias; use it when the step ' +
    'cannot be made small, or to check what Langevin’s bias does. ' +
    'Each step costs one forward and backward pass. The draw reports its mean acceptance probability (about 0.57 is ' +
    'the usual target, which the optional adaptation steers to). Adaptation changes the chain as it runs, so the ' +
    'samples are exact only once the step is fixed. Chains start as for Langevin: noise, data (CD-k) or a replay buffer.',
  reference: 'Roberts & Tweedie (1996); Song & Kingma (2021) §2; methods.md §1.1 (target acceptance 0.57)',
  inputs: { energy: { type: 'energy', title: 'Energy' } },
  outputs: { sampler: { type: 'sampler', title: 'Samples' } },
  params: {
    stepSize: num({
      title: 'Step size ε',
      doc: 'Proposal x′ = x − (ε/2)∇E + √ε·z. (ε here is the ε² of Song & Kingma’s notation.) The start when adapting.',
      default: 0.01,
      min: 0,
      exclusiveMin: true,
      max: 10,
      scale: 'log',
    }),
    steps: int({ title: 'Steps K', doc: 'Metropolis-adjusted steps per draw.', default: 20, min: 1, max: 100000 }),
    ...adaptParams(0.57, 'about 0.57 is optimal for MALA: Roberts & Rosenthal 1998'),
    ...CHAIN_START_PARAMS,
  },
  check: checkNoiseBox,
  build(ctx, p, { energy }) {
    const startOf = chainStarts(ctx, p, energy.inputDim);
    const energyGrad = energyAndGradient(energy);
    const step = new StepSize(p.stepSize, p.adaptStep, p.targetAcceptance);

    return {
      sampler: {
        nodeId: ctx.nodeId,
        energy,
        async sample(request): Promise<Draw> {
          const start = startOf(request);
          const trace = new TraceRecorder(request.trace ?? false);
          const steps = request.steps ?? p.steps;
          const rng = request.rng;
          let eps = step.start();
          let x = start.x0;
          let e: tf.Tensor1D | null = null;
          let g: tf.Tensor2D | null = null;
          let acceptance = tf.scalar(0);
          try {
            if (steps > 0) ({ value: e, grad: g } = tf.tidy(() => energyGrad(x)));
            for (let k = 0; k < steps; k++) {
              const [xk, ek, gk, epsk] = [x, e!, g!, eps];
              const next = tf.tidy(() => {
                const half = tf.div(epsk, 2);
                const z = tf.tensor2d(rng.normals(xk.size), xk.shape);
                const proposal = tf.add(tf.sub(xk, tf.mul(half, gk)), tf.mul(tf.sqrt(epsk), z)) as tf.Tensor2D;
                const { value: eNew, grad: gNew } = energyGrad(proposal);
                // log q(x′|x) = −‖√ε z‖²/(2ε) = −½‖z‖²; log q(x|x′) = −‖x − x′ + (ε/2)∇E(x′)‖²/(2ε) (constants cancel).
                const logForward = tf.mul(-0.5, tf.sum(tf.square(z), 1));
                const back = tf.add(tf.sub(xk, proposal), tf.mul(half, gNew));
                const logBackward = tf.div(tf.sum(tf.square(back), 1), tf.mul(-2, epsk));
                const logAlpha = tf.add(tf.sub(ek, eNew), tf.sub(logBackward, logForward)) as tf.Tensor1D;
                const { accept, probability } = metropolis(logAlpha, rng);
                return {
                  x: pick(accept, proposal, xk),
                  e: pick(accept, eNew, ek),
                  g: pick(accept, gNew, gk),
                  eps: step.next(epsk, probability),
                  acceptance: tf.add(acceptance, probability) as tf.Scalar,
                };
              });
              if (x !== start.x0) x.dispose();
              tf.dispose([ek, gk, epsk, acceptance]);
              ({ x, e, g, eps, acceptance } = next);
              trace.record(e);
            }
            // Zero steps: the samples are a copy of the start, which the caller may not own.
            const samples = x === start.x0 ? x.clone() : x;
            await start.finish(samples);
            await step.finish(eps, request.persist);
            const stats: Record<string, tf.Scalar> = {};
            if (steps > 0) stats.acceptance = tf.div(acceptance, steps);
            if (step.adapt) stats.step_size = eps.clone();
            disposeAll([e, g, eps, acceptance]);
            return { samples, stats, ...(trace.enabled ? { trace: await trace.finish() } : {}) };
          } catch (err) {
            if (x !== start.x0) x.dispose();
            disposeAll([e, g, eps, acceptance]);
            trace.dispose();
            await start.finish(null);
            throw err;
          }
        },
      },
    };
  },
});
