// The host contract: every call the UI makes, with the schema of its argument and of its result.
// Electron (IPC) and the web host (WebSocket) both implement it with the same services
// (./node/services.ts) and parse every argument with these schemas before using it (DESIGN §6).
import { z } from 'zod';
import { DiagnosticSchema } from '../diagnostics.ts';
import { GraphDocumentSchema } from '../graph/document.ts';
import { BackendNameSchema, PlotRequestSchema, RunEventSchema, SnapshotSchema, SummarySchema } from '../runtime/events.ts';
import { MAX_CODE_LENGTH, MAX_INPUT_DIM, MAX_TIME_LIMIT_S, MIN_TIME_LIMIT_S } from '../../nodes/energy-custom/limits.ts';
import type { HostMethodName } from './methods.ts';

/** A path as the host knows it: absolute for Electron, relative to the workspace for the web host. */
const FilePath = z.string().min(1).max(4096);

export const HostInfoSchema = z.object({
  host: z.enum(['electron', 'web']),
  appVersion: z.string(),
  /** The folder the web host confines files to; null where any file may be opened (Electron). */
  workspace: z.string().nullable(),
  /** Electron shows native open and save dialogs; elsewhere the app shows its own file browser. */
  nativeDialogs: z.boolean(),
  /** A file named on the command line, to open at start. */
  initialFile: FilePath.nullable(),
});
export type HostInfo = z.infer<typeof HostInfoSchema>;

/** A document as loaded: what could be read of it, and every problem found on the way. */
export const OpenedDocumentSchema = z.object({
  /** Where it lives; null for a new document, an example or a picture that carries a graph (saving asks where). */
  path: FilePath.nullable(),
  /** The name to show in the title bar. */
  name: z.string(),
  /** Null when nothing could be read; the UI keeps what it has and shows the diagnostics. */
  document: GraphDocumentSchema.nullable(),
  diagnostics: z.array(DiagnosticSchema),
});
export type OpenedDocument = z.infer<typeof OpenedDocumentSchema>;

export const SavedSchema = z.object({ path: FilePath, name: z.string() });
export type Saved = z.infer<typeof SavedSchema>;

export const FileEntrySchema = z.object({ name: z.string(), path: FilePath, kind: z.enum(['file', 'folder']) });
export const FolderListingSchema = z.object({
  /** The folder listed ('.' is the workspace itself on the web host). */
  folder: z.string(),
  /** Its parent, or null at the top of the workspace. */
  parent: z.string().nullable(),
  /** Folders and graph files (*.ebm.json), folders first, by name. */
  entries: z.array(FileEntrySchema),
});
export type FolderListing = z.infer<typeof FolderListingSchema>;

export const ExampleSchema = z.object({ id: z.string(), title: z.string(), description: z.string(), file: z.string() });
export type Example = z.infer<typeof ExampleSchema>;

export const RunStateSchema = z.enum(['running', 'completed', 'cancelled', 'failed', 'interrupted']);
export type RunState = z.infer<typeof RunStateSchema>;

/** A run as listed: live runs and the run folders the host finds. */
export const RunRecordSchema = z.object({
  runId: z.string(),
  title: z.string(),
  /** ISO time the run started. */
  startedAt: z.string(),
  state: RunStateSchema,
  backend: BackendNameSchema.nullable(),
  /** The run folder, as the host shows paths. */
  folder: z.string(),
  /** Present once the run has ended (absent for a run that was interrupted). */
  summary: SummarySchema.nullable(),
});
export type RunRecord = z.infer<typeof RunRecordSchema>;

/** Everything needed to redraw a run's plots. */
export const RunDataSchema = z.object({
  record: RunRecordSchema,
  document: GraphDocumentSchema.nullable(),
  plots: z.array(PlotRequestSchema),
  totalSteps: z.number().int(),
  /** One row per log step, as in metrics.jsonl. */
  metrics: z.array(z.record(z.string(), z.number())),
  /** The last snapshot of each monitor: a 2D monitor's samples, an MCMC monitor's energy traces. */
  snapshots: z.array(SnapshotSchema),
});
export type RunData = z.infer<typeof RunDataSchema>;

/** A problem in custom energy code, placed for an editor: 1-based line and column
 * (nodes/energy-custom/code.ts CodeDiagnostic). */
export const CodeDiagnosticSchema = z.object({
  code: z.string(),
  severity: z.enum(['error', 'warning']),
  message: z.string(),
  line: z.number().int(),
  column: z.number().int(),
});
export type CodeDiagnosticInfo = z.infer<typeof CodeDiagnosticSchema>;

/** What a dry run of custom energy code found (nodes/energy-custom/model.ts CodeCheckResult). */
export const CodeCheckResultSchema = z.object({
  /** No errors: the code would build and train. */
  ok: z.boolean(),
  diagnostics: z.array(CodeDiagnosticSchema),
  /** The parameters it declares, 'd' resolved; empty when it did not load. */
  params: z.array(z.object({ name: z.string(), shape: z.array(z.number().int()) })),
  /** Whether score-based objectives accept it, and each op that stops them, with its place. */
  secondOrder: z.object({ ok: z.boolean(), problems: z.array(z.object({ line: z.number().int(), column: z.number().int(), message: z.string() })) }),
});
export type CodeCheckResultInfo = z.infer<typeof CodeCheckResultSchema>;

const Document = GraphDocumentSchema;
const Nothing = z.object({}).strict();
const Ok = z.object({ ok: z.literal(true) });

/** Every host call: `args` is parsed by the host before anything is done with it. */
export const HOST_METHODS = {
  info: { args: Nothing, result: HostInfoSchema },
  newDocument: { args: z.object({ title: z.string().max(500).optional() }).strict(), result: OpenedDocumentSchema },
  /** The web host's file browser: folders and graph files in one folder of the workspace. */
  listFiles: { args: z.object({ folder: z.string().max(4096).optional() }).strict(), result: FolderListingSchema },
  /** Without a path, the host asks with its open dialog; null when the user cancels. */
  open: { args: z.object({ path: FilePath.optional() }).strict(), result: OpenedDocumentSchema.nullable() },
  save: { args: z.object({ path: FilePath, document: Document }).strict(), result: SavedSchema },
  /** Without a path, the host asks with its save dialog; null when the user cancels. */
  saveAs: { args: z.object({ document: Document, path: FilePath.optional(), suggestedName: z.string().max(200).optional() }).strict(), result: SavedSchema.nullable() },
  recentFiles: { args: Nothing, result: z.array(FilePath) },
  listExamples: { args: Nothing, result: z.array(ExampleSchema) },
  openExample: { args: z.object({ id: z.string().min(1).max(200) }).strict(), result: OpenedDocumentSchema },
  /** Compiles the document the way a run would, and returns every problem. */
  validate: { args: z.object({ document: Document }).strict(), result: z.object({ diagnostics: z.array(DiagnosticSchema) }) },
  /** Starts training; events arrive as `runEvent` pushes. Refuses a graph with errors. */
  run: {
    args: z
      .object({
        document: Document,
        /** Overrides every trainer's step count. */
        steps: z.number().int().min(1).max(10_000_000).optional(),
        backend: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).optional(),
      })
      .strict(),
    result: z.object({ runId: z.string(), folder: z.string() }),
  },
  cancel: { args: z.object({ runId: z.string().min(1).max(200) }).strict(), result: z.object({ cancelled: z.boolean() }) },
  listRuns: { args: Nothing, result: z.array(RunRecordSchema) },
  openRun: { args: z.object({ runId: z.string().min(1).max(200) }).strict(), result: RunDataSchema },
  /** The window title and the unsaved state, so the host can prompt before closing. */
  setDocumentState: { args: z.object({ name: z.string().max(500), dirty: z.boolean() }).strict(), result: Ok },
  /**
   * The Custom energy node's Apply: compiles the code, runs it in a sandbox on a worker thread (never
   * the host's own) on a small seeded batch, and returns every problem with its line and column.
   */
  checkCustomCode: {
    args: z
      .object({
        code: z.string().max(MAX_CODE_LENGTH),
        /** The node's Input dimension: 'd' in the code's shapes. */
        inputDim: z.number().int().min(1).max(MAX_INPUT_DIM),
        /** The node's Time limit per call, in seconds. */
        timeLimit: z.number().min(MIN_TIME_LIMIT_S).max(MAX_TIME_LIMIT_S).optional(),
      })
      .strict(),
    result: CodeCheckResultSchema,
  },
  /**
   * Which of the document's custom code may not run yet (written elsewhere and not trusted here),
   * and why: the UI opens such a graph in a restricted state. run and checkCustomCode refuse it.
   */
  codeTrust: {
    args: z.object({ document: Document }).strict(),
    result: z.object({ untrusted: z.array(z.object({ nodeId: z.string(), name: z.string() })), message: z.string().nullable() }),
  },
  /** The user read the document's custom code and trusts it: it may run, here and in the CLI, from now on. */
  trustCode: { args: z.object({ document: Document }).strict(), result: Ok },
  /**
   * File > Export: writes a project that reproduces the experiment without the app, into a new or
   * empty folder (without one, the host asks with its dialog; null when the user cancels).
   * TypeScript: train.ts with the nodes' code beside it, the same metrics as the app bit for bit;
   * PyTorch: train.py for the built-in node types. `notes` say what the person should know.
   */
  exportProject: {
    args: z.object({ document: Document, target: z.enum(['typescript', 'pytorch']), folder: FilePath.optional() }).strict(),
    result: z.object({ folder: FilePath, files: z.array(z.string()), notes: z.array(z.string()) }).nullable(),
  },
} as const satisfies Record<HostMethodName, { args: z.ZodType; result: z.ZodType }>;

export type HostMethods = typeof HOST_METHODS;
/** What the UI passes (defaults may be left out). */
export type HostArgs<M extends HostMethodName> = z.input<HostMethods[M]['args']>;
/** What a service receives, once the host has parsed it. */
export type HostParsedArgs<M extends HostMethodName> = z.output<HostMethods[M]['args']>;
export type HostResult<M extends HostMethodName> = z.output<HostMethods[M]['result']>;

/** Commands from the host's menus, for the UI to carry out (it owns the document and selection). */
export const MENU_COMMANDS = [
  'new',
  'open',
  'save',
  'saveAs',
  'export',
  'undo',
  'redo',
  'cut',
  'copy',
  'paste',
  'duplicate',
  'delete',
  'selectAll',
  'runStart',
  'runStop',
  'fitView',
  'autoLayout',
  'toggleMinimap',
  'examples',
  'help',
] as const;
export const MenuCommandSchema = z.union([
  z.object({ command: z.enum(MENU_COMMANDS) }),
  /** File > Open Recent, and a second launch with a file: open this path (after the unsaved prompt). */
  z.object({ command: z.literal('openPath'), path: FilePath }),
  /** The host is about to close the window; the UI answers by saving or not (Electron). */
  z.object({ command: z.literal('saveAndClose') }),
]);
export type MenuCommand = z.infer<typeof MenuCommandSchema>;

/** What the host pushes to the UI without being asked. */
export const HostPushSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('runEvent'), runId: z.string(), event: RunEventSchema }),
  z.object({ kind: z.literal('command'), command: MenuCommandSchema }),
]);
export type HostPush = z.infer<typeof HostPushSchema>;

/** The API the renderer programs against: one async function per call, and the pushes. */
export type HostApi = { [M in HostMethodName]: (args: HostArgs<M>) => Promise<HostResult<M>> } & {
  onPush(listener: (push: HostPush) => void): () => void;
};

/** A failure the UI can show: a stable code and a message for people. */
export const HostErrorSchema = z.object({ code: z.string(), message: z.string() });
export type HostErrorInfo = z.infer<typeof HostErrorSchema>;

export class HostError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HostError';
  }
  toJSON(): HostErrorInfo {
    return { code: this.code, message: this.message };
  }
}

/** Parses a call's argument with its schema; a bad argument is a HostError naming what is wrong. */
export function parseArgs<M extends HostMethodName>(method: M, raw: unknown): HostParsedArgs<M> {
  const r = HOST_METHODS[method].args.safeParse(raw ?? {});
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'argument'}: ${i.message}`).join('; ');
    throw new HostError('INVALID_ARGUMENT', `${method}: ${issues}`);
  }
  return r.data as HostParsedArgs<M>;
}

export function isHostMethod(name: unknown): name is HostMethodName {
  return typeof name === 'string' && Object.hasOwn(HOST_METHODS, name);
}
