// The training process's side: takes one start message, runs it with the ordinary startRun (the
// one training path: a worker thread, as the CLI and the web host do), and posts every event back;
// or takes one check message and dry-runs custom code on a worker thread of its own. Pure of
// Electron: the port, startRun and the check are passed in (runner-process.ts passes the real ones).
import { error } from '../../app/diagnostics.ts';
import type { RunEvent } from '../../app/runtime/events.ts';
import type { CodeCheckRequest, RunHandle, RunRequest } from '../../app/runtime/node/start-run.ts';
import type { CodeCheckResult } from '../../nodes/energy-custom/model.ts';
import { ParentMessageSchema, type ChildMessage } from './runner-protocol.ts';

/** process.parentPort, as far as the runner uses it. */
export interface ParentPortLike {
  on(event: 'message', listener: (messageEvent: { data: unknown }) => void): unknown;
  postMessage(message: ChildMessage): void;
}

export function serveRunner(port: ParentPortLike, startRun: (request: RunRequest) => RunHandle, checkCode: (request: CodeCheckRequest) => Promise<CodeCheckResult>): void {
  let handle: RunHandle | null = null;
  let cancelled = false;
  const post = (event: RunEvent) => port.postMessage({ type: 'event', event });

  port.on('message', ({ data }) => {
    const message = ParentMessageSchema.safeParse(data);
    if (!message.success) {
      if (!handle) post({ type: 'failed', diagnostic: error('RUN_PROTOCOL', `the training process received a bad start message: ${message.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; ')}`) });
      return;
    }
    if (message.data.type === 'cancel') {
      cancelled = true;
      handle?.cancel();
      return;
    }
    if (message.data.type === 'check') {
      void checkCode(message.data.request).then((result) => port.postMessage({ type: 'checked', result }));
      return;
    }
    if (handle) return; // one run per process
    const request: RunRequest = message.data.request;
    handle = startRun(request);
    if (cancelled) handle.cancel();
    void (async () => {
      for await (const event of handle.events) post(event);
    })();
  });
}
