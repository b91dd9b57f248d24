// How run numbers read in the UI. Pure, for the node tests.
import { formatValue } from '../../../app/plot/scale.ts';
import type { Summary } from '../../../app/runtime/events.ts';
import type { RunViewState } from './run-view.ts';

export const STATE_LABELS: Readonly<Record<RunViewState, string>> = {
  starting: 'starting',
  running: 'running',
  completed: 'completed',
  cancelled: 'stopped',
  failed: 'failed',
  interrupted: 'interrupted',
};

/** 12345 → "12,345". */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '–';
  // By hand: toLocaleString is slow enough to show in a profile at tens of renders a second.
  const digits = String(Math.abs(Math.round(n)));
  let out = '';
  for (let i = 0; i < digits.length; i++) out += (i > 0 && (digits.length - i) % 3 === 0 ? ',' : '') + digits[i];
  return n < 0 && out !== '0' ? `−${out}` : out;
}

/** A metric value: four significant digits ("0.1235", "-2.5", "1.2e-5"); "NaN", "∞" as such. */
export function formatMetric(v: number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  if (Number.isNaN(v)) return 'NaN';
  return formatValue(v, 4);
}

/** Steps a second: "14.8 steps/s", "0.52 steps/s", "1.2k steps/s". */
export function formatRate(stepsPerSecond: number): string {
  if (!(stepsPerSecond > 0) || !Number.isFinite(stepsPerSecond)) return '– steps/s';
  return `${formatValue(stepsPerSecond, stepsPerSecond >= 100 ? 3 : 2)} steps/s`;
}

/** A duration: "42 s", "3 min 05 s", "1 h 02 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** Seconds left at the current rate; null when it cannot be told. */
export function etaSeconds(step: number, totalSteps: number, stepsPerSecond: number): number | null {
  if (!(totalSteps > 0) || !(stepsPerSecond > 0) || !Number.isFinite(stepsPerSecond)) return null;
  return Math.max(0, totalSteps - step) / stepsPerSecond;
}

/** The fraction done, in [0, 1]. */
export function fractionDone(step: number, totalSteps: number): number {
  return totalSteps > 0 ? Math.min(1, Math.max(0, step / totalSteps)) : 0;
}

/** An ISO time as a short local date and time: "2025-03-04 14:05"; the input itself when it does not parse. */
export function formatStartTime(iso: string | null, now: Date = new Date()): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const sameDay = d.getFullYear() === now.getFullYear() && d.getMonth() === now.getMonth() && d.getDate() === now.getDate();
  return sameDay ? `today ${time}` : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
}

/** A readout or truth: a number, or a short vector "[0.98, -1.02]". */
export function formatQuantity(v: number | readonly number[]): string {
  return typeof v === 'number' ? formatMetric(v) : `[${v.map((x) => formatMetric(x)).join(', ')}]`;
}

/** A named number the summary line shows. */
export interface KeyFigure {
  readonly label: string;
  readonly value: string;
  /** A longer explanation, for a tooltip. */
  readonly title?: string;
}

/** Final loss, NLL − H (or NLL), MMD², where the summary has them. With several trainers, every trainer's. */
export function keyFigures(final: Readonly<Record<string, number>>): KeyFigure[] {
  const figures: KeyFigure[] = [];
  const add = (base: string, label: string, title: string) => {
    for (const [key, v] of Object.entries(final)) {
      const b = key.slice(key.lastIndexOf('/') + 1);
      if (b !== base) continue;
      const prefix = key.length > b.length ? `${key.slice(0, key.length - b.length - 1)} ` : '';
      figures.push({ label: `${prefix}${label}`, value: formatMetric(v), title });
    }
  };
  add('loss', 'loss', 'final training loss');
  if (Object.keys(final).some((k) => k.endsWith('nll_minus_entropy'))) {
    add('nll_minus_entropy', 'NLL − H', 'held-out NLL minus the data entropy, nats: 0 when the model is the data density');
  } else {
    add('nll', 'NLL', 'held-out negative log-likelihood, nats');
  }
  add('mmd2', 'MMD²', 'squared maximum mean discrepancy between model samples and held-out data');
  return figures;
}

/** "mean 0.98 (true 1)" lines of the known answers the summary compared. */
export function knownAnswerLines(summary: Summary): KeyFigure[] {
  return summary.knownAnswers.map((a) => ({
    label: `${a.quantity} (${a.energyNode})`,
    value: `${formatQuantity(a.recovered)} vs true ${formatQuantity(a.truth)}`,
    title: `${a.quantity} recovered by ${a.energyNode} against the known value of ${a.dataNode}`,
  }));
}
