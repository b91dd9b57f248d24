// The training loop: builds a compiled plan into live nodes, runs the trainers step by step,
// evaluates the monitors, and streams events. Nothing here touches files or threads: the run
// folder and the worker listen to the events (app/runtime/node/).
import * as tf from '@tensorflow/tfjs-core';
import type { Plan } from '../compile/compile.ts';
import { error, type Diagnostic } from '../diagnostics.ts';
import type { BuildContext, InputValues, Monitor, PortMap, PortValues, Trainer } from '../../nodes/define.ts';
import type { BackendName, PlotRequest, RunEvent, Summary } from './events.ts';
import { Rng } from './rng.ts';

export interface RunOptions {
  backend: BackendName;
  backendNotes?: string[];
  runId: string;
  /** Overrides every trainer's step count. */
  steps?: number;
  /** Polled once per step; true ends the run as cancelled. */
  shouldStop?: () => boolean;
  emit: (event: RunEvent) => void;
  outDir?: string;
}

/** How many final samples a run draws per trainer (fewer when the held-out set is smaller). */
const FINAL_SAMPLES = 1000;

/** Thrown inside the loop to stop with a diagnostic; anything else becomes RUN_ERROR. */
class RunFailure extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.message);
  }
}

interface TrainerState {
  trainer: Trainer;
  name: string;
  /** Sums of each metric since the last log line, for the logged averages. */
  sums: Map<string, number>;
  count: number;
  /** The last step's values. */
  last: Record<string, number>;
}

/**
 * A plan built into live nodes, advanced one step at a time. `runPlan` drives it to the end; the
 * benchmark drives it step by step, so that it measures exactly this code.
 */
export class TrainingSession {
  readonly totalSteps: number;
  /** Steps completed. */
  step = 0;
  private readonly started = performance.now();
  private readonly final: Record<string, number> = {};
  private lastLogTime = performance.now();
  private lastLogStep = 0;

  private constructor(
    private readonly plan: Plan,
    private readonly options: RunOptions,
    private readonly outputs: Map<string, Record<string, PortValues[keyof PortValues]>>,
    private readonly states: TrainerState[],
    private readonly monitors: Monitor[],
    private readonly disposables: { dispose(): void }[],
  ) {
    this.totalSteps = Math.max(0, ...states.map((s) => this.stepsOf(s)));
  }

  /** Builds every node, inputs first. Throws RunFailure naming the node that could not be built. */
  static create(plan: Plan, options: RunOptions): TrainingSession {
    const disposables: { dispose(): void }[] = [];
    const monitors: Monitor[] = [];
    const outputs = new Map<string, Record<string, PortValues[keyof PortValues]>>();
    const root = new Rng(plan.document.seed);
    try {
      for (const node of plan.nodes) {
        const ctx: BuildContext = {
          nodeId: node.id,
          rng: root.split(node.id),
          track: (d) => (disposables.push(d), d),
          monitor: (m) => monitors.push(m),
        };
        const inputs = Object.fromEntries(Object.entries(node.inputs).map(([port, ref]) => [port, outputs.get(ref.node)?.[ref.port]]));
        try {
          outputs.set(node.id, node.def.build(ctx, node.params, inputs as InputValues<PortMap>) as Record<string, PortValues[keyof PortValues]>);
        } catch (e) {
          throw new RunFailure(error('NODE_BUILD_FAILED', `${node.name} (${node.def.title}) could not be set up: ${messageOf(e)}`, { nodeId: node.id }));
        }
      }
    } catch (e) {
      for (const d of disposables) d.dispose();
      throw e;
    }
    const states: TrainerState[] = plan.trainers.map((id) => ({
      trainer: outputs.get(id)!.trainer as Trainer,
      name: plan.nodes.find((n) => n.id === id)!.name,
      sums: new Map(),
      count: 0,
      last: {},
    }));
    return new TrainingSession(plan, options, outputs, states, monitors, disposables);
  }

  get plots(): PlotRequest[] {
    return this.monitors.flatMap((m) => (m.plot ? [m.plot] : []));
  }

  /** The last step's raw metrics of the first trainer (the benchmark reads its loss). */
  get lastMetrics(): Record<string, number> {
    return this.states[0]?.last ?? {};
  }

  private stepsOf(s: TrainerState): number {
    return this.options.steps ?? s.trainer.steps;
  }

  private prefix(s: TrainerState, key: string): string {
    return this.states.length > 1 ? `${s.name}/${key}` : key;
  }

  /** One step of every trainer still running; logs and evaluates the monitors when it is time. */
  async advance(): Promise<void> {
    const step = this.step + 1;
    let log = step === this.totalSteps;
    let snapshot = step === this.totalSteps;
    for (const s of this.states) {
      if (step > this.stepsOf(s)) continue;
      await trainStep(s, step, this.plan);
      const last = step === this.stepsOf(s);
      if (step % s.trainer.logEvery === 0 || last) log = true;
      if (step % s.trainer.snapshotEvery === 0 || last) snapshot = true;
    }
    this.step = step;
    if (log || snapshot) await this.report(snapshot);
  }

  /** Emits a progress event with the averages since the last one, after the monitors when asked. */
  private async report(withMonitors: boolean): Promise<void> {
    const row: Record<string, number> = {};
    for (const s of this.states) {
      if (s.count === 0) continue;
      for (const [k, v] of s.sums) row[this.prefix(s, k)] = v / s.count;
      s.sums.clear();
      s.count = 0;
    }
    if (withMonitors) {
      for (const m of this.monitors) {
        const report = await evaluateMonitor(m, this.step, this.plan);
        const s = this.states.find((st) => st.trainer === m.trainer);
        for (const [k, v] of Object.entries(report.metrics)) row[s ? this.prefix(s, k) : k] = v;
        if (report.snapshot) this.options.emit({ type: 'snapshot', snapshot: report.snapshot });
      }
    }
    Object.assign(this.final, row);
    const now = performance.now();
    const stepsPerSecond = ((this.step - this.lastLogStep) * 1000) / Math.max(now - this.lastLogTime, 1e-3);
    this.options.emit({ type: 'progress', step: this.step, totalSteps: this.totalSteps, metrics: row, stepsPerSecond });
    this.lastLogTime = now;
    this.lastLogStep = this.step;
  }

  /** Draws each trainer's final samples (chains started at held-out points, no persistent state
   * touched) and emits them. */
  async emitFinalSamples(): Promise<void> {
    for (const s of this.states) {
      const { sampler, data } = s.trainer.optimizer.objective;
      if (!sampler) continue;
      const n = Math.min(FINAL_SAMPLES, data.test.shape[0]);
      const start = tf.slice(data.test, [0, 0], [n, data.dim]);
      const rng = new Rng(this.plan.document.seed).split(`final-samples:${s.trainer.nodeId}`);
      try {
        const draw = await sampler.sample({ data: start, rng, persist: false });
        tf.dispose(draw.stats);
        const values = Array.from(await draw.samples.data());
        draw.samples.dispose();
        this.options.emit({ type: 'samples', step: this.step, trainerId: s.trainer.nodeId, samplerId: sampler.nodeId, dim: data.dim, values });
      } finally {
        start.dispose();
      }
    }
  }

  summary(status: Summary['status'], diagnostic?: Diagnostic): Summary {
    return summarise(this.plan, this.options, this.outputs, {
      status,
      steps: this.step,
      totalSteps: this.totalSteps,
      seconds: (performance.now() - this.started) / 1000,
      final: this.final,
      ...(diagnostic ? { diagnostic } : {}),
    });
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.disposables.length = 0;
  }
}

/** Builds the plan, runs every trainer to its last step (or a cancel), and streams the events. */
export async function runPlan(plan: Plan, options: RunOptions): Promise<Summary> {
  let session: TrainingSession | undefined;
  try {
    session = TrainingSession.create(plan, options);
    options.emit({
      type: 'started',
      runId: options.runId,
      backend: options.backend,
      backendNotes: options.backendNotes ?? [],
      totalSteps: session.totalSteps,
      plots: session.plots,
      ...(options.outDir ? { outDir: options.outDir } : {}),
    });
    while (session.step < session.totalSteps && !options.shouldStop?.()) await session.advance();
    await session.emitFinalSamples();
    const result = session.summary(session.step < session.totalSteps ? 'cancelled' : 'completed');
    options.emit({ type: 'finished', summary: result });
    return result;
  } catch (e) {
    const step = (session?.step ?? 0) + 1;
    const diagnostic = e instanceof RunFailure ? e.diagnostic : error('RUN_ERROR', `the run stopped at step ${step}: ${messageOf(e)}`, { step });
    const result = session
      ? session.summary('failed', diagnostic)
      : summarise(plan, options, new Map(), { status: 'failed', steps: 0, totalSteps: 0, seconds: 0, final: {}, diagnostic });
    options.emit({ type: 'failed', diagnostic, summary: result });
    return result;
  } finally {
    session?.dispose();
  }
}

interface Outcome {
  status: Summary['status'];
  steps: number;
  totalSteps: number;
  seconds: number;
  final: Record<string, number>;
  diagnostic?: Diagnostic;
}

/** The summary: the outcome, each energy's readouts, each data set's truth, and the two side by side. */
function summarise(plan: Plan, options: RunOptions, outputs: Map<string, Record<string, PortValues[keyof PortValues]>>, o: Outcome): Summary {
  const readouts: Summary['readouts'] = {};
  const truth: Summary['truth'] = {};
  for (const node of plan.nodes) {
    const out = outputs.get(node.id);
    const energy = out?.energy as PortValues['energy'] | undefined;
    const data = out?.data as PortValues['dataset'] | undefined;
    if (node.def.category === 'energy' && energy?.readouts) readouts[node.id] = energy.readouts();
    if (node.def.category === 'data' && data) truth[node.id] = { ...(data.truth ?? {}), ...(data.entropy !== undefined ? { entropy: data.entropy } : {}) };
  }
  const knownAnswers: Summary['knownAnswers'] = [];
  for (const id of plan.trainers) {
    const objective = (outputs.get(id)?.trainer as Trainer | undefined)?.optimizer.objective;
    const recovered = objective && readouts[objective.energy.nodeId];
    const known = objective && truth[objective.data.nodeId];
    if (!recovered || !known) continue;
    for (const quantity of Object.keys(recovered))
      if (quantity in known)
        knownAnswers.push({ quantity, energyNode: objective.energy.nodeId, dataNode: objective.data.nodeId, recovered: recovered[quantity]!, truth: known[quantity]! });
  }
  return {
    status: o.status,
    title: plan.document.metadata.title,
    seed: plan.document.seed,
    backend: options.backend,
    steps: o.steps,
    totalSteps: o.totalSteps,
    seconds: o.seconds,
    stepsPerSecond: o.seconds > 0 ? o.steps / o.seconds : 0,
    final: { ...o.final },
    readouts,
    truth,
    knownAnswers,
    ...(o.diagnostic ? { error: o.diagnostic } : {}),
    ...(options.outDir ? { outDir: options.outDir } : {}),
  };
}

/** One optimizer step of one trainer; its metrics are read back (one transfer) and checked. */
async function trainStep(s: TrainerState, step: number, plan: Plan): Promise<void> {
  let metrics: Record<string, tf.Scalar>;
  try {
    metrics = await s.trainer.optimizer.step(s.trainer.batchSize);
  } catch (e) {
    const objective = s.trainer.optimizer.objective;
    throw new RunFailure(error('STEP_FAILED', `step ${step} failed in ${nodeName(plan, objective.nodeId)}: ${messageOf(e)}`, { nodeId: objective.nodeId, step }));
  }
  const names = Object.keys(metrics);
  const packed = tf.stack(Object.values(metrics));
  tf.dispose(Object.values(metrics));
  const values = await packed.data();
  packed.dispose();
  const value: Record<string, number> = {};
  names.forEach((n, i) => (value[n] = values[i]!));
  const bad = names.filter((n) => !Number.isFinite(value[n]));
  if (bad.length) throw new RunFailure(nonFiniteDiagnostic(s, step, value, plan));
  for (const n of names) s.sums.set(n, (s.sums.get(n) ?? 0) + value[n]!);
  s.count++;
  s.last = value;
}

/** Names the node most likely at fault when a step's numbers stop being finite. */
function nonFiniteDiagnostic(s: TrainerState, step: number, v: Record<string, number>, plan: Plan): Diagnostic {
  const { objective } = s.trainer.optimizer;
  const show = (k: string) => `${k} = ${v[k]}`;
  const where = (nodeId: string) => ({ nodeId, step });
  if ('e_data' in v && !Number.isFinite(v.e_data))
    return error('NON_FINITE', `at step ${step} the energy of the data became ${v.e_data} in ${nodeName(plan, objective.energy.nodeId)}: the parameters diverged. Lower the learning rate, clip the gradient norm, or raise the energy L2 term.`, where(objective.energy.nodeId));
  if ('e_samples' in v && !Number.isFinite(v.e_samples) && objective.sampler)
    return error('NON_FINITE', `at step ${step} the samples of ${nodeName(plan, objective.sampler.nodeId)} diverged (${show('e_samples')}). Lower its step size or clip its gradient.`, where(objective.sampler.nodeId));
  if ('grad_norm' in v && !Number.isFinite(v.grad_norm))
    return error('NON_FINITE', `at step ${step} the gradient became ${v.grad_norm} in ${nodeName(plan, s.trainer.optimizer.nodeId)}. Lower the learning rate or clip the gradient norm.`, where(s.trainer.optimizer.nodeId));
  return error('NON_FINITE', `at step ${step} the loss of ${nodeName(plan, objective.nodeId)} became ${v.loss}. Lower the learning rate or clip the gradient norm.`, where(objective.nodeId));
}

async function evaluateMonitor(m: Monitor, step: number, plan: Plan) {
  try {
    return await m.evaluate(step);
  } catch (e) {
    throw new RunFailure(error('MONITOR_FAILED', `${nodeName(plan, m.nodeId)} failed to evaluate at step ${step}: ${messageOf(e)}`, { nodeId: m.nodeId, step }));
  }
}

const nodeName = (plan: Plan, id: string): string => {
  const n = plan.nodes.find((p) => p.id === id);
  return n ? `"${n.name}" (${n.def.title})` : `"${id}"`;
};

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
