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

/** Samples drawn over the energy heat map, with held-out data: the picture of a 2D model. Its
 * `kind` is optional: it was the only kind of snapshot before trace snapshots, and old run folders
 * and the Density 2D monitor leave it out. */
export const SamplesSnapshotSchema = z.object({
  kind: z.literal('samples').optional(),
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
export type SamplesSnapshot = z.infer<typeof SamplesSnapshotSchema>;

/** The energy traces of an MCMC diagnostics evaluation: the energy of a few of its chains after
 * each sampler step (thinned on long chains), and the burn-in the diagnostics discarded. */
export const TraceSnapshotSchema = z
  .object({
    kind: z.literal('trace'),
    /** The training step at which the chains were run. */
    step: z.number().int().nonnegative(),
    /** Which monitor made it. */
    nodeId: z.string(),
    /** Sampler steps each chain ran. */
    steps: z.number().int().positive(),
    /** Steps discarded before the diagnostics: steps 1..burnIn. */
    burnIn: z.number().int().nonnegative(),
    /** Chains the monitor ran; the first `chains` of them are shown. */
    totalChains: z.number().int().positive(),
    chains: z.number().int().positive(),
    /** The sampler steps shown (1-based, increasing; the first and last step always). */
    at: z.array(z.number().int().positive()).min(1),
    /** chains × at.length, chain by chain: energies[c·at.length + i] is chain c's energy after step at[i]. */
    energies: MeasuredArray,
  })
  .superRefine((t, ctx) => {
    const fail = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (t.burnIn >= t.steps) fail('burnIn', `the burn-in (${t.burnIn}) must be shorter than the ${t.steps} steps`);
    if (t.chains > t.totalChains) fail('chains', `${t.chains} chains shown of ${t.totalChains} run`);
    if (t.at.some((k, i) => k > t.steps || (i > 0 && k <= t.at[i - 1]!))) fail('at', `the steps shown must increase within 1..${t.steps}`);
    if (t.energies.length !== t.chains * t.at.length) fail('energies', `${t.energies.length} energies for ${t.chains} chains × ${t.at.length} steps`);
  });
export type TraceSnapshot = z.infer<typeof TraceSnapshotSchema>;

/** What a monitor shows of the model at an evaluation, by kind (samples when no kind is given). */
export const SnapshotSchema = z.discriminatedUnion('kind', [SamplesSnapshotSchema, TraceSnapshotSchema]);
export type Snapshot = z.infer<typeof SnapshotSchema>;

/** A figure a monitor asks for: training curves, samples over the energy heat map, or MCMC energy traces. */
export const PlotRequestSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('curves'), nodeId: z.string(), smoothing: z.number() }),
  z.object({ kind: z.literal('samples'), nodeId: z.string() }),
  z.object({ kind: z.literal('trace'), nodeId: z.string() }),
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
