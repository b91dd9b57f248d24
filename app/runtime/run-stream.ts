// The event side of a run handle: events are pushed in as they come (from a worker thread or a
// training process) and read once, in order, until `finished` or `failed`; `done` holds how the
// run ended. One implementation for every way of running (start-run.ts, Electron's runner).
import type { RunEvent, Summary } from './events.ts';

export interface RunOutcome {
  summary?: Summary;
  failure?: RunEvent & { type: 'failed' };
}

export class RunEventStream {
  private readonly queue: RunEvent[] = [];
  private wake: (() => void) | null = null;
  private resolveDone!: (outcome: RunOutcome) => void;
  ended = false;
  /** How the run ended; never rejects. */
  readonly done = new Promise<RunOutcome>((r) => (this.resolveDone = r));

  /** @param onEnd called once, after the last event is queued (to free the thread or process). */
  constructor(private readonly onEnd: () => void = () => undefined) {}

  /** Queues an event; anything after the run's last event is dropped. */
  push(event: RunEvent): void {
    if (this.ended) return;
    this.queue.push(event);
    if (event.type === 'finished' || event.type === 'failed') {
      this.ended = true;
      this.resolveDone(event.type === 'finished' ? { summary: event.summary } : { ...(event.summary ? { summary: event.summary } : {}), failure: event });
      this.onEnd();
    }
    this.wake?.();
  }

  /** Every event in order; ends after the last. Read it once. */
  get events(): AsyncIterable<RunEvent> {
    return this;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RunEvent> {
    for (;;) {
      while (this.queue.length) yield this.queue.shift()!;
      if (this.ended) return;
      await new Promise<void>((r) => (this.wake = r));
      this.wake = null;
    }
  }
}
