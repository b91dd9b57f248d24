// The node contract. One definition per node type (id, version, category, docs, typed ports,
// parameter specs and the runtime code) is read by the palette, inspector, compiler, runtime,
// exporter and docs alike. The runtime values that travel along edges are typed by port type.
import type * as tf from '@tensorflow/tfjs-core';
import type { Diagnostic } from '../app/diagnostics.ts';
import type { Rng } from '../app/runtime/rng.ts';
import type { PlotRequest, Snapshot } from '../app/runtime/events.ts';
import type { ParamSpecs, ParamValues } from './params.ts';

export type Category = 'data' | 'noise' | 'energy' | 'sampler' | 'objective' | 'optimizer' | 'trainer' | 'monitor';
export const CATEGORIES: readonly Category[] = ['data', 'noise', 'energy', 'sampler', 'objective', 'optimizer', 'trainer', 'monitor'];

/** A data set: a fixed training set, a held-out test set, and what is known about the truth. */
export interface Dataset {
  readonly nodeId: string;
  readonly name: string;
  readonly dim: number;
  readonly train: tf.Tensor2D;
  readonly test: tf.Tensor2D;
  /** A box that holds the data, per dimension [lo, hi]: for grids, plots and noise boxes. */
  readonly bounds: readonly (readonly [number, number])[];
  /** Differential entropy of the true density in nats, where known (methods.md §4.3). */
  readonly entropy?: number;
  /** Parameters of the true density, where it has some (e.g. a Gaussian's mean and variance). */
  readonly truth?: Record<string, number | number[]>;
  /** A batch of n training points, drawn with replacement. */
  batch(n: number, rng: Rng): tf.Tensor2D;
  /** The true density, where it is known in closed form (Gaussian data, Gaussian mixtures): for
   * the Fisher divergence to the true score and for checks. */
  readonly density?: KnownDensity;
}

/** A density known in closed form. */
export interface KnownDensity {
  /** log p(x), one value per row. */
  logDensity(x: tf.Tensor2D): tf.Tensor1D;
  /** The score ∇ₓ log p(x), one row per row of x. */
  score(x: tf.Tensor2D): tf.Tensor2D;
}

/** A noise distribution with a density, for noise-contrastive estimation: it can be sampled and
 * its log-density evaluated. Fixed once built (fitted to the data at build time where it is). */
export interface NoiseDistribution {
  readonly nodeId: string;
  readonly dim: number;
  /** n points, row-major n × dim. */
  sample(n: number, rng: Rng): tf.Tensor2D;
  /** log p_n(x), one value per row; −∞ outside its support. */
  logDensity(x: tf.Tensor2D): tf.Tensor1D;
}

/** An energy function E_θ: R^d → R, p_θ(x) ∝ exp(−E_θ(x)). */
export interface EnergyModel {
  readonly nodeId: string;
  readonly inputDim: number;
  /** The trainable parameters θ. */
  readonly variables: readonly tf.Variable[];
  /** One energy per row of x. */
  energy(x: tf.Tensor2D): tf.Tensor1D;
  /** Named values read off the parameters for summaries (a Gaussian's mean and variance). */
  readouts?(): Record<string, number | number[]>;
}

export interface SampleRequest {
  /** The positive batch: chains that start at the data (CD-k) start here; n = its rows. */
  data: tf.Tensor2D;
  /** The caller's stream: every node draws from its own, so monitors never shift training. */
  rng: Rng;
  /** False for monitors: draw without touching persistent chains or replay buffers. */
  persist: boolean;
  /** Where the chains start, overriding the sampler's own choice (a replay buffer node's draw);
   * as many rows as `data`. The caller keeps it. */
  start?: tf.Tensor2D;
  /** Overrides the number of MCMC steps (diagnostics run longer chains than training). */
  steps?: number;
  /** Record every chain's energy after every step (for ESS and the energy trace). */
  trace?: boolean;
}

/** The energy of every chain after every step of one draw. */
export interface ChainTrace {
  readonly steps: number;
  readonly chains: number;
  /** steps × chains, row-major: energies[k·chains + c] is chain c's energy after step k + 1. */
  readonly energies: Float32Array;
}

/** One draw: the samples and the draw's statistics. The caller disposes both. */
export interface Draw {
  samples: tf.Tensor2D;
  /** Per-draw statistics that become training metrics: the acceptance rate of Metropolis-adjusted
   * samplers ('acceptance'), the mean energy at the chains' end ('chain_energy')... */
  stats: Record<string, tf.Scalar>;
  /** Present when the request asked for it. */
  trace?: ChainTrace;
}

/** Draws approximate samples from p_θ. No gradient flows through it. */
export interface Sampler {
  readonly nodeId: string;
  readonly energy: EnergyModel;
  sample(request: SampleRequest): Promise<Draw>;
}

export interface LossTerms {
  loss: tf.Scalar;
  /** Training metrics reported with the loss: mean energies, their gap... */
  metrics: Record<string, tf.Scalar>;
}

/** What an objective draws before the loss: tensors the loss reads, and statistics of the draw
 * (a sampler's acceptance rate...) reported with the step's metrics. The optimizer disposes both. */
export interface Prepared {
  tensors: Record<string, tf.Tensor>;
  stats?: Record<string, tf.Scalar>;
}

/** A training objective: what to draw outside the gradient tape, and the loss on it. Nodes draw
 * their randomness from their own stream (BuildContext.rng). */
export interface Objective {
  readonly nodeId: string;
  readonly energy: EnergyModel;
  readonly data: Dataset;
  readonly sampler?: Sampler;
  /** Everything the optimizer updates: the energy's parameters and the objective's own (a log Z). */
  readonly variables: readonly tf.Variable[];
  /** Draws the batch (and MCMC samples, noise...); nothing here is differentiated. */
  prepare(batchSize: number): Promise<Prepared>;
  /** The loss on what prepare drew; differentiated with respect to `variables`. */
  loss(tensors: Record<string, tf.Tensor>): LossTerms;
}

export interface Optimizer {
  readonly nodeId: string;
  readonly objective: Objective;
  /** One parameter update. Returns the step's metrics as scalars the caller disposes. */
  step(batchSize: number): Promise<Record<string, tf.Scalar>>;
}

export interface Trainer {
  readonly nodeId: string;
  readonly optimizer: Optimizer;
  readonly steps: number;
  readonly batchSize: number;
  readonly logEvery: number;
  readonly snapshotEvery: number;
}

export interface MonitorReport {
  metrics: Record<string, number>;
  snapshot?: Snapshot;
}

/** Watches a trainer; evaluated at each snapshot step and at the end of the run. */
export interface Monitor {
  readonly nodeId: string;
  readonly trainer: Trainer;
  /** The figure this monitor asks for (in the app and as a PNG in the run folder). */
  readonly plot?: PlotRequest;
  evaluate(step: number): Promise<MonitorReport>;
}

/** The value that travels along an edge, by port type. */
export interface PortValues {
  dataset: Dataset;
  noise: NoiseDistribution;
  energy: EnergyModel;
  sampler: Sampler;
  objective: Objective;
  optimizer: Optimizer;
  trainer: Trainer;
}
export type PortType = keyof PortValues;

export const PORT_TYPES: Record<PortType, { title: string; color: string; doc: string }> = {
  dataset: { title: 'Data', color: '#2f80ed', doc: 'Training and held-out points' },
  noise: { title: 'Noise', color: '#6fcf97', doc: 'A distribution with a density: the contrast of noise-contrastive estimation' },
  energy: { title: 'Energy', color: '#eb5757', doc: 'An energy function E(x) with trainable parameters' },
  sampler: { title: 'Sampler', color: '#9b51e0', doc: 'Draws samples from exp(−E)' },
  objective: { title: 'Objective', color: '#f2994a', doc: 'A training loss on the energy' },
  optimizer: { title: 'Optimizer', color: '#27ae60', doc: 'Updates the parameters from the loss' },
  trainer: { title: 'Trainer', color: '#56ccf2', doc: 'The training loop' },
};

export interface PortDef<T extends PortType = PortType> {
  type: T;
  title: string;
  doc?: string;
  optional?: boolean;
}
export type PortMap = Record<string, PortDef>;

export type InputValues<I extends PortMap> = {
  [K in keyof I]: I[K]['optional'] extends true ? PortValues[I[K]['type']] | undefined : PortValues[I[K]['type']];
};
export type OutputValues<O extends PortMap> = { [K in keyof O]: PortValues[O[K]['type']] };

export interface BuildContext {
  readonly nodeId: string;
  /** This node's own random stream. */
  readonly rng: Rng;
  /** Disposed when the run ends: variables, persistent tensors, optimizers. */
  track<T extends { dispose(): void }>(disposable: T): T;
  /** Registers a monitor (monitor nodes). */
  monitor(monitor: Monitor): void;
}

export interface NodeDef<P extends ParamSpecs = ParamSpecs, I extends PortMap = PortMap, O extends PortMap = PortMap> {
  /** Stable id, saved in files: `category.name`. */
  readonly type: string;
  /** Bumped when params change meaning; `migrate` brings older params up to date. */
  readonly version: number;
  readonly category: Category;
  readonly title: string;
  /** A paragraph for people: what it does and when to use it. */
  readonly doc: string;
  /** The paper or code it follows. */
  readonly reference?: string;
  readonly inputs: I;
  readonly outputs: O;
  readonly params: P;
  /** Dimension of the points this node produces (data) or takes (energy), known before running.
   * Nodes without it take the dimension of their inputs, which must agree. */
  dim?(params: ParamValues<P>): number;
  /** The only dimension this node works in (e.g. 2 for 2D plots). */
  readonly requiresDim?: number;
  /** Energy nodes: whether the second derivatives of E with respect to x (and their parameter
   * gradients) can be trusted with these parameters. Objectives that need them check it. */
  secondOrder?(params: ParamValues<P>): SecondOrderSupport;
  /** Objective nodes: the loss differentiates ∇ₓE with respect to θ (score matching, KSD), so the
   * energy must have verified second derivatives (see secondOrder). */
  readonly needsSecondOrder?: boolean;
  /** Checks that involve several parameters at once. */
  check?(params: ParamValues<P>): Omit<Diagnostic, 'nodeId'>[];
  /** Quantities implied by the parameters, shown beside the form (e.g. a sampler's temperature). */
  derived?(params: ParamValues<P>): Record<string, { value: number; unit?: string; doc: string }>;
  /** Brings params written for an older `version` up to date. */
  migrate?(params: Record<string, unknown>, fromVersion: number): Record<string, unknown>;
  build(ctx: BuildContext, params: ParamValues<P>, inputs: InputValues<I>): OutputValues<O>;
}

/** Whether an energy's second derivatives are usable by score-based objectives: they are
 * verified against finite differences (nodes/shared/autodiff.ts), or why not. */
export type SecondOrderSupport = { ok: true } | { ok: false; reason: string };

/** Erased node type for catalogs and the compiler (method syntax above keeps it assignable). */
export type AnyNodeDef = NodeDef<ParamSpecs, PortMap, PortMap>;

/** Declares a node type; keeps the literal types of its ports and params for `build`. */
export function defineNode<const P extends ParamSpecs, const I extends PortMap, const O extends PortMap>(def: NodeDef<P, I, O>): NodeDef<P, I, O> {
  return def;
}
