// Runs in the training utility process: the main side's event queue against a fake child (order,
// crash, cancel, protocol errors), the child side against a fake port, and both ends joined
// in-process around the real startRun.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { GraphDocument } from '../../../app/graph/document.ts';
import { parseGraph } from '../../../app/graph/parse.ts';
import type { RunEvent, Summary } from '../../../app/runtime/events.ts';
import { checkCustomCodeInWorker, startRun, type RunHandle, type RunRequest } from '../../../app/runtime/node/start-run.ts';
import type { CodeCheckResult } from '../../../nodes/energy-custom/model.ts';
import { checkCodeInChild, startRunInChild, type RunnerChild } from '../../../main/electron/runner-handle.ts';
import { ChildMessageSchema, ParentMessageSchema, type ChildMessage, type ParentMessage } from '../../../main/electron/runner-protocol.ts';
import { serveRunner, type ParentPortLike } from '../../../main/electron/runner-serve.ts';

const document = (): GraphDocument => parseGraph(readFileSync('examples/gaussian-ml.ebm.json', 'utf8')).document!;

const summary = (status: Summary['status']): Summary => ({
  status,
  title: 't',
  seed: 0,
  backend: 'cpu',
  steps: 2,
  totalSteps: 2,
  seconds: 0.1,
  stepsPerSecond: 20,
  final: {},
  readouts: {},
  truth: {},
  knownAnswers: [],
});
const started: RunEvent = { type: 'started', runId: 'r', backend: 'cpu', backendNotes: [], totalSteps: 2, plots: [] };
const progress = (step: number, loss = 0.5): RunEvent => ({ type: 'progress', step, totalSteps: 2, metrics: { loss }, stepsPerSecond: 10 });
const finished: RunEvent = { type: 'finished', summary: summary('completed') };

function fakeChild() {
  const posted: ParentMessage[] = [];
  let onMessage: ((m: unknown) => void) | null = null;
  let onExit: ((code: number) => void) | null = null;
  let kills = 0;
  const child: RunnerChild = {
    postMessage: (m) => posted.push(m),
    onMessage: (l) => (onMessage = l),
    onExit: (l) => (onExit = l),
    kill: () => kills++,
  };
  return {
    child,
    posted,
    send: (event: RunEvent) => onMessage!({ type: 'event', event } satisfies ChildMessage),
    sendRaw: (m: unknown) => onMessage!(m),
    exit: (code: number) => onExit!(code),
    kills: () => kills,
  };
}

async function collect(handle: RunHandle): Promise<RunEvent[]> {
  const all: RunEvent[] = [];
  for await (const e of handle.events) all.push(e);
  return all;
}

const request = (): RunRequest => ({ document: document(), backend: 'cpu', steps: 2, runId: 'r' });

test('the child is told to start the request, and its events come out in order, ending at finished', async () => {
  const fake = fakeChild();
  const req = request();
  const handle = startRunInChild(req, () => fake.child);
  assert.deepEqual(fake.posted, [{ type: 'start', request: req }]);
  const events = collect(handle);
  fake.send(started);
  fake.send(progress(1));
  await new Promise((r) => setImmediate(r));
  fake.send(progress(2));
  fake.send(finished);
  fake.send(progress(3)); // after the end: dropped
  fake.exit(0); // the kill that follows: not a crash
  assert.deepEqual(await events, [started, progress(1), progress(2), finished]);
  assert.deepEqual(await handle.done, { summary: summary('completed') });
  assert.equal(fake.kills(), 1, 'the process is ended once its run has');
});

test('events sent before anyone listens are kept', async () => {
  const fake = fakeChild();
  const handle = startRunInChild(request(), () => fake.child);
  fake.send(started);
  fake.send(finished);
  assert.deepEqual(await collect(handle), [started, finished]);
});

test('a diverging run (NaN loss) is passed through, not refused', async () => {
  const fake = fakeChild();
  const handle = startRunInChild(request(), () => fake.child);
  fake.send(started);
  fake.send(progress(1, Number.NaN));
  fake.send(finished);
  const events = await collect(handle);
  assert.equal(events.length, 3);
  assert.ok(events[1]?.type === 'progress' && Number.isNaN(events[1].metrics.loss));
});

test('a child that exits before the run ends yields RUN_CRASHED with its exit code', async () => {
  const fake = fakeChild();
  const handle = startRunInChild(request(), () => fake.child);
  fake.send(started);
  fake.exit(134);
  const events = await collect(handle);
  assert.equal(events.length, 2);
  const last = events[1]!;
  assert.ok(last.type === 'failed');
  assert.equal(last.diagnostic.code, 'RUN_CRASHED');
  assert.match(last.diagnostic.message, /134/);
  const done = await handle.done;
  assert.equal(done.failure?.diagnostic.code, 'RUN_CRASHED');
});

test('a failed event ends the run with its summary', async () => {
  const fake = fakeChild();
  const handle = startRunInChild(request(), () => fake.child);
  const failed: RunEvent = { type: 'failed', diagnostic: { code: 'BACKEND_UNAVAILABLE', severity: 'error', message: 'x' }, summary: summary('failed') };
  fake.send(failed);
  assert.deepEqual(await collect(handle), [failed]);
  assert.deepEqual(await handle.done, { summary: summary('failed'), failure: failed });
  assert.equal(fake.kills(), 1);
});

test('cancel sends the cancel message; the run ends with what the child reports', async () => {
  const fake = fakeChild();
  const handle = startRunInChild(request(), () => fake.child, { cancelGraceMs: 10_000 });
  fake.send(started);
  handle.cancel();
  assert.deepEqual(fake.posted.at(-1), { type: 'cancel' });
  const cancelled: RunEvent = { type: 'finished', summary: summary('cancelled') };
  fake.send(cancelled);
  assert.deepEqual(await collect(handle), [started, cancelled]);
  assert.equal((await handle.done).summary?.status, 'cancelled');
  handle.cancel();
  assert.equal(fake.posted.filter((m) => m.type === 'cancel').length, 1, 'no cancel after the end');
});

test('a cancelled run that does not stop in time is ended: RUN_UNRESPONSIVE, process killed', async () => {
  const fake = fakeChild();
  const handle = startRunInChild(request(), () => fake.child, { cancelGraceMs: 20 });
  fake.send(started);
  handle.cancel();
  const events = await collect(handle);
  const last = events.at(-1);
  assert.ok(last?.type === 'failed');
  assert.equal(last.diagnostic.code, 'RUN_UNRESPONSIVE');
  assert.equal(fake.kills(), 1);
});

test('a message that is not a run event ends the run with RUN_PROTOCOL', async () => {
  for (const bad of [{ type: 'event', event: { type: 'exploded' } }, { type: 'log', text: 'hi' }, null, 'started']) {
    const fake = fakeChild();
    const handle = startRunInChild(request(), () => fake.child);
    fake.sendRaw(bad);
    const events = await collect(handle);
    assert.equal(events.length, 1);
    assert.ok(events[0]?.type === 'failed' && events[0].diagnostic.code === 'RUN_PROTOCOL', JSON.stringify(bad));
  }
});

test('a child that cannot be started yields RUN_CRASHED rather than throwing', async () => {
  const handle = startRunInChild(request(), () => {
    throw new Error('runner.cjs is missing');
  });
  const events = await collect(handle);
  assert.ok(events[0]?.type === 'failed' && events[0].diagnostic.code === 'RUN_CRASHED' && /runner\.cjs is missing/.test(events[0].diagnostic.message));
});

test('the message schemas: a start carries a real request, nothing else gets through', () => {
  assert.ok(ParentMessageSchema.safeParse({ type: 'start', request: request() }).success);
  assert.ok(ParentMessageSchema.safeParse({ type: 'cancel' }).success);
  assert.equal(ParentMessageSchema.safeParse({ type: 'start', request: { document: {} } }).success, false);
  assert.equal(ParentMessageSchema.safeParse({ type: 'start', request: { ...request(), extra: 1 } }).success, false);
  assert.equal(ParentMessageSchema.safeParse({ type: 'start', request: { ...request(), backend: 'gpu' } }).success, false);
  assert.equal(ParentMessageSchema.safeParse({ type: 'kill' }).success, false);
  assert.ok(ChildMessageSchema.safeParse({ type: 'event', event: finished }).success);
  assert.equal(ChildMessageSchema.safeParse({ type: 'event', event: { type: 'nope' } }).success, false);
});

function fakePort() {
  const posted: ChildMessage[] = [];
  let listener: ((e: { data: unknown }) => void) | null = null;
  const port: ParentPortLike = {
    on: (_event, l) => (listener = l),
    postMessage: (m) => posted.push(m),
  };
  return { port, posted, deliver: (data: unknown) => listener!({ data }) };
}

function scriptedRun(events: RunEvent[]) {
  let cancels = 0;
  const handle: RunHandle = {
    events: (async function* () {
      for (const e of events) yield e;
    })(),
    cancel: () => cancels++,
    done: Promise.resolve({}),
  };
  return { handle, cancels: () => cancels };
}

test('the runner starts one run per process, posts every event, and forwards cancel', async () => {
  const { port, posted, deliver } = fakePort();
  const script = scriptedRun([started, progress(1), finished]);
  const requests: RunRequest[] = [];
  serveRunner(
    port,
    (r) => {
      requests.push(r);
      return script.handle;
    },
    () => assert.fail('nothing is checked'),
  );
  deliver({ type: 'start', request: request() });
  deliver({ type: 'start', request: request() });
  deliver({ type: 'cancel' });
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(requests.length, 1, 'a second start is ignored');
  assert.deepEqual(requests[0]?.document, document());
  assert.equal(script.cancels(), 1);
  assert.deepEqual(posted, [started, progress(1), finished].map((event) => ({ type: 'event', event })));
});

test('the runner answers a bad start message with a failed event', () => {
  const { port, posted, deliver } = fakePort();
  serveRunner(port, () => assert.fail('nothing is started'), () => assert.fail('nothing is checked'));
  deliver({ type: 'start', request: { document: { nodes: 'no' } } });
  assert.equal(posted.length, 1);
  const reply = posted[0];
  assert.ok(reply?.type === 'event' && reply.event.type === 'failed' && reply.event.diagnostic.code === 'RUN_PROTOCOL');
});

test('both ends joined around the real startRun: a run trains and finishes', async () => {
  // An in-process stand-in for utilityProcess: messages are structured-cloned as IPC would.
  const fork = (): RunnerChild => {
    const parentListeners: ((m: unknown) => void)[] = [];
    let childListener: ((e: { data: unknown }) => void) | null = null;
    serveRunner({ on: (_e, l) => (childListener = l), postMessage: (m) => setImmediate(() => parentListeners.forEach((l) => l(structuredClone(m)))) }, startRun, checkCustomCodeInWorker);
    return {
      postMessage: (m) => setImmediate(() => childListener!({ data: structuredClone(m) })),
      onMessage: (l) => parentListeners.push(l),
      onExit: () => {},
      kill: () => {},
    };
  };
  const handle = startRunInChild({ document: document(), backend: 'cpu', steps: 20 }, fork);
  const events = await collect(handle);
  assert.equal(events[0]?.type, 'started');
  assert.equal(events.filter((e) => e.type === 'progress').length, 2);
  assert.equal(events.at(-1)?.type, 'finished');
  assert.equal((await handle.done).summary?.status, 'completed');
});

// --- Dry runs of custom code: in the training process too, never in Electron's main process ------

/** An in-process stand-in for utilityProcess around the real serveRunner (IPC clones messages). */
function inProcessRunner(check: (r: { code: string; inputDim: number }) => Promise<CodeCheckResult>) {
  let kills = 0;
  const fork = (): RunnerChild => {
    const parentListeners: ((m: unknown) => void)[] = [];
    let childListener: ((e: { data: unknown }) => void) | null = null;
    serveRunner({ on: (_e, l) => (childListener = l), postMessage: (m) => setImmediate(() => parentListeners.forEach((l) => l(structuredClone(m)))) }, () => assert.fail('nothing is started'), check);
    return {
      postMessage: (m) => setImmediate(() => childListener!({ data: structuredClone(m) })),
      onMessage: (l) => parentListeners.push(l),
      onExit: () => {},
      kill: () => kills++,
    };
  };
  return { fork, kills: () => kills };
}

test('a check goes to a training process, which dry-runs the code on a worker and answers; the process is ended after', async () => {
  const runner = inProcessRunner(checkCustomCodeInWorker);
  const broken = 'export const params = {};\nexport function energy(x, p) {\n  return tf.sum(tf.square(x), 1) +;\n}\n';
  const result = await checkCodeInChild({ code: broken, inputDim: 2 }, runner.fork);
  assert.equal(result.ok, false);
  assert.equal(result.diagnostics[0]?.line, 3, JSON.stringify(result.diagnostics));
  assert.equal(runner.kills(), 1);
  const gaussian = "export const params = { mu: { shape: ['d'], init: 'zeros' } };\nexport function energy(x, p) {\n  return tf.sum(tf.square(tf.sub(x, p.mu)), 1);\n}\n";
  const fine = await checkCodeInChild({ code: gaussian, inputDim: 2 }, runner.fork);
  assert.equal(fine.ok, true, JSON.stringify(fine.diagnostics));
  assert.deepEqual(fine.params, [{ name: 'mu', shape: [2] }]);
});

test('a check whose process crashes or answers nonsense ends with a diagnostic, not a hang', async () => {
  const fake = fakeChild();
  const crashed = checkCodeInChild({ code: 'x', inputDim: 2 }, () => fake.child);
  assert.deepEqual(fake.posted, [{ type: 'check', request: { code: 'x', inputDim: 2 } }]);
  fake.exit(9);
  const r = await crashed;
  assert.equal(r.ok, false);
  assert.equal(r.diagnostics[0]?.code, 'CHECK_CRASHED');
  assert.match(r.diagnostics[0]!.message, /code 9/);

  const other = fakeChild();
  const garbled = checkCodeInChild({ code: 'x', inputDim: 2 }, () => other.child);
  other.sendRaw({ type: 'checked', result: 'no' });
  assert.equal((await garbled).diagnostics[0]?.code, 'CHECK_PROTOCOL');
  assert.equal(other.kills(), 1);

  const unforkable = await checkCodeInChild({ code: 'x', inputDim: 2 }, () => {
    throw new Error('no binary');
  });
  assert.match(unforkable.diagnostics[0]!.message, /could not start the training process: no binary/);
});

test('the protocol refuses a check request with a bad shape', () => {
  assert.equal(ParentMessageSchema.safeParse({ type: 'check', request: { code: 'x', inputDim: 0 } }).success, false);
  assert.equal(ParentMessageSchema.safeParse({ type: 'check', request: { code: 'x', inputDim: 2, extra: 1 } }).success, false);
  assert.equal(ParentMessageSchema.safeParse({ type: 'check', request: { code: 'x', inputDim: 2, timeLimit: 1 } }).success, true);
});
