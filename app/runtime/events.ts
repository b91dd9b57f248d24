// What a run streams to whoever watches it (the CLI, the app's plots, tests), and what its
// summary holds. Plain JSON values, so the same events cross a worker, IPC or a WebSocket.
import { z } from 'zod';
import { DiagnosticSchema } from '../diagnostics.ts';

export const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
export const BackendNameSchema = z.enum(BACKENDS);
export type BackendName = z.infer<typeof BackendNameSchema>;

/** A measured value: finite, or NaN / ±Infinity when a run diverges (the UI must show those).
 * JSON writes them as null (summary.json, metrics.jsonl); null reads back as NaN. */
const Measured = z.preprocess((v) => (v === null ? NaN : v), z.custom<number>((v) => typeof v === 'number', { message: 'expected a number' }));
const Metrics = z.record(z.string(), Measured);
const Quantity = z.union([Measured, z.array(Measured)]);
/** A long array of measured values (a snapshot's grid and points, tens of thousands of them),
 * checked in one pass rather than value by value: the UI checks every event it receives. */
const MeasuredArray = z
  .custom<(number | null)[]>((v) => Array.isArray(v) && v.every((x) => typeof x === 'number' || x === null), { message: 'expected a list of numbers' })
  .transform((a): number[] => (a.includes(null) ? a.map((x) => x ?? NaN) : (a as number[])));

/** Samples drawn over the energy heat map, with held-out data: the picture of a 2D model. */
export const SnapshotSchema = z.object({
  step: z.number().int(),
  /** Which monitor made it. */
  nodeId: z.string(),
  /** The plotted box: [[xlo, xhi], [ylo, yhi]]. */
  bounds: z.tuple([z.tuple([z.number(), z.number()]), z.tuple([z.number(), z.number()])]),
  /** Energy on a gridSize × gridSize grid, row-major from (xlo, ylo), x fastest. */
  gridSize: z.number().int(),
  energy: MeasuredArray,
  /** Model samples and held-out data as flat [x0, y0, x1, y1, ...]. */
  samples: MeasuredArray,
  data: MeasuredArray,
});
export type Snapshot = z.infer<typeof SnapshotSchema>;

/** A figure a monitor asks for: training curves, or samples over the energy heat map. */
export const PlotRequestSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('curves'), nodeId: z.string(), smoothing: z.number() }),
  z.object({ kind: z.literal('samples'), nodeId: z.string() }),
]);
export type PlotRequest = z.infer<typeof PlotRequestSchema>;

export const RunStatusSchema = z.enum(['completed', 'cancelled', 'failed']);
export type RunStatus = z.infer<typeof RunStatusSchema>;

export const SummarySchema = z.object({
  status: RunStatusSchema,
  title: z.string(),
  seed: z.number(),
  backend: BackendNameSchema,
  steps: z.number().int().describe('Steps completed'),
  totalSteps: z.number().int(),
  seconds: Measured,
  stepsPerSecond: Measured,
  /** The last logged value of every metric. */
  final: Metrics,
  /** Named readouts of each energy node (e.g. a Gaussian's mean and variance), by node id. */
  readouts: z.record(z.string(), z.record(z.string(), Quantity)),
  /** What is known of each data set's true density (mean, variance, entropy), by node id. */
  truth: z.record(z.string(), z.record(z.string(), Quantity)),
  /** Where an energy's readout has a known true value in the data it trained on (a Gaussian's
   * mean and variance): the two side by side. */
  knownAnswers: z.array(
    z.object({
      quantity: z.string(),
      energyNode: z.string(),
      dataNode: z.string(),
      recovered: Quantity,
      truth: Quantity,
    }),
  ),
  error: DiagnosticSchema.optional(),
  outDir: z.string().optional(),
});
export type Summary = z.infer<typeof SummarySchema>;

export const RunEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('started'),
    runId: z.string(),
    backend: BackendNameSchema,
    /** Why better backends were passed over, for the status line. */
    backendNotes: z.array(z.string()),
    totalSteps: z.number().int(),
    plots: z.array(PlotRequestSchema),
    outDir: z.string().optional(),
  }),
  z.object({
    type: z.literal('progress'),
    step: z.number().int(),
    totalSteps: z.number().int(),
    metrics: Metrics,
    stepsPerSecond: Measured,
  }),
  z.object({ type: z.literal('snapshot'), snapshot: SnapshotSchema }),
  /** The final samples of a trainer's sampler, drawn when the run ends (completed or cancelled). */
  z.object({
    type: z.literal('samples'),
    step: z.number().int(),
    trainerId: z.string(),
    samplerId: z.string(),
    dim: z.number().int(),
    /** Row-major, dim numbers per sample. */
    values: MeasuredArray,
  }),
  z.object({ type: z.literal('finished'), summary: SummarySchema }),
  z.object({ type: z.literal('failed'), diagnostic: DiagnosticSchema, summary: SummarySchema.optional() }),
]);
export type RunEvent = z.infer<typeof RunEventSchema>;
