import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../app/runtime/rng.ts';
import { defineNode, type Draw } from '../define.ts';
import { choice, int, num } from '../params.ts';
import { checkNoiseBox, ReplayBuffer } from '../shared/chains.ts';

export const samplerReplayBufferNode = defineNode({
  type: 'sampler.replayBuffer',
  version: 1,
  category: 'sampler',
  title: 'Replay buffer',
  doc:
    'A replay buffer of past chain ends (Du & Mordatch 2019) in front of any MCMC sampler: each draw takes its chain ' +
    'starts from the buffer, restarts each of them with probability ρ from a restart distribution (a uniform box, ' +
    'a Gaussian, or random training points), lets the connected sampler run its chains from there (its own chain-start ' +
    'setting is bypassed) and, for training draws only, writes the ends back. Monitor draws leave the buffer alone. ' +
    'Replacement is “random” (ends go back to the slots they came from: persistent chains, as in JEM) or FIFO (ends ' +
    'overwrite the oldest slots while starts are drawn uniformly, as in IGEBM’s ReplayBuffer). The samplers’ own ' +
    '“Replay buffer” chain start is the simple form of this (random replacement, uniform restarts); use this node for ' +
    'the other policies and restart laws, or to give MALA, HMC or annealed Langevin one buffer design. Statistics and ' +
    'traces of the inner sampler pass through unchanged. A caller that gives its own chain starts (the MCMC ' +
    'diagnostics monitor starting from held-out data or noise) bypasses the buffer. Restarting from training points ' +
    'needs the Data input; without it the run stops at setup with an error. Defaults: 10 000 chains, ρ = 0.05 ' +
    '(Du & Mordatch; JEM).',
  reference: 'Du & Mordatch (2019) §3; Grathwohl et al. (2020) JEM; methods.md §1.1 and §3.9',
  inputs: {
    sampler: { type: 'sampler', title: 'Sampler', doc: 'The MCMC sampler that runs the chains.' },
    data: { type: 'dataset', title: 'Data', doc: 'Training points to restart from (restart law “data” only).', optional: true },
  },
  outputs: { sampler: { type: 'sampler', title: 'Samples' } },
  params: {
    bufferSize: int({ title: 'Buffer size', doc: 'Chains kept in the buffer.', default: 10000, min: 1, max: 10_000_000, unit: 'chains' }),
    reinitProb: num({
      title: 'Restart probability ρ',
      doc: 'Chance that a chain taken from the buffer restarts from the restart distribution instead (≈ 0.05).',
      default: 0.05,
      min: 0,
      max: 1,
    }),
    policy: choice({
      title: 'Replacement',
      doc: 'Where a training draw’s chain ends are written back.',
      default: 'random',
      options: [
        { value: 'random', label: 'Back to their slots', doc: 'Each end replaces the state it started from: persistent chains (JEM, the usual form).' },
        { value: 'fifo', label: 'FIFO', doc: 'Ends overwrite the oldest slots, in turn (IGEBM’s ReplayBuffer).' },
      ],
    }),
    restart: choice({
      title: 'Restart from',
      doc: 'The law of fresh chains: the initial buffer and every restart.',
      default: 'uniform',
      options: [
        { value: 'uniform', label: 'Uniform box', doc: 'Uniform on [low, high] in every coordinate (JEM, UvA: U[−1, 1] for images).' },
        { value: 'gaussian', label: 'Gaussian', doc: 'N(0, std²) in every coordinate.' },
        { value: 'data', label: 'Training points', doc: 'Random points of the connected data set (needs the Data input).' },
      ],
    }),
    noiseLow: num({ title: 'Noise box low', doc: 'Lower edge of the uniform box, every coordinate.', default: -4, visibleWhen: { param: 'restart', oneOf: ['uniform'] } }),
    noiseHigh: num({ title: 'Noise box high', doc: 'Upper edge of the uniform box, every coordinate.', default: 4, visibleWhen: { param: 'restart', oneOf: ['uniform'] } }),
    restartStd: num({
      title: 'Gaussian std',
      doc: 'Standard deviation of the Gaussian restart law, every coordinate.',
      default: 1,
      min: 0,
      exclusiveMin: true,
      visibleWhen: { param: 'restart', oneOf: ['gaussian'] },
    }),
  },
  check: (p) => (p.restart === 'uniform' ? checkNoiseBox(p) : []),
  build(ctx, p, { sampler: inner, data }) {
    const dim = inner.energy.inputDim;
    if (p.restart === 'data' && !data) throw new Error('restarting from “Training points” needs the Data input connected (or restart from the uniform box or a Gaussian)');
    if (p.restart === 'data' && data && data.dim !== dim)
      throw new Error(`the data are ${data.dim}-D but the sampler’s energy takes ${dim}-D points`);

    /** The restart law; the training points are read once, at the first draw. */
    async function restartLaw(): Promise<(n: number, rng: Rng) => Float32Array> {
      switch (p.restart) {
        case 'uniform':
          return (n, rng) => rng.uniforms(n * dim, p.noiseLow, p.noiseHigh);
        case 'gaussian':
          return (n, rng) => rng.normals(n * dim, 0, p.restartStd);
        case 'data': {
          const train = (await data!.train.data()) as Float32Array;
          const rows = data!.train.shape[0];
          return (n, rng) => {
            const out = new Float32Array(n * dim);
            for (let i = 0; i < n; i++) {
              const r = rng.int(rows);
              out.set(train.subarray(r * dim, (r + 1) * dim), i * dim);
            }
            return out;
          };
        }
      }
    }

    let ready: Promise<ReplayBuffer> | null = null;
    const bufferOf = () =>
      (ready ??= restartLaw().then((law) => new ReplayBuffer(p.bufferSize, dim, law, p.reinitProb, p.policy, ctx.rng.split('buffer-init'))));

    return {
      sampler: {
        nodeId: ctx.nodeId,
        energy: inner.energy,
        async sample(request): Promise<Draw> {
          // A start given by the caller (a monitor's fixed starts, an outer buffer) overrides the
          // buffer, as it would any sampler's own chain start: the buffer is neither read nor written.
          if (request.start) return inner.sample(request);
          const buffer = await bufferOf();
          const n = request.data.shape[0];
          const { start: values, slots } = buffer.take(n, request.rng);
          const start = tf.tensor2d(values, [n, dim]);
          let draw: Draw | null = null;
          try {
            draw = await inner.sample({ ...request, start });
            if (request.persist) {
              buffer.put(slots, (await draw.samples.data()) as Float32Array);
            }
            return draw;
          } catch (err) {
            if (draw) {
              if (draw.samples !== start) draw.samples.dispose();
              tf.dispose(draw.stats);
            }
            draw = null;
            throw err;
          } finally {
            // The start is ours, unless the wrapped sampler handed it back as its samples.
            if (draw?.samples !== start) start.dispose();
          }
        },
      },
    };
  },
});
