// What every MCMC sampler shares: where its chains start (noise, the data batch for CD-k, or a
// replay buffer of past chain ends), the replay buffer itself, and the record of the chains'
// energies for diagnostics. One definition, used by Langevin, MALA, HMC, annealed Langevin and the
// Replay buffer node.
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../app/runtime/rng.ts';
import type { Diagnostic } from '../../app/diagnostics.ts';
import type { BuildContext, ChainTrace, EnergyModel, SampleRequest } from '../define.ts';
import { choice, int, num, type ParamValues } from '../params.ts';

/** The chain-start parameters of every MCMC sampler node. */
export const CHAIN_START_PARAMS = {
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
} as const;

export type ChainStartParams = ParamValues<typeof CHAIN_START_PARAMS>;

/** The noise box must not be empty. */
export function checkNoiseBox(p: { noiseLow: number; noiseHigh: number }): Omit<Diagnostic, 'nodeId'>[] {
  return p.noiseLow < p.noiseHigh
    ? []
    : [{ code: 'PARAM_INVALID', severity: 'error', param: 'noiseHigh', message: `the noise box is empty: low ${p.noiseLow} must be below high ${p.noiseHigh}` }];
}

/**
 * A replay buffer of chain states (Du & Mordatch 2019), kept in JS memory: taking a batch and
 * writing it back are plain copies. Each taken chain restarts from `restart` with probability
 * `reinitProb`. Ends written back go to the slots taken ('random' replacement, the usual form), or
 * replace the oldest states ('fifo', IGEBM's ReplayBuffer). Only writes move the FIFO position, so a
 * take that is not written back (a monitor's draw) changes nothing.
 */
export class ReplayBuffer {
  private readonly states: Float32Array;
  private next = 0;

  constructor(
    readonly size: number,
    readonly dim: number,
    private readonly restart: (n: number, rng: Rng) => Float32Array,
    private readonly reinitProb: number,
    private readonly policy: 'random' | 'fifo',
    rng: Rng,
  ) {
    this.states = restart(size, rng);
  }

  /** n starting points, and the slots their ends go back to. */
  take(n: number, rng: Rng): { start: Float32Array; slots: Int32Array } {
    const d = this.dim;
    const slots = distinctSlots(this.size, n, rng);
    const start = new Float32Array(n * d);
    slots.forEach((slot, i) => {
      if (rng.next() < this.reinitProb) start.set(this.restart(1, rng), i * d);
      else start.set(this.states.subarray(slot * d, slot * d + d), i * d);
    });
    return { start, slots };
  }

  /** Writes chain ends (row-major, as many rows as slots) back. */
  put(slots: Int32Array, ends: Float32Array): void {
    const d = this.dim;
    slots.forEach((slot, i) => {
      const to = this.policy === 'fifo' ? (this.next + i) % this.size : slot;
      this.states.set(ends.subarray(i * d, i * d + d), to * d);
    });
    if (this.policy === 'fifo') this.next = (this.next + slots.length) % this.size;
  }
}

/** n slots of 0..size-1, distinct while n ≤ size (a partial Fisher–Yates shuffle), else with repeats. */
export function distinctSlots(size: number, n: number, rng: Rng): Int32Array {
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

/** Where one draw's chains start, and what to do with their ends. */
export interface ChainStart {
  x0: tf.Tensor2D;
  /** Writes the ends back where the start came from (a replay buffer when persisting), and
   * disposes x0 if this start made it. */
  finish(end: tf.Tensor2D | null): Promise<void>;
}

/**
 * The chain starts of a sampler with CHAIN_START_PARAMS: the request's own start when it gives one
 * (a Replay buffer node), else the data batch (CD-k), fresh noise, or the sampler's own buffer.
 */
export function chainStarts(ctx: BuildContext, p: ChainStartParams, dim: number): (req: SampleRequest) => ChainStart {
  const noise = (n: number, rng: Rng): Float32Array => rng.uniforms(n * dim, p.noiseLow, p.noiseHigh);
  const buffer = p.init === 'buffer' ? new ReplayBuffer(p.bufferSize, dim, noise, p.reinitProb, 'random', ctx.rng.split('buffer-init')) : null;
  const kept = (x0: tf.Tensor2D): ChainStart => ({ x0, finish: async () => {} });
  const made = (x0: tf.Tensor2D, after?: (end: tf.Tensor2D) => Promise<void>): ChainStart => ({
    x0,
    async finish(end) {
      x0.dispose();
      if (end && after) await after(end);
    },
  });
  return ({ data, rng, persist, start }) => {
    const n = data.shape[0];
    if (start) return kept(start);
    if (p.init === 'data') return kept(data);
    if (!buffer) return made(tf.tensor2d(noise(n, rng), [n, dim]));
    const { start: values, slots } = buffer.take(n, rng);
    return made(tf.tensor2d(values, [n, dim]), persist ? async (end) => buffer.put(slots, (await end.data()) as Float32Array) : undefined);
  };
}

/** E(x) per row and ∇ₓ ΣE in one pass. */
export function energyAndGradient(energy: EnergyModel): (x: tf.Tensor2D) => { value: tf.Tensor1D; grad: tf.Tensor2D } {
  const vg = tf.valueAndGrad((x: tf.Tensor) => energy.energy(x as tf.Tensor2D));
  return (x) => {
    const { value, grad } = vg(x);
    return { value: value as tf.Tensor1D, grad: grad as tf.Tensor2D };
  };
}

/** Collects each step's per-chain energies when a trace is asked for; one read at the end. */
export class TraceRecorder {
  private readonly steps: tf.Tensor1D[] = [];
  constructor(readonly enabled: boolean) {}

  /** Keeps a copy of this step's energies (the caller may dispose its own). */
  record(energies: tf.Tensor1D): void {
    if (this.enabled) this.steps.push(tf.keep(tf.clone(energies)));
  }

  async finish(): Promise<ChainTrace | undefined> {
    if (!this.enabled) return undefined;
    if (this.steps.length === 0) return { steps: 0, chains: 0, energies: new Float32Array(0) };
    const stacked = tf.stack(this.steps);
    const chains = this.steps[0]!.size;
    tf.dispose(this.steps);
    const energies = (await stacked.data()) as Float32Array;
    const trace = { steps: stacked.shape[0]!, chains, energies };
    stacked.dispose();
    return trace;
  }

  dispose(): void {
    tf.dispose(this.steps);
    this.steps.length = 0;
  }
}
