import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostApi, HostArgs, HostPush, RunData, RunRecord } from '../../../app/api/contract.ts';
import { HostError } from '../../../app/api/contract.ts';
import { emptyDocument } from '../../../app/graph/document.ts';
import type { RunEvent } from '../../../app/runtime/events.ts';
import { metricSteps } from '../../../renderer/src/runs/run-view.ts';
import {
  RUN_ACTIVE,
  createRunStore,
  selectIsRunning,
  selectLiveFailure,
  selectShownView,
  type RunStore,
} from '../../../renderer/src/runs/store.ts';
import { NON_FINITE, RUN_ID, progress, record, runData, started, streamTo, summary } from './fixtures.ts';

/** A host that records calls and lets the test push events and decide when run() answers. */
class FakeHost {
  readonly calls: { method: string; args: unknown }[] = [];
  listeners = new Set<(push: HostPush) => void>();
  subscriptions = 0;
  runs: RunRecord[] = [];
  runResult: { runId: string; folder: string } | Error = { runId: RUN_ID, folder: `runs/${RUN_ID}` };
  /** When set, run() waits for this before answering. */
  gate: Promise<void> | null = null;
  opened: RunData | Error = runData({ record: record({ runId: 'old-run', title: 'An old run' }) });

  push(runId: string, event: RunEvent): void {
    for (const l of this.listeners) l({ kind: 'runEvent', runId, event });
  }
  count(method: string): number {
    return this.calls.filter((c) => c.method === method).length;
  }

  api(): HostApi {
    const call = (method: string, args: unknown) => this.calls.push({ method, args });
    const unused = async () => {
      throw new Error('not used by the runs store');
    };
    return {
      info: unused,
      newDocument: unused,
      listFiles: unused,
      open: unused,
      save: unused,
      saveAs: unused,
      recentFiles: unused,
      listExamples: unused,
      openExample: unused,
      validate: unused,
      setDocumentState: unused,
      checkCustomCode: unused,
      codeTrust: unused,
      trustCode: unused,
      exportProject: unused,
      run: async (args: HostArgs<'run'>) => {
        call('run', args);
        if (this.gate) await this.gate;
        if (this.runResult instanceof Error) throw this.runResult;
        return this.runResult;
      },
      cancel: async (args: HostArgs<'cancel'>) => {
        call('cancel', args);
        return { cancelled: true };
      },
      listRuns: async () => {
        call('listRuns', {});
        return this.runs;
      },
      openRun: async (args: HostArgs<'openRun'>) => {
        call('openRun', args);
        if (this.opened instanceof Error) throw this.opened;
        return this.opened;
      },
      onPush: (listener) => {
        this.subscriptions++;
        this.listeners.add(listener);
        return () => {
          this.listeners.delete(listener);
        };
      },
    };
  }
}

/** A store whose batches wait for the test to run the frame. */
function setup(): { host: FakeHost; store: RunStore; frames: (() => void)[]; delays: number[]; runFrames: () => void; updates: () => number } {
  const host = new FakeHost();
  const frames: (() => void)[] = [];
  const delays: number[] = [];
  const store = createRunStore(host.api(), {
    schedule: (run, delay) => {
      frames.push(run);
      delays.push(delay);
    },
  });
  store.connect();
  let n = 0;
  store.subscribe(() => n++);
  return {
    host,
    store,
    frames,
    delays,
    runFrames: () => {
      for (const f of frames.splice(0)) f();
    },
    updates: () => n,
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const doc = () => emptyDocument('Two moons, contrastive divergence');

test('start runs the document and follows its events, one state update per frame however many events', async () => {
  const { host, store, frames, runFrames, updates } = setup();
  const runId = await store.getState().start(doc(), { steps: 1000 });
  assert.equal(runId, RUN_ID);
  const runCall = host.calls.find((c) => c.method === 'run')?.args as HostArgs<'run'>;
  assert.equal(runCall.document.metadata.title, 'Two moons, contrastive divergence');
  assert.equal(runCall.steps, 1000);
  assert.equal(store.getState().live?.state, 'starting');
  assert.equal(store.getState().live?.runId, RUN_ID);
  assert.ok(selectIsRunning(store.getState()));

  const before = updates();
  for (const event of streamTo(300)) host.push(RUN_ID, event);
  assert.equal(frames.length, 1, 'one frame asked for the whole burst');
  assert.equal(updates(), before, 'nothing applied before the frame');
  runFrames();
  assert.equal(updates(), before + 1);
  const live = store.getState().live;
  assert.equal(live?.state, 'running');
  assert.equal(live?.metrics.rows, 30);
  assert.equal(live?.backend, 'wasm');
  assert.equal(selectShownView(store.getState()), live);
});

test('batches are at least minInterval apart, except the one that ends the run', async () => {
  const { host, store, delays, runFrames } = setup();
  await store.getState().start(doc());
  host.push(RUN_ID, started());
  assert.deepEqual(delays, [0], 'the first batch waits for nothing but the frame');
  runFrames();
  host.push(RUN_ID, progress(10));
  host.push(RUN_ID, progress(20));
  assert.equal(delays.length, 2);
  assert.ok((delays[1] ?? 0) > 50 && (delays[1] ?? 0) <= 100, `waits out the interval: ${delays[1]}`);
  host.push(RUN_ID, { type: 'finished', summary: summary({ steps: 20 }) });
  assert.equal(delays.length, 3);
  assert.equal(delays[2], 0, 'the end is shown at once');
  runFrames();
  assert.equal(store.getState().live?.state, 'completed');
  assert.equal(store.getState().live?.metrics.rows, 2);
});

test('events that arrive before run() answers are kept for that run; other runs’ events are ignored', async () => {
  const { host, store, runFrames } = setup();
  let open!: () => void;
  host.gate = new Promise((resolve) => (open = resolve));
  const starting = store.getState().start(doc());
  await settle();
  host.push(RUN_ID, started());
  host.push('someone-else', started({ runId: 'someone-else', backend: 'cpu' }));
  host.push(RUN_ID, progress(10));
  open();
  await starting;
  host.push('someone-else', progress(20));
  host.push(RUN_ID, progress(20));
  runFrames();
  const live = store.getState().live;
  assert.equal(live?.backend, 'wasm');
  assert.deepEqual(Array.from(metricSteps(live!.metrics)), [10, 20]);
});

test('a second start while the run goes on is refused, without calling the host', async () => {
  const { host, store } = setup();
  await store.getState().start(doc());
  const again = await store.getState().start(doc());
  assert.equal(again, null);
  assert.equal(host.count('run'), 1);
  assert.equal(store.getState().error?.code, RUN_ACTIVE);
  assert.equal(store.getState().live?.runId, RUN_ID, 'the running run is still the live one');
});

test('a start the host refuses shows its error and keeps the previous run', async () => {
  const { host, store, runFrames } = setup();
  await store.getState().start(doc());
  for (const e of [...streamTo(100), { type: 'finished', summary: summary({ steps: 100 }) } as RunEvent]) host.push(RUN_ID, e);
  runFrames();
  const previous = store.getState().live;
  assert.equal(previous?.state, 'completed');

  host.runResult = new HostError('GRAPH_INVALID', 'the graph has errors:\nerror MISSING_INPUT (node "objective"): …');
  assert.equal(await store.getState().start(doc()), null);
  assert.deepEqual(store.getState().error, { code: 'GRAPH_INVALID', message: 'the graph has errors:\nerror MISSING_INPUT (node "objective"): …' });
  assert.equal(store.getState().live, previous);
  store.getState().dismissError();
  assert.equal(store.getState().error, null);
});

test('when the run ends the runs list is fetched again, newest first', async () => {
  const { host, store, runFrames } = setup();
  await settle();
  const listsAtStart = host.count('listRuns');
  assert.equal(listsAtStart, 1, 'connect lists the runs');
  await store.getState().start(doc());
  await settle();
  host.runs = [record({ runId: 'a', startedAt: '2025-01-01T10:00:00Z' }), record({ runId: RUN_ID, startedAt: '2025-01-02T10:00:00Z' }), record({ runId: 'b', startedAt: '2024-12-31T10:00:00Z' })];
  const listsWhileRunning = host.count('listRuns');
  for (const e of streamTo(200)) host.push(RUN_ID, e);
  runFrames();
  await settle();
  assert.equal(host.count('listRuns'), listsWhileRunning, 'progress alone does not list the runs');
  host.push(RUN_ID, { type: 'finished', summary: summary() });
  runFrames();
  await settle();
  assert.equal(host.count('listRuns'), listsWhileRunning + 1);
  assert.deepEqual(store.getState().runs.map((r) => r.runId), [RUN_ID, 'a', 'b']);
  assert.equal(store.getState().live?.state, 'completed');
  assert.ok(!selectIsRunning(store.getState()));
});

test('stop cancels the live run; a stop before the run id is known cancels as soon as it is', async () => {
  const { host, store, runFrames } = setup();
  await store.getState().start(doc());
  await store.getState().stop();
  assert.deepEqual(host.calls.filter((c) => c.method === 'cancel').map((c) => c.args), [{ runId: RUN_ID }]);
  assert.equal(store.getState().stopping, true);
  host.push(RUN_ID, { type: 'finished', summary: summary({ status: 'cancelled', steps: 40 }) });
  runFrames();
  assert.equal(store.getState().live?.state, 'cancelled');
  assert.equal(store.getState().stopping, false);

  let open!: () => void;
  host.gate = new Promise((resolve) => (open = resolve));
  host.runResult = { runId: 'second', folder: 'runs/second' };
  const starting = store.getState().start(doc());
  await settle();
  await store.getState().stop();
  assert.equal(host.count('cancel'), 1, 'no id to cancel yet');
  open();
  await starting;
  await settle();
  assert.deepEqual(host.calls.filter((c) => c.method === 'cancel').at(-1)?.args, { runId: 'second' });
});

test('a failed run exposes the diagnostic for the editor to mark its node', async () => {
  const { host, store, runFrames } = setup();
  await store.getState().start(doc());
  assert.equal(selectLiveFailure(store.getState()), null);
  for (const e of streamTo(400)) host.push(RUN_ID, e);
  host.push(RUN_ID, { type: 'failed', diagnostic: NON_FINITE, summary: summary({ status: 'failed', steps: 411, error: NON_FINITE }) });
  runFrames();
  const failure = selectLiveFailure(store.getState());
  assert.equal(failure?.nodeId, 'adam');
  assert.equal(failure?.code, 'NON_FINITE');
  assert.equal(store.getState().live?.state, 'failed');
});

test('openRun shows a past run; showLive and opening the live run go back to it', async () => {
  const { host, store } = setup();
  await store.getState().start(doc());
  await store.getState().openRun('old-run');
  assert.deepEqual(host.calls.find((c) => c.method === 'openRun')?.args, { runId: 'old-run' });
  const shown = selectShownView(store.getState());
  assert.equal(store.getState().shown.kind, 'past');
  assert.equal(shown?.runId, 'old-run');
  assert.equal(shown?.title, 'An old run');
  assert.equal(shown?.metrics.rows, 100);
  assert.equal(store.getState().opening, null);

  store.getState().showLive();
  assert.equal(selectShownView(store.getState()), store.getState().live);

  await store.getState().openRun('old-run');
  await store.getState().openRun(RUN_ID);
  assert.equal(host.count('openRun'), 2, 'the live run is not reopened from disk');
  assert.equal(store.getState().shown.kind, 'live');

  host.opened = new HostError('RUN_NOT_FOUND', 'no run "gone"');
  await store.getState().openRun('gone');
  assert.equal(store.getState().error?.code, 'RUN_NOT_FOUND');
  assert.equal(store.getState().shown.kind, 'live');
});

test('starting a run shows it, even when a past run was shown', async () => {
  const { host, store, runFrames } = setup();
  await store.getState().start(doc());
  host.push(RUN_ID, { type: 'finished', summary: summary() });
  runFrames();
  await store.getState().openRun('old-run');
  host.runResult = { runId: 'next', folder: 'runs/next' };
  await store.getState().start(doc());
  assert.equal(store.getState().shown.kind, 'live');
  assert.equal(selectShownView(store.getState())?.runId, 'next');
});

test('connecting twice subscribes once; the last disconnect unsubscribes', () => {
  const host = new FakeHost();
  const store = createRunStore(host.api(), { schedule: (run) => run() });
  const a = store.connect();
  const b = store.connect();
  assert.equal(host.subscriptions, 1);
  a();
  a();
  assert.equal(host.listeners.size, 1);
  b();
  assert.equal(host.listeners.size, 0);
});
