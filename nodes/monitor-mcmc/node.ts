// monitor.mcmc: how well the sampler mixes on the current model. At each snapshot it runs a batch
// of fresh chains (no persistent state touched), records their energies and reports the effective
// sample size, split-R̂, the acceptance rate where the sampler has one, and the chains' final energy,
// with the energy traces of its first chains as a snapshot (the "Energy traces" figure, trace.png).
import * as tf from '@tensorflow/tfjs-core';
import type { TraceSnapshot } from '../../app/runtime/events.ts';
import { traceDiagnostics } from '../../app/runtime/mcmc-diagnostics.ts';
import { defineNode, type ChainTrace } from '../define.ts';
import { choice, int, num } from '../params.ts';

/** Steps kept after the burn-in. */
function keptSteps(p: { steps: number; burnIn: number }): number {
  return p.steps - Math.floor(p.burnIn * p.steps);
}

/** Fewest kept steps for the autocorrelation and split-R̂ (two halves of at least 2). */
const MIN_KEPT = 4;

/** The trace figure shows the first this many chains: enough to see them mix, few enough to tell apart. */
export const TRACE_CHAINS = 8;
/** Points per chain in a trace snapshot at most: finer than a figure's width needs, and a small event. */
export const TRACE_POINTS = 400;

/**
 * The sampler steps (1-based) a trace of `steps` steps shows: all of them when there are at most
 * `max`, else every k-th from the first (k the smallest stride that fits) with the last step added.
 */
export function shownSteps(steps: number, max = TRACE_POINTS): number[] {
  if (!(Number.isInteger(steps) && steps >= 1 && Number.isInteger(max) && max >= 2)) throw new RangeError(`shownSteps: ${steps} steps, ${max} points`);
  if (steps <= max) return Array.from({ length: steps }, (_, i) => i + 1);
  const stride = Math.ceil((steps - 1) / (max - 1));
  const at: number[] = [];
  for (let k = 1; k <= steps; k += stride) at.push(k);
  if (at[at.length - 1] !== steps) at.push(steps);
  return at;
}

/** The trace snapshot of one evaluation: the first TRACE_CHAINS chains at the shownSteps, and the
 * burn-in as the diagnostics count it (the first ⌊burnIn·steps⌋ steps). */
export function traceSnapshot(trace: ChainTrace, o: { step: number; nodeId: string; burnIn: number }): TraceSnapshot {
  const chains = Math.min(TRACE_CHAINS, trace.chains);
  const at = shownSteps(trace.steps);
  const energies: number[] = new Array<number>(chains * at.length);
  for (let c = 0; c < chains; c++) at.forEach((k, i) => (energies[c * at.length + i] = trace.energies[(k - 1) * trace.chains + c]!));
  return {
    kind: 'trace',
    step: o.step,
    nodeId: o.nodeId,
    steps: trace.steps,
    burnIn: Math.floor(o.burnIn * trace.steps),
    totalChains: trace.chains,
    chains,
    at,
    energies,
  };
}

export const monitorMcmcNode = defineNode({
  type: 'monitor.mcmc',
  version: 1,
  category: 'monitor',
  title: 'MCMC diagnostics',
  doc:
    'Checks how well the sampler mixes on the current model. At every snapshot it runs a batch of chains for a fixed ' +
    'number of steps (longer than training draws, starting from held-out data or from uniform noise over the data’s ' +
    'box; persistent chains and replay buffers are left alone) and records each chain’s energy after every step. ' +
    'After discarding a burn-in it reports the effective sample size of each chain’s energy trace (ess: n/τ, τ the ' +
    'integrated autocorrelation time by Geyer’s initial monotone sequence; ess_per_step = ess/n, 1 for independent ' +
    'draws), the split-R̂ of the energy over chains (rhat: near 1 once chains have forgotten their starts; above ' +
    '1.01–1.1 they disagree), the mean acceptance rate of a Metropolis-adjusted sampler (mcmc_acceptance; MALA aims ' +
    'at about 0.57, HMC at 0.65) and the mean energy at the chains’ end (mcmc_chain_energy). The energy is a ' +
    'one-dimensional summary: chains hopping between modes of equal energy look mixed to it. Starting from noise is ' +
    'the stricter test of R̂ (overdispersed starts, Gelman et al. 2013). It also shows the energy traces of its first ' +
    `${TRACE_CHAINS} chains (energy against sampler step, the burn-in shaded; "Energy traces" in the app, trace.png in ` +
    'the run folder): chains that have forgotten their starts settle into the same band and cross each other.',
  reference: 'methods.md §2.8 (TorchEBM _ess_from_chain); Geyer (1992); Gelman et al. (2013) BDA3 §11.4–11.5; Vehtari et al. (2021)',
  inputs: {
    trainer: { type: 'trainer', title: 'Run' },
    sampler: { type: 'sampler', title: 'Samples', optional: true, doc: 'The sampler to diagnose; the objective’s sampler when unconnected.' },
  },
  outputs: {},
  params: {
    chains: int({ title: 'Chains', doc: 'Independent chains per evaluation (R̂ compares them).', default: 64, min: 2, max: 4096, unit: 'chains' }),
    steps: int({
      title: 'Steps',
      doc: 'Sampler steps per chain, overriding the sampler’s own K: the autocorrelation needs chains many times longer than their autocorrelation time.',
      default: 200,
      min: 8,
      max: 100000,
      unit: 'steps',
    }),
    burnIn: num({ title: 'Burn-in', doc: 'Fraction of the steps discarded before the diagnostics (the chains still forgetting their starts).', default: 0.5, min: 0, max: 0.9 }),
    start: choice({
      title: 'Chains start from',
      doc: 'Where the chains begin.',
      default: 'data',
      options: [
        { value: 'data', label: 'Held-out data', doc: 'The first held-out points: near the typical set once the model fits.' },
        { value: 'noise', label: 'Noise', doc: 'Uniform over the data’s box: overdispersed starts, the stricter test of R̂.' },
        { value: 'sampler', label: 'As the sampler does', doc: 'The sampler’s own choice (its noise box, the held-out batch, or its replay buffer, read but not written).' },
      ],
    }),
  },
  check: (p) =>
    keptSteps(p) >= MIN_KEPT
      ? []
      : [{ code: 'PARAM_INVALID', severity: 'error', param: 'burnIn', message: `only ${keptSteps(p)} steps are left after the burn-in; the diagnostics need at least ${MIN_KEPT}` }],
  derived: (p) => ({
    kept: { value: keptSteps(p), unit: 'steps', doc: 'Steps per chain the diagnostics read, after the burn-in.' },
  }),
  build(ctx, p, { trainer, sampler }) {
    const { data } = trainer.optimizer.objective;
    const drawFrom = sampler ?? trainer.optimizer.objective.sampler;
    if (!drawFrom) throw new Error('there is no sampler to diagnose: connect one to its Samples input (the objective draws no samples)');
    if (keptSteps(p) < MIN_KEPT) throw new Error(`only ${keptSteps(p)} steps are left after the burn-in; the diagnostics need at least ${MIN_KEPT}`);
    const dim = data.dim;
    const nTest = data.test.shape[0];
    // The first held-out points, repeated if there are fewer than chains.
    const held = ctx.track(
      tf.tidy(() => tf.slice(tf.tile(data.test, [Math.ceil(p.chains / nTest), 1]), [0, 0], [p.chains, dim]) as tf.Tensor2D),
    );
    const drawRng = ctx.rng.split('chains');
    const startRng = ctx.rng.split('starts');
    const noiseStart = (): tf.Tensor2D => {
      const values = new Float32Array(p.chains * dim);
      for (let i = 0; i < p.chains; i++)
        data.bounds.forEach(([lo, hi], j) => {
          values[i * dim + j] = lo + (hi - lo) * startRng.next();
        });
      return tf.tensor2d(values, [p.chains, dim]);
    };

    ctx.monitor({
      nodeId: ctx.nodeId,
      trainer,
      plot: { kind: 'trace', nodeId: ctx.nodeId },
      async evaluate(step) {
        const start = p.start === 'noise' ? noiseStart() : p.start === 'data' ? held : undefined;
        let draw;
        try {
          draw = await drawFrom.sample({ data: held, rng: drawRng, persist: false, steps: p.steps, trace: true, ...(start ? { start } : {}) });
        } finally {
          if (start && start !== held) start.dispose();
        }
        const metrics: Record<string, number> = {};
        const read = tf.tidy(() => {
          const out: tf.Scalar[] = [tf.mean(drawFrom.energy.energy(draw.samples)) as tf.Scalar];
          if (draw.stats.acceptance) out.push(draw.stats.acceptance);
          return tf.stack(out);
        });
        const hasAcceptance = draw.stats.acceptance !== undefined;
        tf.dispose(draw.stats);
        draw.samples.dispose();
        const values = await read.data();
        read.dispose();
        metrics.mcmc_chain_energy = values[0]!;
        if (hasAcceptance) metrics.mcmc_acceptance = values[1]!;
        if (!draw.trace) return { metrics };
        if (draw.trace.steps >= MIN_KEPT) {
          const d = traceDiagnostics(draw.trace, p.burnIn);
          metrics.ess = d.ess;
          metrics.ess_per_step = d.essPerStep;
          metrics.rhat = d.rhat;
        }
        return { metrics, snapshot: traceSnapshot(draw.trace, { step, nodeId: ctx.nodeId, burnIn: p.burnIn }) };
      },
    });
    return {};
  },
});
