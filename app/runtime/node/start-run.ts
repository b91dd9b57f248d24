// startRun: trains a graph on a worker thread and streams its events. The one way the CLI, the
// app's hosts and the tests run a graph. checkCustomCodeInWorker: the dry run of custom energy
// code, on a worker thread of its own (custom code never runs on a host's thread).
import { Worker } from 'node:worker_threads';
import { error } from '../../diagnostics.ts';
import type { GraphDocument } from '../../graph/document.ts';
import { compileCode, energyPosition } from '../../../nodes/energy-custom/code.ts';
import type { CodeCheckResult } from '../../../nodes/energy-custom/model.ts';
import { DEFAULT_TIME_LIMIT_S } from '../../../nodes/energy-custom/limits.ts';
import type { RunEvent } from '../events.ts';
import { RunEventStream, type RunOutcome } from '../run-stream.ts';
import type { BackendPreference } from './backend.ts';

export interface RunRequest {
  document: GraphDocument;
  backend?: BackendPreference;
  /** Overrides every trainer's step count. */
  steps?: number;
  /** Run folder; none is written when absent. */
  outDir?: string;
  runId?: string;
  /** Train at a lower CPU priority than the caller, so that an app's UI always gets the CPU
   * first (on Linux only the training thread is lowered; elsewhere the process that runs it). */
  background?: boolean;
  /** The training thread's JavaScript heap limit in MB (default MEMORY_LIMIT_MB; tests lower it). */
  memoryLimitMb?: number;
}

/** What the editor's Apply asks of custom energy code (the host's checkCustomCode). */
export interface CodeCheckRequest {
  code: string;
  inputDim: number;
  /** Seconds per call into the code (the node's Time limit); DEFAULT_TIME_LIMIT_S when absent. */
  timeLimit?: number;
}

/** What the worker receives. */
export type WorkerInput =
  | {
      kind: 'run';
      document: GraphDocument;
      backend: BackendPreference;
      steps?: number;
      outDir?: string;
      runId: string;
      background: boolean;
      /** One Int32: set to 1 to stop at the next step. */
      cancel: SharedArrayBuffer;
      watch: SharedArrayBuffer;
    }
  | { kind: 'check'; code: string; inputDim: number; limitMs: number; watch: SharedArrayBuffer };

/** What a check worker posts back. */
export interface CheckMessage {
  type: 'checked';
  result: CodeCheckResult;
}

export interface RunHandle {
  /** Every event in order; ends after `finished` or `failed`. */
  readonly events: AsyncIterable<RunEvent>;
  /** Stops at the next step boundary; the run ends as cancelled with its folder complete. */
  cancel(): void;
  /** The summary of the run, however it ended. Never rejects. */
  readonly done: Promise<RunOutcome>;
}

/** How long a cancelled run may take to reach a step boundary before its thread is ended. */
const CANCEL_GRACE_MS = 30_000;

/** The training thread's heap limit: far above what training needs (tensor data lives outside
 * the JavaScript heap), low enough that a runaway allocation ends the run, not the machine. */
export const MEMORY_LIMIT_MB = 2048;

// ---------------------------------------------------------------------------------------------
// The time limit of calls into custom code. The worker writes, before each call, when it must end
// (and which node, which call and the limit) into shared memory, and clears it after; this thread
// polls it and ends a worker that is past its deadline (custom code is synchronous: an infinite
// loop never gives the worker back). nodes/energy-custom/sandbox.ts has the worker's side.

/** How often the deadline is polled. */
const WATCH_POLL_MS = 200;

/** The shared words: [deadline (ms since the epoch, 0 when no call is running), node index in the
 * document (−1 for a check), kind (0: loading the code, 1: energy()), the limit in ms]. */
export const WATCH_SLOTS = 4;
export const WATCH_KINDS = ['load', 'energy'] as const;

export interface OverdueCall {
  nodeIndex: number;
  kind: (typeof WATCH_KINDS)[number];
  limitMs: number;
}

/** Polls the deadline; calls `overdue` once if a call runs past it. Returns a stop function. */
function watchDeadline(watch: SharedArrayBuffer, overdue: (call: OverdueCall) => void): () => void {
  const words = new BigInt64Array(watch);
  const timer = setInterval(() => {
    const deadline = Number(Atomics.load(words, 0));
    if (deadline === 0 || Date.now() <= deadline) return;
    clearInterval(timer);
    overdue({ nodeIndex: Number(Atomics.load(words, 1)), kind: WATCH_KINDS[Number(Atomics.load(words, 2))] ?? 'energy', limitMs: Number(Atomics.load(words, 3)) });
  }, WATCH_POLL_MS);
  return () => clearInterval(timer);
}

const seconds = (ms: number): string => `${Number((ms / 1000).toPrecision(3))} s`;
const inCall = (kind: OverdueCall['kind']): string => (kind === 'load' ? 'while loading its code' : 'in energy()');

function newWorker(input: WorkerInput, memoryLimitMb: number): Worker {
  return new Worker(new URL('./worker-entry.mjs', import.meta.url), { workerData: input, execArgv: [], resourceLimits: { maxOldGenerationSizeMb: memoryLimitMb } });
}

function crashMessage(e: Error & { code?: string }, memoryLimitMb: number, what: string): { code: string; message: string } {
  if (e.code === 'ERR_WORKER_OUT_OF_MEMORY')
    return {
      code: 'RUN_OUT_OF_MEMORY',
      message: `${what} ran out of memory (its JavaScript heap is limited to ${memoryLimitMb} MB) and was stopped; does custom code keep allocating?`,
    };
  return { code: 'RUN_CRASHED', message: `${what} crashed: ${e.message}` };
}

export function startRun(request: RunRequest): RunHandle {
  const cancel = new SharedArrayBuffer(4);
  const watch = new SharedArrayBuffer(8 * WATCH_SLOTS);
  const memoryLimitMb = request.memoryLimitMb ?? MEMORY_LIMIT_MB;
  const input: WorkerInput = {
    kind: 'run',
    document: request.document,
    backend: request.backend ?? 'auto',
    runId: request.runId ?? `run-${Date.now().toString(36)}`,
    background: request.background ?? false,
    cancel,
    watch,
    ...(request.steps !== undefined ? { steps: request.steps } : {}),
    ...(request.outDir ? { outDir: request.outDir } : {}),
  };
  const worker = newWorker(input, memoryLimitMb);

  let killTimer: NodeJS.Timeout | undefined;
  let stopWatching = (): void => undefined;
  const stream = new RunEventStream(() => {
    clearTimeout(killTimer);
    stopWatching();
    void worker.terminate();
  });
  const push = (event: RunEvent) => stream.push(event);
  stopWatching = watchDeadline(watch, ({ nodeIndex, kind, limitMs }) => {
    const node = request.document.nodes[nodeIndex];
    const name = node ? `"${node.label ?? node.id}"` : 'the custom energy';
    push({
      type: 'failed',
      diagnostic: error(
        'CUSTOM_CODE_TIMEOUT',
        `custom energy ${name} ran longer than ${seconds(limitMs)} ${inCall(kind)}; an infinite loop? The run was stopped (raise the node's Time limit if the code is just slow)`,
        node ? { nodeId: node.id, param: 'code' } : {},
      ),
    });
  });
  worker.on('message', (event: RunEvent) => push(event));
  worker.on('error', (e) => {
    const { code, message } = crashMessage(e, memoryLimitMb, 'the training thread');
    push({ type: 'failed', diagnostic: error(code, message) });
  });
  worker.on('exit', (code) => {
    if (!stream.ended) push({ type: 'failed', diagnostic: error('RUN_CRASHED', `the training thread exited (code ${code}) before the run ended`) });
  });

  return {
    events: stream.events,
    done: stream.done,
    cancel() {
      Atomics.store(new Int32Array(cancel), 0, 1);
      killTimer ??= setTimeout(() => {
        push({ type: 'failed', diagnostic: error('RUN_UNRESPONSIVE', `the run did not stop within ${CANCEL_GRACE_MS / 1000} s of being cancelled; its thread was ended`) });
      }, CANCEL_GRACE_MS);
    },
  };
}

/**
 * Dry-runs custom energy code (nodes/energy-custom/model.ts checkCode) on a worker thread of its
 * own, under the same time and memory limits as training. Never rejects: a crash or a timeout is
 * a diagnostic in the result.
 */
export function checkCustomCodeInWorker(request: CodeCheckRequest, options: { memoryLimitMb?: number } = {}): Promise<CodeCheckResult> {
  const watch = new SharedArrayBuffer(8 * WATCH_SLOTS);
  const memoryLimitMb = options.memoryLimitMb ?? MEMORY_LIMIT_MB;
  const limitMs = (request.timeLimit ?? DEFAULT_TIME_LIMIT_S) * 1000;
  const failed = (code: string, message: string, at: 'start' | 'energy' = 'start'): CodeCheckResult => {
    const { compiled } = compileCode(request.code);
    const where = (at === 'energy' && compiled && energyPosition(compiled)) || { line: 1, column: 1 };
    return { ok: false, diagnostics: [{ code, severity: 'error', message, ...where }], params: [], secondOrder: { ok: false, problems: [] } };
  };
  return new Promise((resolve) => {
    let worker: Worker | null = null;
    let stopWatching = (): void => undefined;
    let settled = false;
    const settle = (result: CodeCheckResult) => {
      if (settled) return;
      settled = true;
      stopWatching();
      void worker?.terminate();
      resolve(result);
    };
    try {
      worker = newWorker({ kind: 'check', code: request.code, inputDim: request.inputDim, limitMs, watch }, memoryLimitMb);
    } catch (e) {
      settle(failed('CODE_CHECK_FAILED', `could not start a thread to check the code: ${e instanceof Error ? e.message : String(e)}`));
      return;
    }
    stopWatching = watchDeadline(watch, ({ kind }) =>
      settle(failed('CODE_TIMEOUT', `the code ran longer than ${seconds(limitMs)} ${inCall(kind)}; an infinite loop?`, kind === 'energy' ? 'energy' : 'start')),
    );
    worker.on('message', (message: CheckMessage) => settle(message.result));
    worker.on('error', (e) => {
      const { code, message } = crashMessage(e, memoryLimitMb, 'checking the code');
      settle(failed(code === 'RUN_OUT_OF_MEMORY' ? 'CODE_OUT_OF_MEMORY' : 'CODE_CHECK_FAILED', message));
    });
    worker.on('exit', (code) => settle(failed('CODE_CHECK_FAILED', `the thread that checks the code exited (code ${code}) without an answer`)));
  });
}
