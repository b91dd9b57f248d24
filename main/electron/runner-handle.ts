// The main process's side of a run in the training process: a RunHandle (the same interface as
// startRun's) fed by the child's messages. Pure of Electron: the fork is passed in, so tests drive
// it with a fake child.
import { error } from '../../app/diagnostics.ts';
import type { RunEvent } from '../../app/runtime/events.ts';
import type { CodeCheckRequest, RunHandle, RunRequest } from '../../app/runtime/node/start-run.ts';
import { RunEventStream } from '../../app/runtime/run-stream.ts';
import type { CodeCheckResult } from '../../nodes/energy-custom/model.ts';
import { CheckedMessageSchema, ChildMessageSchema, type ParentMessage } from './runner-protocol.ts';

/** What the handle needs of the child process (Electron's UtilityProcess, adapted in runner.ts). */
export interface RunnerChild {
  postMessage(message: ParentMessage): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number) => void): void;
  kill(): void;
}
export type ForkRunner = () => RunnerChild;

export interface RunnerOptions {
  /**
   * How long a cancelled run may take to end before the process is killed. Longer than the
   * runner's own grace for its training thread (30 s), which ends a stuck run with RUN_UNRESPONSIVE.
   */
  cancelGraceMs?: number;
}

const CANCEL_GRACE_MS = 40_000;

export function startRunInChild(request: RunRequest, fork: ForkRunner, options: RunnerOptions = {}): RunHandle {
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  let child: RunnerChild | null = null;

  // The run folder is complete once its last event is sent: the process has nothing left to do.
  const stream = new RunEventStream(() => {
    clearTimeout(killTimer);
    try {
      child?.kill();
    } catch {
      // already gone
    }
  });
  const push = (event: RunEvent) => stream.push(event);

  try {
    child = fork();
    child.onMessage((message) => {
      const parsed = ChildMessageSchema.safeParse(message);
      if (parsed.success) push(parsed.data.event as RunEvent);
      else push({ type: 'failed', diagnostic: error('RUN_PROTOCOL', 'the training process sent a message the app does not understand') });
    });
    child.onExit((code) => {
      if (!stream.ended) push({ type: 'failed', diagnostic: error('RUN_CRASHED', `the training process exited (code ${code}) before the run ended`) });
    });
    child.postMessage({ type: 'start', request });
  } catch (e) {
    push({ type: 'failed', diagnostic: error('RUN_CRASHED', `could not start the training process: ${e instanceof Error ? e.message : String(e)}`) });
  }

  return {
    events: stream.events,
    done: stream.done,
    cancel() {
      if (stream.ended) return;
      try {
        child?.postMessage({ type: 'cancel' });
      } catch {
        // The process is gone; its exit ends the run.
      }
      const grace = options.cancelGraceMs ?? CANCEL_GRACE_MS;
      killTimer ??= setTimeout(() => {
        push({ type: 'failed', diagnostic: error('RUN_UNRESPONSIVE', `the run did not stop within ${Math.round(grace / 1000)} s of being cancelled; its process was ended`) });
      }, grace);
    },
  };
}

/** A check that could not be made: one diagnostic at the top of the code. */
function checkFailed(code: string, message: string): CodeCheckResult {
  return { ok: false, diagnostics: [{ code, severity: 'error', message, line: 1, column: 1 }], params: [], secondOrder: { ok: false, problems: [] } };
}

/**
 * Dry-runs custom energy code in a training process of its own (the code never runs in the main
 * process), which ends once it has answered. Never rejects: a crash or a broken reply becomes the
 * result's diagnostic.
 */
export function checkCodeInChild(request: CodeCheckRequest, fork: ForkRunner): Promise<CodeCheckResult> {
  return new Promise((resolve) => {
    let child: RunnerChild | null = null;
    let settled = false;
    const settle = (result: CodeCheckResult) => {
      if (settled) return;
      settled = true;
      resolve(result);
      try {
        child?.kill();
      } catch {
        // already gone
      }
    };
    try {
      child = fork();
      child.onMessage((message) => {
        const parsed = CheckedMessageSchema.safeParse(message);
        settle(parsed.success ? parsed.data.result : checkFailed('CHECK_PROTOCOL', 'the training process sent a message the app does not understand'));
      });
      child.onExit((code) => settle(checkFailed('CHECK_CRASHED', `the training process exited (code ${code}) before it finished checking the code`)));
      child.postMessage({ type: 'check', request });
    } catch (e) {
      settle(checkFailed('CHECK_CRASHED', `could not start the training process: ${e instanceof Error ? e.message : String(e)}`));
    }
  });
}
