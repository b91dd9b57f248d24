// The host services: what every host call does, written once and used by both hosts (the web
// host over WebSocket, Electron over IPC). A host supplies where files may live, how runs are
// started (worker thread or utility process), its dialogs, and where pushes go.
import { existsSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { compile } from '../../compile/compile.ts';
import { error, formatDiagnostic, hasErrors } from '../../diagnostics.ts';
import { APP_VERSION, emptyDocument, type GraphDocument } from '../../graph/document.ts';
import { readGraphFile, writeGraphFile, writeTextFileAtomic } from '../../graph/node/file.ts';
import { parseGraph } from '../../graph/parse.ts';
import { SnapshotSchema, SummarySchema, type PlotRequest, type RunEvent, type Snapshot } from '../../runtime/events.ts';
import { RUN_INFO_FILE, RunInfoSchema } from '../../runtime/node/run-folder.ts';
import { checkCustomCodeInWorker, type CodeCheckRequest, type RunHandle, type RunRequest } from '../../runtime/node/start-run.ts';
import type { CodeCheckResult } from '../../../nodes/energy-custom/model.ts';
import { catalog } from '../../../nodes/catalog.ts';
import { CodeTrust, customCode, untrustedExportNote, untrustedMessage } from './trust.ts';
import { exportPyTorchProject } from '../../export/node/pytorch-project.ts';
import { exportTypeScriptProject } from '../../export/node/typescript-project.ts';
import {
  HostError,
  isHostMethod,
  parseArgs,
  type Example,
  type FolderListing,
  type HostParsedArgs,
  type HostInfo,
  type HostPush,
  type HostResult,
  type OpenedDocument,
  type RunData,
  type RunRecord,
} from '../contract.ts';
import type { HostMethodName } from '../methods.ts';

export const GRAPH_EXTENSION = '.ebm.json';
/** PNGs that EBM Studio wrote carry their graph (app/graph/png-text.ts). */
export const PICTURE_EXTENSION = '.png';
const MAX_RECENT = 10;

export interface Dialogs {
  /** A graph file to open, or null when the user cancels. */
  chooseOpenPath(): Promise<string | null>;
  /** Where to save, or null when the user cancels. */
  chooseSavePath(suggestedName: string): Promise<string | null>;
  /** A new folder to export a project into, or null when the user cancels. */
  chooseExportFolder(suggestedName: string): Promise<string | null>;
}

export interface ServiceOptions {
  host: HostInfo['host'];
  /** Confine every file to this folder (the web host); null lets absolute paths anywhere (Electron). */
  workspace: string | null;
  /** Where run folders go. */
  runsDir: string;
  examplesDir: string;
  /** Starts a run off this thread: a worker thread (startRun) or Electron's utility process. */
  startRun(request: RunRequest): RunHandle;
  /** Dry-runs custom energy code off this thread; a worker thread of its own when absent. */
  checkCustomCode?(request: CodeCheckRequest): Promise<CodeCheckResult>;
  /** Native dialogs (Electron); without them, open and saveAs need a path. */
  dialogs?: Dialogs;
  /** A JSON file that remembers recent files; in memory only when absent. */
  recentFilesStore?: string;
  /** The JSON file of trusted custom code, shared with the CLI (trust.ts); in memory only when absent. */
  codeTrustStore?: string;
  initialFile?: string | null;
  /** Delivers a push to every window or socket of this host. */
  push(push: HostPush): void;
  onDocumentState?(state: { name: string; dirty: boolean }): void;
}

export type HostServices = { [M in HostMethodName]: (args: HostParsedArgs<M>) => Promise<HostResult<M>> };

export interface Services extends HostServices {
  /** Cancels every live run and waits for them to end (host shutdown). */
  shutdown(): Promise<void>;
}

interface LiveRun {
  record: RunRecord;
  handle: RunHandle;
}

/** A run's folder, claimed atomically; a handful of tries, then an error. */
const MAX_RUN_ID_TRIES = 1000;

export function createServices(options: ServiceOptions): Services {
  const workspace = options.workspace === null ? null : resolve(options.workspace);
  const live = new Map<string, LiveRun>();
  /** Runs of this session that ended, as last known: a run that failed before writing its folder
   * (no run.json, no summary) would otherwise vanish from listRuns. */
  const ended = new Map<string, RunRecord>();
  let recent: string[] | null = null;
  let trust: Promise<CodeTrust> | null = null;
  const codeTrust = () => (trust ??= CodeTrust.open(options.codeTrustStore ?? null, catalog));

  /** Refuses a document whose custom code was written elsewhere and is not trusted yet. */
  async function assertTrusted(document: GraphDocument): Promise<void> {
    const untrusted = (await codeTrust()).untrusted(document);
    if (untrusted.length > 0) throw new HostError('UNTRUSTED_CODE', untrustedMessage(untrusted));
  }

  /** A path from the UI, as an absolute path on disk; confined to the workspace where there is one. */
  async function toDisk(path: string, what = 'path'): Promise<string> {
    if (path.includes('\0')) throw new HostError('INVALID_PATH', `the ${what} contains a NUL character`);
    if (workspace === null) {
      if (!isAbsolute(path)) throw new HostError('INVALID_PATH', `the ${what} "${path}" must be absolute`);
      return resolve(path);
    }
    if (isAbsolute(path)) throw new HostError('OUTSIDE_WORKSPACE', `"${path}" is absolute; paths are relative to the workspace ${workspace}`);
    const absolute = resolve(workspace, path);
    // Follow symlinks in the deepest part of the path that exists: a link may not lead out.
    const real = await realpathOfExisting(absolute);
    const realWorkspace = await fsp.realpath(workspace);
    if (!inside(realWorkspace, real) || !inside(workspace, absolute))
      throw new HostError('OUTSIDE_WORKSPACE', `"${path}" is outside the workspace ${workspace}; files stay inside it`);
    return absolute;
  }

  /** An absolute path on disk, as the UI sees it (relative to the workspace, with /). */
  function toUi(absolute: string): string {
    if (workspace === null) return absolute;
    const rel = relative(workspace, absolute);
    return rel === '' ? '.' : rel.split(sep).join('/');
  }

  async function loadRecent(): Promise<string[]> {
    if (recent) return recent;
    recent = [];
    if (options.recentFilesStore) {
      try {
        const saved: unknown = JSON.parse(await fsp.readFile(options.recentFilesStore, 'utf8'));
        if (Array.isArray(saved)) recent = saved.filter((p): p is string => typeof p === 'string').slice(0, MAX_RECENT);
      } catch {
        // No list yet, or an unreadable one: start afresh rather than fail a call over it.
      }
    }
    return recent;
  }

  async function remember(uiPath: string): Promise<void> {
    const list = await loadRecent();
    recent = [uiPath, ...list.filter((p) => p !== uiPath)].slice(0, MAX_RECENT);
    if (options.recentFilesStore) {
      await fsp.mkdir(dirname(options.recentFilesStore), { recursive: true }).catch(() => undefined);
      await writeTextFileAtomic(options.recentFilesStore, `${JSON.stringify(recent, null, 2)}\n`).catch(() => undefined);
    }
  }

  async function openPath(uiPath: string): Promise<OpenedDocument> {
    const disk = await toDisk(uiPath);
    const loaded = await readGraphFile(disk);
    if (loaded.document) await remember(toUi(disk));
    // A picture that carries its graph opens as an unsaved graph: Save asks where, never over the PNG.
    const picture = disk.toLowerCase().endsWith(PICTURE_EXTENSION);
    return { path: picture ? null : toUi(disk), name: basename(disk), document: loaded.document, diagnostics: loaded.diagnostics };
  }

  async function saveTo(uiPath: string, document: GraphDocument): Promise<{ path: string; name: string }> {
    const withExtension = uiPath.endsWith(GRAPH_EXTENSION) ? uiPath : `${uiPath}${GRAPH_EXTENSION}`;
    const disk = await toDisk(withExtension);
    try {
      await writeGraphFile(disk, { ...document, metadata: { ...document.metadata, appVersion: APP_VERSION } });
    } catch (e) {
      throw new HostError('SAVE_FAILED', e instanceof Error ? e.message : String(e));
    }
    const path = toUi(disk);
    await remember(path);
    return { path, name: basename(disk) };
  }

  function runsFolderFor(runId: string): string {
    if (!/^[\w.-]+$/.test(runId) || runId === '.' || runId === '..') throw new HostError('RUN_NOT_FOUND', `no run "${runId}"`);
    return join(options.runsDir, runId);
  }

  async function readRecord(runId: string): Promise<RunRecord | null> {
    const active = live.get(runId);
    if (active) return active.record;
    const folder = runsFolderFor(runId);
    const info = RunInfoSchema.safeParse(await readJson(join(folder, RUN_INFO_FILE)));
    const summary = SummarySchema.safeParse(await readJson(join(folder, 'summary.json')));
    if (!summary.success) {
      // A run of this session that ended without a summary on disk (it failed early): say how it
      // ended rather than "interrupted".
      const known = ended.get(runId);
      if (known) return known;
      if (!info.success) return null;
    }
    const startedAt = info.success ? info.data.startedAt : (await fsp.stat(folder)).mtime.toISOString();
    return {
      runId,
      title: summary.success ? summary.data.title : info.success ? info.data.title : runId,
      startedAt,
      // A folder without a summary whose run is not live here was cut short (the app quit, a crash).
      state: summary.success ? summary.data.status : 'interrupted',
      backend: summary.success ? summary.data.backend : info.success ? info.data.backend : null,
      folder: toUi(folder),
      summary: summary.success ? summary.data : null,
    };
  }

  function follow(runId: string, handle: RunHandle): void {
    const deliver = (event: RunEvent) => {
      const run = live.get(runId);
      if (run) applyEvent(run.record, event);
      // A push that cannot be delivered (a socket gone) must not stop the run being followed.
      try {
        options.push({ kind: 'runEvent', runId, event });
      } catch {
        // the host's own concern
      }
    };
    void (async () => {
      let last: RunEvent['type'] | null = null;
      try {
        for await (const event of handle.events) {
          last = event.type;
          deliver(event);
        }
      } catch (e) {
        // The stream broke: say so rather than leave the run "running" for ever (and never let
        // the rejection escape: it would end the host's process).
        last = 'failed';
        deliver({ type: 'failed', diagnostic: error('RUN_CRASHED', `lost the run's events: ${e instanceof Error ? e.message : String(e)}`) });
      }
      if (last !== 'finished' && last !== 'failed') {
        deliver({ type: 'failed', diagnostic: error('RUN_CRASHED', 'the run ended without saying how') });
      }
      const run = live.get(runId);
      if (run) ended.set(runId, run.record);
      live.delete(runId);
    })();
  }

  const services: HostServices = {
    async info() {
      return {
        host: options.host,
        appVersion: APP_VERSION,
        workspace,
        nativeDialogs: options.dialogs !== undefined,
        initialFile: options.initialFile ?? null,
      };
    },

    async newDocument({ title }) {
      return { path: null, name: 'Untitled', document: emptyDocument(title ?? 'Untitled'), diagnostics: [] };
    },

    async listFiles({ folder }) {
      const start = folder ?? (workspace === null ? homedir() : '.');
      const disk = await toDisk(start, 'folder');
      let dirents;
      try {
        dirents = await fsp.readdir(disk, { withFileTypes: true });
      } catch (e) {
        throw new HostError('FOLDER_UNREADABLE', `cannot list ${start}: ${e instanceof Error ? e.message : String(e)}`);
      }
      const entries: FolderListing['entries'] = dirents
        .filter((d) => !d.name.startsWith('.') && d.name !== 'node_modules')
        .filter((d) => d.isDirectory() || (d.isFile() && (d.name.endsWith(GRAPH_EXTENSION) || d.name.toLowerCase().endsWith(PICTURE_EXTENSION))))
        .map((d) => ({ name: d.name, path: toUi(join(disk, d.name)), kind: d.isDirectory() ? ('folder' as const) : ('file' as const) }))
        .sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'folder' ? -1 : 1));
      const atTop = workspace !== null ? disk === workspace : dirname(disk) === disk;
      return { folder: toUi(disk), parent: atTop ? null : toUi(dirname(disk)), entries };
    },

    async open({ path }) {
      if (path !== undefined) return openPath(path);
      if (!options.dialogs) throw new HostError('NEEDS_PATH', 'this host has no open dialog: name the file to open');
      const chosen = await options.dialogs.chooseOpenPath();
      return chosen === null ? null : openPath(chosen);
    },

    async save({ path, document }) {
      return saveTo(path, document);
    },

    async saveAs({ document, path, suggestedName }) {
      if (path !== undefined) return saveTo(path, document);
      if (!options.dialogs) throw new HostError('NEEDS_PATH', 'this host has no save dialog: name the file to save');
      const chosen = await options.dialogs.chooseSavePath(suggestedName ?? `${document.metadata.title || 'Untitled'}${GRAPH_EXTENSION}`);
      return chosen === null ? null : saveTo(chosen, document);
    },

    async recentFiles() {
      const list = await loadRecent();
      const present: string[] = [];
      for (const p of list) if (await toDisk(p).then(existsSync, () => false)) present.push(p);
      return present;
    },

    async listExamples() {
      const files = (await fsp.readdir(options.examplesDir).catch(() => [] as string[])).filter((f) => f.endsWith(GRAPH_EXTENSION)).sort();
      const examples: Example[] = [];
      for (const file of files) {
        const { document } = parseGraph(await fsp.readFile(join(options.examplesDir, file), 'utf8'));
        if (!document) continue;
        examples.push({ id: file.slice(0, -GRAPH_EXTENSION.length), title: document.metadata.title, description: document.metadata.description, file });
      }
      return examples;
    },

    async openExample({ id }) {
      const file = `${id}${GRAPH_EXTENSION}`;
      if (basename(file) !== file || id.startsWith('.')) throw new HostError('EXAMPLE_NOT_FOUND', `no example "${id}"`);
      const disk = join(options.examplesDir, file);
      if (!existsSync(disk)) throw new HostError('EXAMPLE_NOT_FOUND', `no example "${id}"`);
      const loaded = await readGraphFile(disk);
      // Examples ship with the app: their code is ours.
      if (loaded.document) await (await codeTrust()).trust(customCode(loaded.document, catalog).map((c) => c.code));
      // An example opens as a new, unsaved document: saving asks where, and the example stays as shipped.
      return { path: null, name: file, document: loaded.document, diagnostics: loaded.diagnostics };
    },

    async validate({ document }) {
      return { diagnostics: compile(document, catalog).diagnostics };
    },

    async run({ document, steps, backend }) {
      const { diagnostics } = compile(document, catalog);
      if (hasErrors(diagnostics))
        throw new HostError('GRAPH_INVALID', `the graph has errors:\n${diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic).join('\n')}`);
      await assertTrusted(document);
      await fsp.mkdir(options.runsDir, { recursive: true });
      const runId = await claimRunFolder(options.runsDir, document.metadata.title);
      const outDir = join(options.runsDir, runId);
      let handle: RunHandle;
      try {
        // The app's runs train below the UI's priority: training never starves the interface.
        handle = options.startRun({ document, outDir, runId, background: true, ...(steps !== undefined ? { steps } : {}), ...(backend ? { backend } : {}) });
      } catch (e) {
        await fsp.rmdir(outDir).catch(() => undefined);
        throw new HostError('RUN_FAILED_TO_START', `the run could not start: ${e instanceof Error ? e.message : String(e)}`);
      }
      const record: RunRecord = {
        runId,
        title: document.metadata.title,
        startedAt: new Date().toISOString(),
        state: 'running',
        backend: null,
        folder: toUi(outDir),
        summary: null,
      };
      live.set(runId, { record, handle });
      follow(runId, handle);
      return { runId, folder: record.folder };
    },

    async cancel({ runId }) {
      const run = live.get(runId);
      if (!run) return { cancelled: false };
      run.handle.cancel();
      return { cancelled: true };
    },

    async listRuns() {
      const names = await fsp.readdir(options.runsDir, { withFileTypes: true }).catch(() => []);
      const ids = new Set([...names.filter((d) => d.isDirectory()).map((d) => d.name), ...live.keys(), ...ended.keys()]);
      const records: RunRecord[] = [];
      for (const id of ids) {
        const record = await readRecord(id).catch(() => null);
        if (record) records.push(record);
      }
      return records.sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
    },

    async openRun({ runId }) {
      const record = await readRecord(runId);
      if (!record) throw new HostError('RUN_NOT_FOUND', `no run "${runId}" in ${toUi(options.runsDir)}`);
      const folder = runsFolderFor(runId);
      const info = RunInfoSchema.safeParse(await readJson(join(folder, RUN_INFO_FILE)));
      const graph = await readGraphFile(join(folder, 'graph.ebm.json'));
      const metrics = (await readLines(join(folder, 'metrics.jsonl'))).flatMap((line) => {
        const row: unknown = safeJson(line);
        return isNumberRecord(row) ? [row] : [];
      });
      // The last snapshot of each monitor: a 2D monitor's samples, an MCMC monitor's energy traces.
      const lastSnapshot = new Map<string, Snapshot>();
      for (const line of await readLines(join(folder, 'snapshots.jsonl'))) {
        const s = SnapshotSchema.safeParse(safeJson(line));
        if (s.success) lastSnapshot.set(s.data.nodeId, s.data);
      }
      const plots: PlotRequest[] = info.success ? info.data.plots : [];
      const data: RunData = {
        record,
        document: graph.document,
        plots,
        totalSteps: info.success ? info.data.totalSteps : (record.summary?.totalSteps ?? 0),
        metrics,
        snapshots: [...lastSnapshot.values()],
      };
      return data;
    },

    async setDocumentState(state) {
      options.onDocumentState?.(state);
      return { ok: true as const };
    },

    async checkCustomCode({ code, inputDim, timeLimit }) {
      // The UI checks code the user applies in its editor (never a restricted document's): code
      // written on this machine, which may run from now on.
      await (await codeTrust()).trust([code]);
      // Custom code never runs on the host's thread: a worker (or the host's training process) does.
      const check = options.checkCustomCode ?? checkCustomCodeInWorker;
      return check({ code, inputDim, ...(timeLimit !== undefined ? { timeLimit } : {}) });
    },

    async exportProject({ document, target, folder }) {
      let chosen: string | null | undefined = folder;
      if (chosen === undefined) {
        if (!options.dialogs) throw new HostError('NEEDS_PATH', 'this host has no folder dialog: name the folder to export to');
        const title = (document.metadata.title || 'experiment').replace(/[^\p{L}\p{N}._ -]+/gu, '-').trim() || 'experiment';
        chosen = await options.dialogs.chooseExportFolder(`${title} (${target === 'pytorch' ? 'PyTorch' : 'TypeScript'})`);
        if (chosen === null) return null;
      }
      const disk = await toDisk(chosen, 'folder');
      try {
        const written = target === 'pytorch' ? await exportPyTorchProject(document, disk) : await exportTypeScriptProject(document, disk);
        const untrusted = (await codeTrust()).untrusted(document);
        const notes = untrusted.length > 0 ? [...written.notes, untrustedExportNote(untrusted)] : written.notes;
        // Paths relative to the project folder, whichever exporter wrote them.
        return { folder: toUi(disk), files: written.files.map((f) => relative(disk, resolve(disk, f)).split(sep).join('/')), notes };
      } catch (e) {
        throw new HostError('EXPORT_FAILED', e instanceof Error ? e.message : String(e));
      }
    },

    async codeTrust({ document }) {
      const untrusted = (await codeTrust()).untrusted(document);
      return { untrusted: untrusted.map(({ nodeId, name }) => ({ nodeId, name })), message: untrusted.length > 0 ? untrustedMessage(untrusted) : null };
    },

    async trustCode({ document }) {
      await (await codeTrust()).trust(customCode(document, catalog).map((c) => c.code));
      return { ok: true as const };
    },
  };

  return {
    ...services,
    async shutdown() {
      const runs = [...live.values()];
      for (const run of runs) run.handle.cancel();
      await Promise.all(runs.map((run) => run.handle.done));
    },
  };
}

/**
 * The one entry point of both hosts: checks the method name, parses the argument with the
 * contract's schema, and calls the service. Throws HostError for anything the UI should show.
 */
export async function dispatch(services: HostServices, method: unknown, rawArgs: unknown): Promise<unknown> {
  if (!isHostMethod(method)) throw new HostError('UNKNOWN_METHOD', `no host call named ${JSON.stringify(method)}`);
  const args = parseArgs(method, rawArgs);
  const call = services[method] as (a: unknown) => Promise<unknown>;
  try {
    return await call(args);
  } catch (e) {
    if (e instanceof HostError) throw e;
    throw new HostError('HOST_FAILURE', `${method} failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}


function applyEvent(record: RunRecord, event: RunEvent): void {
  if (event.type === 'started') record.backend = event.backend;
  else if (event.type === 'finished') {
    record.state = event.summary.status;
    record.summary = event.summary;
  } else if (event.type === 'failed') {
    record.state = 'failed';
    record.summary = event.summary ?? null;
  }
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

async function realpathOfExisting(path: string): Promise<string> {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      return join(await fsp.realpath(current), ...missing.reverse());
    } catch {
      const parent = dirname(current);
      if (parent === current) return path;
      missing.push(basename(current));
      current = parent;
    }
  }
}

/**
 * A fresh run id, with its (empty) folder created here and now: mkdir without `recursive` fails
 * when the folder exists, so two runs started in the same second never share a folder (the
 * worker creates its files later, too late to tell them apart).
 */
async function claimRunFolder(runsDir: string, title: string): Promise<string> {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const slug = title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'run';
  const base = `${stamp}-${slug}`;
  for (let i = 1; i <= MAX_RUN_ID_TRIES; i++) {
    const id = i === 1 ? base : `${base}-${i}`;
    try {
      await fsp.mkdir(join(runsDir, id));
      return id;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new HostError('RUN_FOLDER', `cannot create a run folder in ${runsDir}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  throw new HostError('RUN_FOLDER', `no free run folder name in ${runsDir} for ${base}`);
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await fsp.readFile(path, 'utf8'));
  } catch {
    return undefined;
  }
}

async function readLines(path: string): Promise<string[]> {
  const text = await fsp.readFile(path, 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l.trim() !== '');
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

function isNumberRecord(v: unknown): v is Record<string, number> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'number');
}
