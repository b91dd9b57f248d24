// What the live curves draw, worked out without a DOM: which panels the metrics go in, and each
// panel's data in the shape uPlot takes, extended row by row as the run logs (never rebuilt per
// frame). Pure apart from the builders' own state, so node tests cover it.
import { METRIC_GROUPS, type MetricGroup } from '../../../app/plot/curves.ts';
import { PALETTE } from '../../../app/plot/theme.ts';
import type { PlotRequest } from '../../../app/runtime/events.ts';
import type { MetricsTable } from './run-view.ts';

export interface CurveSeriesSpec {
  /** The metric's full name, e.g. `loss` or `trainer-2/loss` when a graph has several trainers. */
  readonly key: string;
  readonly color: string;
  /** Drawn faint with a smoothed line on top (noisy per-step training metrics). */
  readonly smooth: boolean;
}

export interface PanelSpec {
  /** Stable while the run goes on: the group's id, or the metric's name for a panel of its own. */
  readonly id: string;
  readonly title: string;
  readonly yLabel: string;
  readonly log: boolean;
  /** A dashed reference line at this value (NLL − entropy reaches 0 at the data's density, R̂ 1 for mixed chains). */
  readonly referenceLine: number | null;
  readonly series: readonly CurveSeriesSpec[];
}

/** `trainer/loss` → `loss`: with several trainers the runtime prefixes each metric with its trainer's name. */
export function baseName(key: string): string {
  const slash = key.lastIndexOf('/');
  return slash < 0 ? key : key.slice(slash + 1);
}

/**
 * The panels for these metric names: the core's groups first (Loss; Energies; Held-out NLL;
 * NLL − entropy; MMD²; Gradient norm on a log scale), each holding that metric of every trainer,
 * then one panel per other metric in order of first appearance. Only metrics present appear.
 */
export function groupMetrics(names: readonly string[], smoothing: number): PanelSpec[] {
  const smoothOn = smoothing > 0;
  const taken = new Set<string>();
  const panels: PanelSpec[] = [];
  for (const group of METRIC_GROUPS) {
    const keys = names.filter((n) => group.metrics.some((m) => m.key === baseName(n)));
    if (keys.length === 0) continue;
    // One trainer: each metric its colour in the core's figure; several: the same metric of each trainer in turn.
    const prefixed = keys.some((k) => k.includes('/'));
    const series = keys.map((key, i) => {
      taken.add(key);
      const color = prefixed ? PALETTE[i % PALETTE.length] : group.metrics.find((m) => m.key === baseName(key))?.color;
      return { key, color: color ?? PALETTE[0] ?? '#000', smooth: smoothOn && !group.monitor };
    });
    panels.push({ id: group.id, title: group.title, yLabel: group.yLabel, log: group.logY === true, referenceLine: referenceValue(group), series });
  }
  for (const key of names) {
    if (taken.has(key)) continue;
    panels.push({ id: `metric:${key}`, title: key, yLabel: '', log: false, referenceLine: null, series: [{ key, color: PALETTE[0] ?? '#000', smooth: smoothOn }] });
  }
  return panels;
}

/** A group's fixed reference line (the data entropy is known only in the figure, not live). */
function referenceValue(group: MetricGroup): number | null {
  if (group.reference === 'zero') return 0;
  if (typeof group.reference === 'object') return group.reference.value;
  return null;
}

/** The smoothing the run's curves monitor asks for (its default, 0.6, when the graph has none). */
export function smoothingOf(plots: readonly PlotRequest[]): number {
  for (const p of plots) if (p.kind === 'curves') return Math.min(Math.max(p.smoothing, 0), 0.999);
  return DEFAULT_SMOOTHING;
}
export const DEFAULT_SMOOTHING = 0.6;

/** A line of the chart: the raw values of a metric, or their smoothed line. */
export interface DrawnSeries {
  readonly key: string;
  readonly kind: 'raw' | 'smoothed';
  readonly color: string;
  /** Raw values under a smoothed line are drawn faint. */
  readonly faint: boolean;
}

/** The lines of a panel in the order of its data arrays (after x): raw, then smoothed when smoothed. */
export function drawnSeries(spec: PanelSpec): DrawnSeries[] {
  return spec.series.flatMap((s): DrawnSeries[] =>
    s.smooth
      ? [
          { key: s.key, kind: 'raw', color: s.color, faint: true },
          { key: s.key, kind: 'smoothed', color: s.color, faint: false },
        ]
      : [{ key: s.key, kind: 'raw', color: s.color, faint: false }],
  );
}

/** A y value as uPlot reads it: a number; null breaks the line (not finite, or ≤ 0 on a log axis); undefined is not logged in that row (the line goes on across it). */
export type YValue = number | null | undefined;

/** uPlot's AlignedData for one panel: steps, then one array per drawn series. */
export type PanelArrays = [number[], ...YValue[][]];

/**
 * One panel's data, extended as rows arrive. A row is in the panel when it logged any of the
 * panel's metrics, so a metric the monitors evaluate every few hundred steps draws a joined line
 * rather than isolated points. Smoothing is TensorBoard's debiased EMA, one step a row (in log
 * space on a log axis), so it costs O(1) a new row.
 */
export class PanelData {
  readonly x: number[] = [];
  readonly ys: YValue[][];
  private readonly lines: readonly DrawnSeries[];
  private readonly ema: { last: number; k: number }[];
  private storage: unknown = null;
  private consumed = 0;

  constructor(
    readonly spec: PanelSpec,
    private readonly weight: number,
  ) {
    this.lines = drawnSeries(spec);
    this.ys = this.lines.map(() => []);
    this.ema = spec.series.map(() => ({ last: 0, k: 0 }));
  }

  /** Rows of the table taken in so far. */
  get rows(): number {
    return this.consumed;
  }

  /** Takes in the rows the table has and this has not; starts over for another run's table. Returns whether anything changed. */
  sync(table: MetricsTable): boolean {
    let reset = false;
    if (table.store !== this.storage || table.rows < this.consumed) {
      this.storage = table.store;
      this.consumed = 0;
      this.x.length = 0;
      for (const y of this.ys) y.length = 0;
      for (const e of this.ema) {
        e.last = 0;
        e.k = 0;
      }
      reset = true;
    }
    if (table.rows === this.consumed) return reset;
    const steps = table.store.steps;
    const columns = this.spec.series.map((s) => table.store.columns.get(s.key) ?? null);
    const log = this.spec.log;
    const w = this.weight;
    const before = this.x.length;
    for (let i = this.consumed; i < table.rows; i++) {
      if (!columns.some((c) => c !== null && c.logged[i] === 1)) continue;
      this.x.push(steps[i] ?? NaN);
      let line = 0;
      this.spec.series.forEach((s, si) => {
        const c = columns[si] ?? null;
        const logged = c !== null && c.logged[i] === 1;
        const v = logged ? (c.values[i] ?? NaN) : NaN;
        const drawable = Number.isFinite(v) && (!log || v > 0);
        const raw: YValue = !logged ? undefined : drawable ? v : null;
        this.ys[line++]?.push(raw);
        if (s.smooth) {
          let smoothed: YValue = raw;
          if (drawable) {
            const e = this.ema[si] ?? { last: 0, k: 0 };
            const u = log ? Math.log10(v) : v;
            e.last = e.last * w + (1 - w) * u;
            e.k += 1;
            const debiased = e.last / (1 - w ** e.k);
            smoothed = log ? 10 ** debiased : debiased;
          }
          this.ys[line++]?.push(smoothed);
        }
      });
    }
    this.consumed = table.rows;
    return reset || this.x.length !== before;
  }

  /** The arrays for uPlot's setData (the same arrays each time, grown in place). */
  data(): PanelArrays {
    return [this.x, ...this.ys];
  }

  /** The newest drawable value of each metric of the panel (raw, or smoothed when smoothed), for the legend. */
  latest(): Map<string, number> {
    const out = new Map<string, number>();
    this.lines.forEach((line, li) => {
      const ys = this.ys[li] ?? [];
      for (let i = ys.length - 1; i >= 0; i--) {
        const v = ys[i];
        if (v !== undefined) {
          out.set(`${line.key}:${line.kind}`, v ?? NaN);
          break;
        }
      }
    });
    return out;
  }
}

/** The step range every panel shares, so that panels line up: [first, last] step of the table. */
export function stepExtent(table: MetricsTable): [number, number] | null {
  if (table.rows === 0) return null;
  const first = table.store.steps[0] ?? 0;
  const last = table.store.steps[table.rows - 1] ?? first;
  return first === last ? [first - 1, last + 1] : [first, last];
}

// ---------------------------------------------------------------- layout

/** Gap between panels, px. */
export const GAP = 8;
/** A panel's header (title and legend) on one line, px. */
export const HEADER_H = 20;
export const MIN_PANEL_H = 120;
export const MIN_PANEL_W = 180;

/** Columns for n panels in a box: the grid whose panels are largest, with a chart's usual 1.8:1 aspect in mind. */
export function gridColumns(n: number, width: number, height: number): number {
  let best = 1;
  let bestScore = -Infinity;
  for (let cols = 1; cols <= Math.max(1, n); cols++) {
    const rows = Math.ceil(n / cols);
    const w = (width - GAP * (cols - 1)) / cols;
    const h = (height - GAP * (rows - 1)) / rows;
    if (cols > 1 && w < MIN_PANEL_W) break;
    const score = Math.min(w / 1.8, Math.max(h, MIN_PANEL_H) - HEADER_H) - (h < MIN_PANEL_H ? MIN_PANEL_H - h : 0);
    if (score > bestScore) {
      bestScore = score;
      best = cols;
    }
  }
  return best;
}
