// A one-line progress bar on a terminal; a line every 10% elsewhere (logs, CI).
import type { RunEvent } from '../runtime/events.ts';

type Progress = Extract<RunEvent, { type: 'progress' }>;

export class ProgressLine {
  private lastDecile = -1;
  private drawn = false;
  private readonly started = Date.now();

  constructor(private readonly stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }) {}

  update(e: Progress): void {
    const fraction = e.step / e.totalSteps;
    const elapsed = (Date.now() - this.started) / 1000;
    const eta = fraction > 0 ? (elapsed / fraction) * (1 - fraction) : 0;
    const loss = e.metrics.loss;
    const text = `step ${e.step}/${e.totalSteps} · ${e.stepsPerSecond.toFixed(1)} steps/s${loss !== undefined ? ` · loss ${loss.toPrecision(4)}` : ''}${
      e.metrics.nll !== undefined ? ` · nll ${e.metrics.nll.toFixed(3)}` : ''
    } · eta ${formatSeconds(eta)}`;
    if (this.stream.isTTY) {
      const width = 24;
      const filled = Math.round(fraction * width);
      const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${text}`;
      this.stream.write(`\r${line.slice(0, (this.stream.columns ?? 120) - 1)}\x1b[K`);
      this.drawn = true;
    } else {
      const decile = Math.floor(fraction * 10);
      if (decile > this.lastDecile) {
        this.lastDecile = decile;
        this.stream.write(`${(fraction * 100).toFixed(0).padStart(3)}% ${text}\n`);
      }
    }
  }

  end(): void {
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${Math.round(s % 60).toString().padStart(2, '0')}s` : `${Math.round(s)}s`;
}
