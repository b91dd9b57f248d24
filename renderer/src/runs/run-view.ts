// The state of the run being shown, and how RunEvents change it. Pure: no React, no DOM, so the
// node tests import it as it is.
//
// Metrics are kept as columns (one Float64Array per metric next to the steps), the shape uPlot
// draws from. A run logs up to tens of thousands of rows at up to tens of events a second, so the
// columns are append-only and shared between successive views: each view records how many rows it
// sees (`rows`), appending writes past the end of the shared arrays (doubling their capacity when
// full) and never changes a row that any view can see. An older view therefore stays exactly what
// it was. Appending from a view that is not the newest one (a branch) copies its rows first, so
// applyRunEvent behaves as a pure function whatever it is called on.
import type { RunData } from '../../../app/api/contract.ts';
import type { Diagnostic } from '../../../app/diagnostics.ts';
import type { BackendName, PlotRequest, RunEvent, SamplesSnapshot, Snapshot, Summary, TraceSnapshot } from '../../../app/runtime/events.ts';

export type RunViewState = 'starting' | 'running' | 'completed' | 'cancelled' | 'failed' | 'interrupted';

/** What the editor needs to mark the guilty node and what the failure box says. */
export interface RunFailure {
  readonly code: string;
  readonly message: string;
  readonly nodeId?: string;
  readonly step?: number;
}

/** The final samples a trainer's sampler drew when the run ended (the `samples` event). */
export interface FinalSamples {
  readonly step: number;
  readonly trainerId: string;
  readonly samplerId: string;
  readonly dim: number;
  readonly values: readonly number[];
}

/** The storage shared, append-only, by successive views of one run. Never mutate it outside this file. */
interface ColumnStore {
  /** Rows written; the newest view sees all of them. */
  length: number;
  capacity: number;
  steps: Float64Array;
  readonly columns: Map<string, MutableColumn>;
}

interface MutableColumn {
  values: Float64Array;
  /** 1 where the row logged this metric (its value may still be NaN), 0 where it did not. */
  logged: Uint8Array;
}

/** The metrics of a run as columns. Read them with metricSteps and metricColumn. */
export interface MetricsTable {
  /** Rows this view sees. */
  readonly rows: number;
  /** Metric names in order of first appearance. */
  readonly names: readonly string[];
  /** @internal shared storage; read through metricSteps/metricColumn. */
  readonly store: ColumnStore;
}

/** One metric's column, `rows` long: the value, and whether the row logged it at all. */
export interface MetricColumn {
  readonly values: Float64Array;
  readonly logged: Uint8Array;
}

export interface RunView {
  readonly runId: string | null;
  readonly title: string;
  readonly state: RunViewState;
  readonly backend: BackendName | null;
  readonly backendNotes: readonly string[];
  readonly step: number;
  readonly totalSteps: number;
  readonly stepsPerSecond: number;
  /** ISO time; null when not known. */
  readonly startedAt: string | null;
  /** The run folder, as the host shows it. */
  readonly folder: string | null;
  readonly plots: readonly PlotRequest[];
  readonly metrics: MetricsTable;
  /** The last samples snapshot of each 2D monitor, by the monitor's node id. */
  readonly snapshots: Readonly<Record<string, SamplesSnapshot>>;
  /** The node id of the 2D monitor that sent the newest samples snapshot. */
  readonly lastSnapshotNode: string | null;
  /** The last energy traces of each MCMC monitor, by the monitor's node id. */
  readonly traces: Readonly<Record<string, TraceSnapshot>>;
  /** The node id of the MCMC monitor that sent the newest traces. */
  readonly lastTraceNode: string | null;
  /** The final samples, by trainer id. */
  readonly finalSamples: Readonly<Record<string, FinalSamples>>;
  readonly summary: Summary | null;
  readonly failure: RunFailure | null;
  /** A reopened run (from the runs folder) rather than one followed live. */
  readonly reopened: boolean;
  /** Grows by one for each change: a cheap key for memos and effects. */
  readonly version: number;
}

const INITIAL_CAPACITY = 256;

function newStore(capacity = INITIAL_CAPACITY): ColumnStore {
  return { length: 0, capacity, steps: new Float64Array(capacity), columns: new Map() };
}

export function emptyMetrics(): MetricsTable {
  return { rows: 0, names: [], store: newStore() };
}

function grown<T extends Float64Array | Uint8Array>(array: T, capacity: number, fill?: number): T {
  const next = (array instanceof Float64Array ? new Float64Array(capacity) : new Uint8Array(capacity)) as T;
  next.set(array.subarray(0, Math.min(array.length, capacity)));
  if (fill !== undefined && capacity > array.length) next.fill(fill, array.length);
  return next;
}

function newColumn(capacity: number): MutableColumn {
  return { values: new Float64Array(capacity).fill(NaN), logged: new Uint8Array(capacity) };
}

/** A store holding exactly the rows and columns a view sees: what appending from an older view starts from. */
function forkStore(table: MetricsTable): ColumnStore {
  const capacity = Math.max(INITIAL_CAPACITY, table.rows * 2);
  const store = newStore(capacity);
  store.steps.set(table.store.steps.subarray(0, table.rows));
  for (const name of table.names) {
    const from = table.store.columns.get(name);
    const column = newColumn(capacity);
    if (from) {
      column.values.set(from.values.subarray(0, table.rows));
      column.logged.set(from.logged.subarray(0, table.rows));
    }
    store.columns.set(name, column);
  }
  store.length = table.rows;
  return store;
}

function ensureCapacity(store: ColumnStore, needed: number): void {
  if (needed <= store.capacity) return;
  let capacity = store.capacity;
  while (capacity < needed) capacity *= 2;
  store.steps = grown(store.steps, capacity);
  for (const column of store.columns.values()) {
    column.values = grown(column.values, capacity, NaN);
    column.logged = grown(column.logged, capacity);
  }
  store.capacity = capacity;
}

/** A metric value from a row: numbers as they are; null and anything else JSON may carry as NaN. */
function toValue(v: unknown): number {
  return typeof v === 'number' ? v : NaN;
}

/**
 * The table with rows appended (each a step and its metrics). Amortised O(1) a value: writes into
 * the shared columns, copying only when `table` is not the newest view of its storage.
 */
export function appendRows(table: MetricsTable, rows: readonly { readonly step: number; readonly metrics: Readonly<Record<string, unknown>> }[]): MetricsTable {
  if (rows.length === 0) return table;
  const store = table.store.length === table.rows ? table.store : forkStore(table);
  let names: string[] | null = null;
  ensureCapacity(store, store.length + rows.length);
  for (const { step, metrics } of rows) {
    const i = store.length;
    store.steps[i] = step;
    for (const name of Object.keys(metrics)) {
      if (name === 'step') continue;
      let column = store.columns.get(name);
      if (!column) {
        column = newColumn(store.capacity);
        store.columns.set(name, column);
      }
      if (!table.names.includes(name) && !(names ?? []).includes(name)) (names ??= [...table.names]).push(name);
      column.values[i] = toValue(metrics[name]);
      column.logged[i] = 1;
    }
    store.length = i + 1;
  }
  return { rows: store.length, names: names ?? table.names, store };
}

/** The steps of the rows a table sees (a view on the shared array: do not write to it). */
export function metricSteps(table: MetricsTable): Float64Array {
  return table.store.steps.subarray(0, table.rows);
}

/** One metric's column as the table sees it, or null when no row logged it. */
export function metricColumn(table: MetricsTable, name: string): MetricColumn | null {
  if (!table.names.includes(name)) return null;
  const column = table.store.columns.get(name);
  if (!column) return null;
  return { values: column.values.subarray(0, table.rows), logged: column.logged.subarray(0, table.rows) };
}

/** The last logged value of a metric (NaN when it was never logged or was not finite). */
export function lastValue(table: MetricsTable, name: string): number {
  const column = metricColumn(table, name);
  if (!column) return NaN;
  for (let i = table.rows - 1; i >= 0; i--) if (column.logged[i]) return column.values[i] ?? NaN;
  return NaN;
}

/** The view of a run that has been asked for and not yet started. */
export function startingView(title: string, runId: string | null = null): RunView {
  return {
    runId,
    title,
    state: 'starting',
    backend: null,
    backendNotes: [],
    step: 0,
    totalSteps: 0,
    stepsPerSecond: 0,
    startedAt: new Date().toISOString(),
    folder: null,
    plots: [],
    metrics: emptyMetrics(),
    snapshots: {},
    lastSnapshotNode: null,
    traces: {},
    lastTraceNode: null,
    finalSamples: {},
    summary: null,
    failure: null,
    reopened: false,
    version: 0,
  };
}

export function failureOf(diagnostic: Diagnostic): RunFailure {
  return {
    code: diagnostic.code,
    message: diagnostic.message,
    ...(diagnostic.nodeId !== undefined ? { nodeId: diagnostic.nodeId } : {}),
    ...(diagnostic.step !== undefined ? { step: diagnostic.step } : {}),
  };
}

/** Whether the run may still change (it has not ended). */
export function isActive(view: RunView | null): boolean {
  return view !== null && (view.state === 'starting' || view.state === 'running');
}

function withSummary(view: RunView, summary: Summary): Partial<RunView> {
  return {
    summary,
    backend: summary.backend,
    step: summary.steps,
    totalSteps: summary.totalSteps || view.totalSteps,
    stepsPerSecond: summary.stepsPerSecond,
    ...(summary.outDir && !view.folder ? { folder: summary.outDir } : {}),
  };
}

/** The view after one event. Returns `view` itself when the event changes nothing. */
export function applyRunEvent(view: RunView, event: RunEvent): RunView {
  return applyRunEvents(view, [event]);
}

/**
 * The view after a batch of events, in order. Progress rows of the batch are appended in one go,
 * so a batch costs one new view object whatever its length.
 */
export function applyRunEvents(view: RunView, events: readonly RunEvent[]): RunView {
  if (events.length === 0) return view;
  let next: { -readonly [K in keyof RunView]: RunView[K] } = { ...view };
  let snapshots: Record<string, SamplesSnapshot> | null = null;
  let traces: Record<string, TraceSnapshot> | null = null;
  let finalSamples: Record<string, FinalSamples> | null = null;
  const rows: { step: number; metrics: Readonly<Record<string, number>> }[] = [];
  const ended = (): boolean => next.state !== 'starting' && next.state !== 'running';
  for (const event of events) {
    switch (event.type) {
      case 'started':
        next = {
          ...next,
          runId: next.runId ?? event.runId,
          state: ended() ? next.state : 'running',
          backend: event.backend,
          backendNotes: event.backendNotes,
          totalSteps: event.totalSteps,
          plots: event.plots,
          ...(event.outDir && !next.folder ? { folder: event.outDir } : {}),
        };
        break;
      case 'progress':
        rows.push({ step: event.step, metrics: event.metrics });
        next.step = event.step;
        next.totalSteps = event.totalSteps;
        next.stepsPerSecond = event.stepsPerSecond;
        if (next.state === 'starting') next.state = 'running';
        break;
      case 'snapshot': {
        const s = event.snapshot;
        if (s.kind === 'trace') {
          traces ??= { ...next.traces };
          traces[s.nodeId] = s;
          next.lastTraceNode = s.nodeId;
        } else {
          snapshots ??= { ...next.snapshots };
          snapshots[s.nodeId] = s;
          next.lastSnapshotNode = s.nodeId;
        }
        break;
      }
      case 'samples': {
        finalSamples ??= { ...next.finalSamples };
        const { step, trainerId, samplerId, dim, values } = event;
        finalSamples[trainerId] = { step, trainerId, samplerId, dim, values };
        break;
      }
      case 'finished':
        next = { ...next, ...withSummary(next, event.summary), state: event.summary.status };
        if (event.summary.status === 'failed' && event.summary.error) next.failure = failureOf(event.summary.error);
        break;
      case 'failed':
        next = { ...next, ...(event.summary ? withSummary(next, event.summary) : {}), state: 'failed', failure: failureOf(event.diagnostic) };
        break;
    }
  }
  if (rows.length) next.metrics = appendRows(next.metrics, rows);
  if (snapshots) next.snapshots = snapshots;
  if (traces) next.traces = traces;
  if (finalSamples) next.finalSamples = finalSamples;
  next.version = view.version + 1;
  return next;
}

/** The view of a run reopened from its folder (or a live run of another window, as far as it got). */
export function viewFromRunData(data: RunData): RunView {
  const record = data.record;
  const summary = record.summary;
  const rows = data.metrics.map((row) => ({ step: toValue(row.step), metrics: row }));
  const metrics = appendRows(emptyMetrics(), rows);
  const snapshots: Record<string, SamplesSnapshot> = {};
  const traces: Record<string, TraceSnapshot> = {};
  const lastSnapshotNode = newestNode(data.snapshots.filter((s) => s.kind !== 'trace'));
  const lastTraceNode = newestNode(data.snapshots.filter((s) => s.kind === 'trace'));
  for (const s of data.snapshots) {
    if (s.kind === 'trace') traces[s.nodeId] = s;
    else snapshots[s.nodeId] = s;
  }
  const lastRowStep = rows.length ? (rows[rows.length - 1]?.step ?? 0) : 0;
  return {
    runId: record.runId,
    title: record.title,
    state: record.state,
    backend: summary?.backend ?? record.backend,
    backendNotes: [],
    step: summary?.steps ?? lastRowStep,
    totalSteps: data.totalSteps || summary?.totalSteps || 0,
    stepsPerSecond: summary?.stepsPerSecond ?? 0,
    startedAt: record.startedAt,
    folder: record.folder,
    plots: data.plots,
    metrics,
    snapshots,
    lastSnapshotNode,
    traces,
    lastTraceNode,
    finalSamples: {},
    summary,
    failure: summary?.error ? failureOf(summary.error) : null,
    reopened: true,
    version: 1,
  };
}

/** The monitor whose snapshot has the highest step (the later one on a tie), or null. */
function newestNode(snapshots: readonly Snapshot[]): string | null {
  let node: string | null = null;
  let lastStep = -Infinity;
  for (const s of snapshots) {
    if (s.step >= lastStep) {
      lastStep = s.step;
      node = s.nodeId;
    }
  }
  return node;
}
