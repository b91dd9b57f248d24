// startRun: trains a graph on a worker thread and streams its events. The one way the CLI, the
// app's hosts and the tests run a graph.
import { Worker } from 'node:worker_threads';
import { error } from '../../diagnostics.ts';
import type { GraphDocument } from '../../graph/document.ts';
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
}

/** What the worker receives. */
export interface WorkerInput {
  document: GraphDocument;
  backend: BackendPreference;
  steps?: number;
  outDir?: string;
  runId: string;
  background: boolean;
  /** One Int32: set to 1 to stop at the next step. */
  cancel: SharedArrayBuffer;
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

export function startRun(request: RunRequest): RunHandle {
  const cancel = new SharedArrayBuffer(4);
  const input: WorkerInput = {
    document: request.document,
    backend: request.backend ?? 'auto',
    runId: request.runId ?? `run-${Date.now().toString(36)}`,
    background: request.background ?? false,
    cancel,
    ...(request.steps !== undefined ? { steps: request.steps } : {}),
    ...(request.outDir ? { outDir: request.outDir } : {}),
  };
  const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), { workerData: input, execArgv: [] });

  let killTimer: NodeJS.Timeout | undefined;
  const stream = new RunEventStream(() => {
    clearTimeout(killTimer);
    void worker.terminate();
  });
  const push = (event: RunEvent) => stream.push(event);
  worker.on('message', (event: RunEvent) => push(event));
  worker.on('error', (e) => push({ type: 'failed', diagnostic: error('RUN_CRASHED', `the training thread crashed: ${e.message}`) }));
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
