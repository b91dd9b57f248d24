// Run events as a real run streams them (app/runtime/train.ts): started, progress every few
// steps with the monitors' metrics now and then, snapshots, final samples, finished or failed.
import type { RunData, RunRecord } from '../../../app/api/contract.ts';
import type { Diagnostic } from '../../../app/diagnostics.ts';
import type { PlotRequest, RunEvent, Snapshot, Summary } from '../../../app/runtime/events.ts';

export const RUN_ID = 'moons-cd-20250101-120000';
export const PLOTS: PlotRequest[] = [
  { kind: 'curves', nodeId: 'curves', smoothing: 0.6 },
  { kind: 'samples', nodeId: 'density' },
];

export function started(overrides: Partial<Extract<RunEvent, { type: 'started' }>> = {}): RunEvent {
  return { type: 'started', runId: RUN_ID, backend: 'wasm', backendNotes: ['tensorflow: @tensorflow/tfjs-node is not installed'], totalSteps: 1000, plots: PLOTS, ...overrides };
}

/** The metrics a step logs: training averages, and the density monitor's every `monitorEvery` steps. */
export function metricsAt(step: number, monitorEvery = 100): Record<string, number> {
  const decay = Math.exp(-step / 250);
  const m: Record<string, number> = {
    loss: 2 * decay + 0.3 + 0.01 * Math.sin(step),
    e_data: -3 * (1 - decay),
    e_samples: -3 * (1 - decay) + 0.5 * decay,
    gap: -0.5 * decay,
    grad_norm: 10 * decay + 0.5,
  };
  if (step % monitorEvery === 0) {
    m.nll = 3 + decay;
    m.nll_minus_entropy = 0.16 + decay;
    m.mmd2 = 0.3 * decay + 0.002;
  }
  return m;
}

export function progress(step: number, totalSteps = 1000, metrics: Record<string, number> = metricsAt(step)): RunEvent {
  return { type: 'progress', step, totalSteps, metrics, stepsPerSecond: 14.5 };
}

export function snapshot(step: number, nodeId = 'density'): Snapshot {
  const n = 4;
  return {
    step,
    nodeId,
    bounds: [
      [-2, 2],
      [-1.5, 1.5],
    ],
    gridSize: n,
    energy: Array.from({ length: n * n }, (_, i) => (i % n) * 0.5 + step * 1e-3),
    samples: [0.1, 0.2, -0.3, 0.4, 1.1, -0.9],
    data: [0, 0, 1, 1],
  };
}

export function summary(overrides: Partial<Summary> = {}): Summary {
  return {
    status: 'completed',
    title: 'Two moons, contrastive divergence',
    seed: 1,
    backend: 'wasm',
    steps: 1000,
    totalSteps: 1000,
    seconds: 68.9,
    stepsPerSecond: 14.5,
    final: { loss: 0.31, nll: 3.02, nll_minus_entropy: 0.18, mmd2: 0.0031 },
    readouts: {},
    truth: {},
    knownAnswers: [],
    ...overrides,
  };
}

export const NON_FINITE: Diagnostic = {
  code: 'NON_FINITE',
  severity: 'error',
  message: 'at step 412 the gradient became NaN in Adam. Lower the learning rate or clip the gradient norm.',
  nodeId: 'adam',
  step: 412,
};

/** started, then progress every `every` steps up to `steps` (with a snapshot every 100), in the order the runtime emits them. */
export function streamTo(steps: number, every = 10, totalSteps = 1000): RunEvent[] {
  const events: RunEvent[] = [started({ totalSteps })];
  for (let step = every; step <= steps; step += every) {
    if (step % 100 === 0) events.push({ type: 'snapshot', snapshot: snapshot(step) });
    events.push(progress(step, totalSteps));
  }
  return events;
}

export function record(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    runId: RUN_ID,
    title: 'Two moons, contrastive divergence',
    startedAt: '2025-01-01T12:00:00.000Z',
    state: 'completed',
    backend: 'wasm',
    folder: `runs/${RUN_ID}`,
    summary: summary(),
    ...overrides,
  };
}

export function runData(overrides: Partial<RunData> = {}): RunData {
  const metrics = [];
  for (let step = 10; step <= 1000; step += 10) metrics.push({ step, ...metricsAt(step) });
  return {
    record: record(),
    document: null,
    plots: PLOTS,
    totalSteps: 1000,
    metrics,
    snapshots: [snapshot(900, 'density'), snapshot(1000, 'density2'), snapshot(500, 'density3')],
    ...overrides,
  };
}
