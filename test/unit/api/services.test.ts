// The host services (app/api/node/services.ts) as the web host uses them: a temp workspace, a fake
// startRun whose events the test scripts, and every call through dispatch (so arguments are
// parsed by the contract's schemas, as both hosts do).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOST_METHODS, HostError, type HostPush, type HostResult } from '../../../app/api/contract.ts';
import type { HostMethodName } from '../../../app/api/methods.ts';
import { createServices, dispatch, type Services } from '../../../app/api/node/services.ts';
import type { GraphDocument } from '../../../app/graph/document.ts';
import { parseGraph } from '../../../app/graph/parse.ts';
import { embedGraph } from '../../../app/graph/png-text.ts';
import { renderPng } from '../../../app/plot/node/png.ts';
import type { RunEvent, Summary } from '../../../app/runtime/events.ts';
import type { RunHandle, RunRequest } from '../../../app/runtime/node/start-run.ts';

const EXAMPLE = 'examples/gaussian-ml.ebm.json';
let root: string;
let n = 0;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'ebm-services-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const gaussian = async (): Promise<GraphDocument> => parseGraph(await readFile(EXAMPLE, 'utf8')).document!;

/** A run handle whose events the test emits. */
class FakeRun implements RunHandle {
  cancelled = 0;
  private queue: RunEvent[] = [];
  private wake: (() => void) | null = null;
  private ended = false;
  private failWith: Error | null = null;
  private resolveDone!: (v: Awaited<RunHandle['done']>) => void;
  readonly done: RunHandle['done'] = new Promise((r) => (this.resolveDone = r));

  constructor(readonly request: RunRequest) {}

  emit(event: RunEvent): void {
    this.queue.push(event);
    if (event.type === 'finished') this.finish({ summary: event.summary });
    if (event.type === 'failed') this.finish({ failure: event });
    this.wake?.();
  }
  /** Makes the event stream throw, as a broken transport would. */
  breakStream(e: Error): void {
    this.failWith = e;
    this.finish({});
    this.wake?.();
  }
  private finish(v: Awaited<RunHandle['done']>): void {
    this.ended = true;
    this.resolveDone(v);
  }
  cancel(): void {
    this.cancelled++;
  }
  get events(): AsyncIterable<RunEvent> {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    return {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          while (self.queue.length) yield self.queue.shift()!;
          if (self.failWith) throw self.failWith;
          if (self.ended) return;
          await new Promise<void>((r) => (self.wake = r));
          self.wake = null;
        }
      },
    };
  }
}

function summary(status: Summary['status'], steps: number): Summary {
  return {
    status,
    title: 'Gaussian energy on Gaussian data (known answer)',
    seed: 0,
    backend: 'cpu',
    steps,
    totalSteps: 20,
    seconds: 0.5,
    stepsPerSecond: 40,
    final: { loss: 0.1 },
    readouts: {},
    truth: {},
    knownAnswers: [],
  };
}

interface Setup {
  workspace: string;
  outside: string;
  examplesDir: string;
  runsDir: string;
  services: Services;
  runs: FakeRun[];
  pushes: HostPush[];
  call<M extends HostMethodName>(method: M, args?: unknown): Promise<HostResult<M>>;
}

async function setup(): Promise<Setup> {
  const base = join(root, `s${n++}`);
  const workspace = join(base, 'workspace');
  const outside = join(base, 'outside');
  const examplesDir = join(base, 'examples');
  await mkdir(workspace, { recursive: true });
  await mkdir(outside);
  await mkdir(examplesDir);
  await copyFile(EXAMPLE, join(examplesDir, 'gaussian-ml.ebm.json'));
  await copyFile(EXAMPLE, join(outside, 'secret.ebm.json'));
  // A valid graph right next to the examples folder: `../x` would reach it.
  await copyFile(EXAMPLE, join(base, 'x.ebm.json'));
  const runsDir = join(workspace, 'runs');
  const runs: FakeRun[] = [];
  const pushes: HostPush[] = [];
  const services = createServices({
    host: 'web',
    workspace,
    runsDir,
    examplesDir,
    startRun: (request) => {
      const run = new FakeRun(request);
      runs.push(run);
      return run;
    },
    push: (p) => pushes.push(p),
  });
  const call = async <M extends HostMethodName>(method: M, args: unknown = {}) => {
    const result = await dispatch(services, method, args);
    // Whatever a service returns must satisfy the contract, or the UI would be lied to.
    return HOST_METHODS[method].result.parse(result) as HostResult<M>;
  };
  return { workspace, outside, examplesDir, runsDir, services, runs, pushes, call };
}

async function refused(promise: Promise<unknown>, code: string, message?: RegExp): Promise<HostError> {
  const e = await promise.then(
    () => assert.fail(`expected ${code}, but the call succeeded`),
    (err: unknown) => err,
  );
  assert.ok(e instanceof HostError, `a HostError, not ${String(e)}`);
  assert.equal(e.code, code, e.message);
  if (message) assert.match(e.message, message);
  return e;
}

async function waitFor(what: string, ok: () => boolean | Promise<boolean>, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sorted = async (dir: string) => (await readdir(dir, { recursive: true })).map(String).sort();

test('paths are confined to the workspace: .., absolute, symlinks out and NUL bytes are refused, nothing is written outside', async () => {
  const s = await setup();
  const doc = await gaussian();
  await symlink(s.outside, join(s.workspace, 'escape'));
  await symlink(join(s.outside, 'secret.ebm.json'), join(s.workspace, 'linked.ebm.json'));
  const before = await sorted(s.outside);

  await refused(s.call('open', { path: '../outside/secret.ebm.json' }), 'OUTSIDE_WORKSPACE');
  await refused(s.call('open', { path: join(s.outside, 'secret.ebm.json') }), 'OUTSIDE_WORKSPACE', /absolute/);
  await refused(s.call('open', { path: 'escape/secret.ebm.json' }), 'OUTSIDE_WORKSPACE');
  await refused(s.call('open', { path: 'linked.ebm.json' }), 'OUTSIDE_WORKSPACE');
  await refused(s.call('open', { path: 'a\0b.ebm.json' }), 'INVALID_PATH');
  await refused(s.call('save', { path: '../outside/new', document: doc }), 'OUTSIDE_WORKSPACE');
  await refused(s.call('save', { path: 'sub/../../outside/new', document: doc }), 'OUTSIDE_WORKSPACE');
  await refused(s.call('save', { path: 'escape/new', document: doc }), 'OUTSIDE_WORKSPACE');
  await refused(s.call('save', { path: 'escape/deeper/new', document: doc }), 'OUTSIDE_WORKSPACE');
  await refused(s.call('save', { path: '/tmp/new', document: doc }), 'OUTSIDE_WORKSPACE');
  await refused(s.call('saveAs', { path: 'linked.ebm.json', document: doc }), 'OUTSIDE_WORKSPACE');
  await refused(s.call('listFiles', { folder: '..' }), 'OUTSIDE_WORKSPACE');
  await refused(s.call('listFiles', { folder: 'escape' }), 'OUTSIDE_WORKSPACE');

  assert.deepEqual(await sorted(s.outside), before, 'nothing was written outside the workspace');
  assert.equal(await readFile(join(s.outside, 'secret.ebm.json'), 'utf8'), await readFile(EXAMPLE, 'utf8'));
  // Inside, the same calls work.
  assert.equal((await s.call('save', { path: 'inside', document: doc })).path, 'inside.ebm.json');
  assert.equal((await s.call('open', { path: './sub/../inside.ebm.json' }))?.path, 'inside.ebm.json');
});

test('save appends .ebm.json, writes atomically (no temp file left) and round-trips through open', async () => {
  const s = await setup();
  const doc = await gaussian();
  await mkdir(join(s.workspace, 'graphs'));

  const saved = await s.call('save', { path: 'graphs/mine', document: doc });
  assert.deepEqual(saved, { path: 'graphs/mine.ebm.json', name: 'mine.ebm.json' });
  assert.deepEqual(await readdir(join(s.workspace, 'graphs')), ['mine.ebm.json']);
  const kept = await s.call('save', { path: 'graphs/mine.ebm.json', document: doc });
  assert.equal(kept.path, 'graphs/mine.ebm.json', 'an extension already there is not doubled');

  const opened = await s.call('open', { path: saved.path });
  assert.ok(opened);
  assert.deepEqual(opened.diagnostics, []);
  assert.deepEqual(opened.document, doc);
  assert.equal(opened.name, 'mine.ebm.json');

  // Overwrite with a change: the new content replaces the old, with no temp file left behind.
  const changed = { ...doc, metadata: { ...doc.metadata, title: 'Changed' } };
  await s.call('saveAs', { path: 'graphs/mine.ebm.json', document: changed });
  assert.deepEqual(await readdir(join(s.workspace, 'graphs')), ['mine.ebm.json']);
  assert.equal((await s.call('open', { path: 'graphs/mine.ebm.json' }))?.document?.metadata.title, 'Changed');

  // A folder that does not exist: a clear failure, nothing created.
  await refused(s.call('save', { path: 'nope/mine', document: doc }), 'SAVE_FAILED', /does not exist/);
  assert.equal(existsSync(join(s.workspace, 'nope')), false);

  assert.deepEqual(await s.call('recentFiles'), ['graphs/mine.ebm.json']);
  // The web host has no dialogs: open and saveAs need a path.
  await refused(s.call('open', {}), 'NEEDS_PATH');
  await refused(s.call('saveAs', { document: doc }), 'NEEDS_PATH');
});

test('broken files open with diagnostics and what could be salvaged (or null), never a throw', async () => {
  const s = await setup();
  const cases: [file: string, salvaged: boolean, code: string][] = [
    ['malformed.ebm.json', false, 'GRAPH_JSON_SYNTAX'],
    ['truncated.ebm.json', false, 'GRAPH_JSON_SYNTAX'],
    ['binary.ebm.json', false, 'GRAPH_FILE_ENCODING'],
    ['empty.ebm.json', false, 'GRAPH_FILE_EMPTY'],
    ['newer-format.ebm.json', false, 'GRAPH_FORMAT_NEWER'],
    ['top-level-array.ebm.json', false, 'GRAPH_NOT_A_GRAPH'],
    ['duplicate-ids.ebm.json', true, 'GRAPH_DUPLICATE_NODE_ID'],
    ['wrong-field-types.ebm.json', true, 'GRAPH_FIELD_INVALID'],
    ['edge-unknown-node.ebm.json', true, 'GRAPH_EDGE_UNKNOWN_NODE'],
  ];
  for (const [file] of cases) await copyFile(join('test/fixtures/broken', file), join(s.workspace, file));
  for (const [file, salvaged, code] of cases) {
    const opened = await s.call('open', { path: file });
    assert.ok(opened, file);
    assert.equal(opened.path, file);
    assert.equal(opened.document !== null, salvaged, `${file}: ${salvaged ? 'a salvaged document' : 'no document'}`);
    assert.ok(
      opened.diagnostics.some((d) => d.code === code),
      `${file}: ${code} in ${opened.diagnostics.map((d) => d.code).join(', ')}`,
    );
  }
  // A missing file and a folder are diagnostics too.
  await mkdir(join(s.workspace, 'folder.ebm.json'));
  for (const path of ['missing.ebm.json', 'folder.ebm.json']) {
    const opened = await s.call('open', { path });
    assert.equal(opened?.document, null);
    assert.deepEqual(
      opened?.diagnostics.map((d) => d.code),
      ['GRAPH_FILE_UNREADABLE'],
    );
  }
  // Only documents that were read are remembered as recent.
  assert.deepEqual((await s.call('recentFiles')).sort(), cases.filter(([, ok]) => ok).map(([f]) => f).sort());
});

test('a PNG that carries a graph opens as an unsaved document (Save asks where, never over the picture)', async () => {
  const s = await setup();
  const doc = await gaussian();
  await writeFile(join(s.workspace, 'loss.png'), embedGraph(renderPng(20, 10, () => {}), doc));
  const opened = await s.call('open', { path: 'loss.png' });
  assert.ok(opened);
  assert.deepEqual(opened.diagnostics, []);
  assert.deepEqual(opened.document, doc);
  assert.equal(opened.path, null);
  assert.equal(opened.name, 'loss.png');
});

test('listFiles lists folders, *.ebm.json and PNGs only, folders first, with the parent', async () => {
  const s = await setup();
  for (const d of ['zeta', 'alpha', '.hidden', 'node_modules', 'alpha/inner']) await mkdir(join(s.workspace, d));
  for (const f of ['b.ebm.json', 'a.ebm.json', 'notes.txt', 'data.json', '.x.ebm.json', 'alpha/c.ebm.json', 'alpha/d.csv', 'alpha/e.PNG'])
    await writeFile(join(s.workspace, f), '{}');
  await symlink(join(s.outside, 'secret.ebm.json'), join(s.workspace, 'linked.ebm.json'));

  const top = await s.call('listFiles', {});
  assert.equal(top.folder, '.');
  assert.equal(top.parent, null);
  assert.deepEqual(
    top.entries.map((e) => `${e.kind}:${e.path}`),
    ['folder:alpha', 'folder:zeta', 'file:a.ebm.json', 'file:b.ebm.json'],
  );
  const inner = await s.call('listFiles', { folder: 'alpha' });
  assert.equal(inner.folder, 'alpha');
  assert.equal(inner.parent, '.');
  assert.deepEqual(
    inner.entries.map((e) => `${e.kind}:${e.path}`),
    ['folder:alpha/inner', 'file:alpha/c.ebm.json', 'file:alpha/e.PNG'],
  );
  await refused(s.call('listFiles', { folder: 'a.ebm.json' }), 'FOLDER_UNREADABLE');
});

test('examples: listed with titles, opened as unsaved documents, unknown ids and ../ refused', async () => {
  const s = await setup();
  const examples = await s.call('listExamples');
  assert.deepEqual(
    examples.map((e) => [e.id, e.file, e.title]),
    [['gaussian-ml', 'gaussian-ml.ebm.json', 'Gaussian energy on Gaussian data (known answer)']],
  );
  const opened = await s.call('openExample', { id: 'gaussian-ml' });
  assert.equal(opened.path, null, 'an example opens unsaved');
  assert.deepEqual(opened.document, await gaussian());
  assert.deepEqual(opened.diagnostics, []);
  await refused(s.call('openExample', { id: 'nope' }), 'EXAMPLE_NOT_FOUND');
  // ../x.ebm.json exists next to the examples folder: it must not be reachable.
  await refused(s.call('openExample', { id: '../x' }), 'EXAMPLE_NOT_FOUND');
  await refused(s.call('openExample', { id: '..' }), 'EXAMPLE_NOT_FOUND');
  await refused(s.call('openExample', { id: '/etc/passwd' }), 'EXAMPLE_NOT_FOUND');
});

test('validate returns the compiler’s diagnostics; run refuses a graph with errors and starts nothing', async () => {
  const s = await setup();
  const good = await gaussian();
  assert.deepEqual((await s.call('validate', { document: good })).diagnostics, []);

  const bad = await gaussian();
  bad.edges = bad.edges.filter((e) => !(e.target.node === 'objective' && e.target.port === 'data'));
  const { diagnostics } = await s.call('validate', { document: bad });
  const unconnected = diagnostics.find((d) => d.code === 'INPUT_UNCONNECTED');
  assert.ok(unconnected, diagnostics.map((d) => d.code).join(', '));
  assert.equal(unconnected.nodeId, 'objective');
  assert.equal(unconnected.port, 'data');

  await refused(s.call('run', { document: bad }), 'GRAPH_INVALID', /INPUT_UNCONNECTED/);
  assert.equal(s.runs.length, 0, 'startRun was not called');
  assert.equal(existsSync(s.runsDir), false, 'no run folder');
});

test('dispatch refuses unknown methods and bad arguments, naming the field', async () => {
  const s = await setup();
  const doc = await gaussian();
  await refused(dispatch(s.services, 'deleteEverything', {}), 'UNKNOWN_METHOD');
  await refused(dispatch(s.services, 'shutdown', {}), 'UNKNOWN_METHOD', /shutdown/);
  await refused(dispatch(s.services, 'toString', {}), 'UNKNOWN_METHOD');
  await refused(dispatch(s.services, 42, {}), 'UNKNOWN_METHOD');
  await refused(dispatch(s.services, 'open', { path: 5 }), 'INVALID_ARGUMENT', /open: path:/);
  await refused(dispatch(s.services, 'open', { path: '' }), 'INVALID_ARGUMENT', /path/);
  await refused(dispatch(s.services, 'save', { path: 'x' }), 'INVALID_ARGUMENT', /document/);
  await refused(dispatch(s.services, 'run', { document: doc, steps: 0 }), 'INVALID_ARGUMENT', /steps/);
  await refused(dispatch(s.services, 'run', { document: doc, backend: 'gpu' }), 'INVALID_ARGUMENT', /backend/);
  await refused(dispatch(s.services, 'info', { extra: 1 }), 'INVALID_ARGUMENT', /extra/);
  await refused(dispatch(s.services, 'cancel', 'run-1'), 'INVALID_ARGUMENT');
  // Missing args are an empty object.
  const info = (await dispatch(s.services, 'info', undefined)) as HostResult<'info'>;
  assert.equal(info.host, 'web');
  assert.equal(info.workspace, s.workspace);
  assert.equal(info.nativeDialogs, false);
});

test('a run streams its events as runEvent pushes in order; listRuns shows it running then completed; cancel reaches the handle', async () => {
  const s = await setup();
  const doc = await gaussian();
  const { runId, folder } = await s.call('run', { document: doc, steps: 20, backend: 'cpu' });
  assert.equal(s.runs.length, 1);
  const run = s.runs[0]!;
  assert.equal(run.request.steps, 20);
  assert.equal(run.request.backend, 'cpu');
  assert.equal(run.request.runId, runId);
  assert.equal(run.request.outDir, join(s.runsDir, runId));
  assert.equal(folder, `runs/${runId}`);

  let runs = await s.call('listRuns');
  assert.deepEqual(
    runs.map((r) => [r.runId, r.state, r.backend, r.folder]),
    [[runId, 'running', null, `runs/${runId}`]],
  );

  const events: RunEvent[] = [
    { type: 'started', runId, backend: 'cpu', backendNotes: [], totalSteps: 20, plots: [] },
    { type: 'progress', step: 10, totalSteps: 20, metrics: { loss: 0.5 }, stepsPerSecond: 40 },
    { type: 'progress', step: 20, totalSteps: 20, metrics: { loss: 0.1 }, stepsPerSecond: 40 },
  ];
  for (const e of events) run.emit(e);
  await waitFor('three pushes', () => s.pushes.length === 3);
  runs = await s.call('listRuns');
  assert.equal(runs[0]?.state, 'running');
  assert.equal(runs[0]?.backend, 'cpu', 'the started event set the backend');

  assert.deepEqual(await s.call('cancel', { runId }), { cancelled: true });
  assert.equal(run.cancelled, 1, 'the handle was cancelled');
  assert.deepEqual(await s.call('cancel', { runId: 'no-such-run' }), { cancelled: false });

  const finished: RunEvent = { type: 'finished', summary: summary('completed', 20) };
  run.emit(finished);
  await waitFor('the finished push', () => s.pushes.length === 4);
  assert.deepEqual(
    s.pushes,
    [...events, finished].map((event) => ({ kind: 'runEvent', runId, event })),
  );
  // The run has left the live set (so cancel no longer finds it); listRuns still knows how it ended.
  await waitFor('the run to end', async () => !(await s.call('cancel', { runId })).cancelled);
  runs = await s.call('listRuns');
  assert.equal(runs.length, 1);
  assert.equal(runs[0]?.state, 'completed');
  assert.equal(runs[0]?.summary?.steps, 20);
});

test('runs read back from their folders: run.json and summary.json, newest first; openRun returns metrics and snapshots', async () => {
  const s = await setup();
  const doc = await gaussian();
  const { runId } = await s.call('run', { document: doc, steps: 20 });
  const dir = join(s.runsDir, runId);
  // What the real run folder holds (app/runtime/node/run-folder.ts).
  await writeFile(join(dir, 'run.json'), JSON.stringify({ runId, title: doc.metadata.title, startedAt: '2030-01-01T00:00:00.000Z', backend: 'cpu', totalSteps: 20, plots: [{ kind: 'curves', nodeId: 'curves', smoothing: 0 }] }));
  await writeFile(join(dir, 'metrics.jsonl'), `${JSON.stringify({ step: 10, loss: 0.5 })}\n${JSON.stringify({ step: 20, loss: 0.1 })}\nnot json\n`);
  await writeFile(join(dir, 'summary.json'), JSON.stringify(summary('completed', 20)));
  const snapshot = (step: number) => ({ step, nodeId: 'samples', bounds: [[-1, 1], [-1, 1]], gridSize: 1, energy: [step], samples: [0, 0], data: [1, 1] });
  await writeFile(join(dir, 'snapshots.jsonl'), `${JSON.stringify(snapshot(10))}\n${JSON.stringify(snapshot(20))}\n`);
  await copyFile(EXAMPLE, join(dir, 'graph.ebm.json'));
  s.runs[0]!.emit({ type: 'finished', summary: summary('completed', 20) });
  await waitFor('the run to end', async () => !(await s.call('cancel', { runId })).cancelled);

  // An older run cut short: run.json and no summary.
  const old = join(s.runsDir, '20200101-000000-old');
  await mkdir(old);
  await writeFile(join(old, 'run.json'), JSON.stringify({ runId: 'old', title: 'Old', startedAt: '2020-01-01T00:00:00.000Z', backend: 'wasm', totalSteps: 5, plots: [] }));
  // A folder that is not a run is not listed.
  await mkdir(join(s.runsDir, 'junk'));

  const runs = await s.call('listRuns');
  assert.deepEqual(
    runs.map((r) => [r.runId, r.state, r.backend]),
    [
      [runId, 'completed', 'cpu'],
      ['20200101-000000-old', 'interrupted', 'wasm'],
    ],
  );
  const data = await s.call('openRun', { runId });
  assert.deepEqual(data.metrics, [
    { step: 10, loss: 0.5 },
    { step: 20, loss: 0.1 },
  ]);
  assert.equal(data.totalSteps, 20);
  assert.deepEqual(data.plots, [{ kind: 'curves', nodeId: 'curves', smoothing: 0 }]);
  assert.deepEqual(data.document, doc);
  assert.equal(data.record.state, 'completed');
  assert.deepEqual(data.snapshots, [snapshot(20)], 'the last snapshot of each monitor');
  await refused(s.call('openRun', { runId: 'junk' }), 'RUN_NOT_FOUND');
  await refused(s.call('openRun', { runId: '../workspace' }), 'RUN_NOT_FOUND');
  await refused(s.call('openRun', { runId: '..' }), 'RUN_NOT_FOUND');
});

test('two runs started together get separate folders; a failed run and a broken stream end as failed, without crashing', async () => {
  const s = await setup();
  const doc = await gaussian();
  const [a, b] = await Promise.all([s.call('run', { document: doc }), s.call('run', { document: doc })]);
  assert.notEqual(a.runId, b.runId);
  assert.notEqual(a.folder, b.folder);

  // The first wrote run.json before failing without a summary: it failed, it was not interrupted.
  await writeFile(join(s.runsDir, a.runId, 'run.json'), JSON.stringify({ runId: a.runId, title: 't', startedAt: new Date().toISOString(), backend: 'cpu', totalSteps: 5, plots: [] }));
  s.runs[0]!.emit({ type: 'failed', diagnostic: { code: 'BACKEND_UNAVAILABLE', severity: 'error', message: 'no backend' } });
  s.runs[1]!.breakStream(new Error('the pipe broke'));
  await waitFor('both runs to end', async () => (await s.call('listRuns')).every((r) => r.state !== 'running'));
  const runs = await s.call('listRuns');
  assert.deepEqual(runs.map((r) => r.state).sort(), ['failed', 'failed']);
  const broken = s.pushes.find((p) => p.kind === 'runEvent' && p.runId === b.runId);
  assert.ok(broken?.kind === 'runEvent' && broken.event.type === 'failed');
  assert.match(broken.event.type === 'failed' ? broken.event.diagnostic.message : '', /the pipe broke/);
});

test('shutdown cancels every live run and waits for it to end', async () => {
  const s = await setup();
  const doc = await gaussian();
  await s.call('run', { document: doc });
  await s.call('run', { document: doc });
  let finished = false;
  const shutdown = s.services.shutdown().then(() => (finished = true));
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(
    s.runs.map((r) => r.cancelled),
    [1, 1],
  );
  assert.equal(finished, false, 'shutdown waits for the runs to end');
  for (const run of s.runs) run.emit({ type: 'finished', summary: summary('cancelled', 3) });
  await shutdown;
  assert.equal(finished, true);
});
