// Training curves as small multiples: one panel per group of metrics, all sharing the x axis
// "step". Noisy series are drawn faintly with an EMA-smoothed line on top. Whatever is not
// finite (a diverged run ends in NaN) breaks the line and is marked, never drawn or thrown on.
import type { Canvas2D, Rect } from './canvas.ts';
import {
  TICK_LENGTH,
  TICK_PAD,
  drawBottomAxis,
  drawHorizontalGrid,
  drawLeftAxis,
  drawVerticalText,
  fitText,
  maxTickLabelWidth,
} from './axes.ts';
import { finiteExtent, formatValue, linearScale, logDomain, logScale, niceLinearDomain, type Scale } from './scale.ts';
import { PALETTE, font, themeWith, type Theme } from './theme.ts';

export type Point = readonly [step: number, value: number];

export interface Series {
  readonly name: string;
  /** A CSS colour; by default the next palette colour. */
  readonly color?: string;
  /** [step, value] pairs; values that are not finite break the line. */
  readonly points: readonly Point[];
  readonly dash?: readonly number[];
}

/** A horizontal reference line, e.g. the entropy of the data under the NLL. */
export interface ReferenceLine {
  readonly value: number;
  /** Shown in the legend when given. */
  readonly label?: string;
  readonly color?: string;
}

export interface Panel {
  readonly title: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly logY?: boolean;
  readonly hlines?: readonly ReferenceLine[];
}

export interface CurvesOptions {
  /** Figure title, drawn above the panels. */
  readonly title?: string;
  /** Muted text after the title (run name, seed...). */
  readonly subtitle?: string;
  readonly xLabel?: string;
  /**
   * EMA weight in [0, 1) for noisy series, as TensorBoard's slider (0 = off, 0.9 = about a
   * 10-point window), applied on both sides of each point (see smoothSeries) so the smoothed line
   * neither lags nor bends at the ends. 'auto' (the default) picks a window of about 1/30 of the
   * points. Series that are not noisy (see isNoisy) are never smoothed.
   */
  readonly smoothing?: number | 'auto';
  /** Panels per row; by default 1 to 3 depending on how many panels there are. */
  readonly columns?: number;
  readonly theme?: Partial<Theme>;
  /** Paint the box with the theme background first (default true). */
  readonly background?: boolean;
}

export interface PanelLayout {
  readonly panel: Panel;
  /** The panel's whole cell, header included. */
  readonly cell: Rect;
  /** The data area. */
  readonly plot: Rect;
  readonly x: Scale;
  readonly y: Scale;
  /** The colour each series was drawn in, by index. */
  readonly colors: readonly string[];
  /** Names of the series drawn smoothed (raw faint underneath). */
  readonly smoothed: readonly string[];
  /** First step with a non-finite value, if any. */
  readonly nonFiniteFrom: number | null;
  /** Some finite values lie outside the y range (see robustExtent). */
  readonly offScale: boolean;
}

export interface CurvesLayout {
  readonly panels: readonly PanelLayout[];
}

/** A row of a metrics.jsonl: the step and any metrics; NaN arrives as null (JSON has no NaN). */
export type MetricsRow = { readonly step: number } & { readonly [name: string]: unknown };

// ---------------------------------------------------------------- series statistics

/** Series with at most this many finite points are drawn with a marker at each point. */
export const MARKER_LIMIT = 40;

/** A debiased exponential moving average (TensorBoard's); non-finite inputs give NaN and are skipped. */
export function emaSmooth(values: readonly number[], weight: number): number[] {
  const w = Math.min(Math.max(weight, 0), 0.9999);
  let last = 0;
  let k = 0;
  return values.map((v) => {
    if (!Number.isFinite(v)) return NaN;
    last = last * w + (1 - w) * v;
    k += 1;
    return last / (1 - w ** k);
  });
}

/** Robustness passes after the first fit (LOWESS uses two or three). */
const ROBUST_PASSES = 2;

/** One pass of the exponentially weighted local line fit, each neighbour j also weighted by robust[j]. */
function localLinear(values: readonly number[], powers: readonly number[], robust: readonly number[] | null): number[] {
  const reach = powers.length - 1;
  return values.map((v, i) => {
    if (!Number.isFinite(v)) return NaN;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let t0 = 0;
    let t1 = 0;
    const lo = Math.max(0, i - reach);
    const hi = Math.min(values.length - 1, i + reach);
    for (let j = lo; j <= hi; j++) {
      const y = values[j] ?? NaN;
      if (!Number.isFinite(y)) continue;
      const d = j - i;
      const k = (powers[Math.abs(d)] ?? 0) * (robust ? (robust[j] ?? 0) : 1);
      s0 += k;
      s1 += k * d;
      s2 += k * d * d;
      t0 += k * y;
      t1 += k * d * y;
    }
    if (!(s0 > 0)) return v;
    const det = s0 * s2 - s1 * s1;
    return det > 1e-9 * s0 * s2 ? (s2 * t0 - s1 * t1) / det : t0 / s0;
  });
}

/**
 * Smooths with the EMA's weights, weight^|i − j|, on both sides of each point, fitting a local
 * line rather than a local mean: the two-sided version of the EMA. Unlike a one-way EMA it does
 * not lag a falling curve, and unlike a plain two-sided average it does not bend at the ends, so
 * the last smoothed value is a fair reading of where the run finished. As in LOWESS, further
 * passes down-weight points far off the previous fit (bisquare weights at 6 median residuals), so a
 * spike, or the first points of a blow-up, do not drag the line up before they happen.
 * Non-finite inputs give NaN and are skipped as neighbours.
 */
export function smoothSeries(values: readonly number[], weight: number): number[] {
  const w = Math.min(Math.max(weight, 0), 0.9999);
  if (w === 0) return values.map((v) => (Number.isFinite(v) ? v : NaN));
  const reach = Math.min(values.length, Math.ceil(Math.log(1e-3) / Math.log(w)));
  const powers = Array.from({ length: reach + 1 }, (_, k) => w ** k);
  let fit = localLinear(values, powers, null);
  for (let pass = 0; pass < ROBUST_PASSES; pass++) {
    const residuals = values.map((v, i) => Math.abs(v - (fit[i] ?? NaN))).filter(Number.isFinite);
    residuals.sort((a, b) => a - b);
    const scale = 6 * quantile(residuals, 0.5);
    if (!(scale > 0)) return fit;
    const current = fit;
    const robust = values.map((v, i) => {
      const u = Math.abs(v - (current[i] ?? NaN)) / scale;
      return u < 1 ? (1 - u * u) ** 2 : 0;
    });
    fit = localLinear(values, powers, robust);
  }
  return fit;
}

/** The EMA weight that 'auto' smoothing uses for n points: a window of n/30 points (3 to 200). */
export function autoSmoothing(n: number): number {
  const window = Math.min(200, Math.max(3, n / 30));
  return 1 - 1 / window;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const a = sorted[lo] ?? NaN;
  const b = sorted[Math.min(sorted.length - 1, lo + 1)] ?? a;
  return a + (b - a) * (i - lo);
}

/**
 * Point-to-point noise relative to the series' spread: a robust σ from second differences
 * (0 for a smooth curve) over the 10–90% range of the values (so that a blow-up at the end does
 * not hide the noise before it). NaN when it cannot be told.
 */
export function noiseRatio(values: readonly number[]): number {
  const v = values.filter(Number.isFinite);
  if (v.length < 8) return NaN;
  const d2: number[] = [];
  for (let i = 1; i + 1 < v.length; i++) d2.push(Math.abs((v[i + 1] ?? 0) - 2 * (v[i] ?? 0) + (v[i - 1] ?? 0)));
  d2.sort((a, b) => a - b);
  const sigma = quantile(d2, 0.5) / (0.6745 * Math.sqrt(6));
  const sorted = [...v].sort((a, b) => a - b);
  const spread = quantile(sorted, 0.9) - quantile(sorted, 0.1);
  if (!(spread > 0)) return 0;
  return sigma / spread;
}

/**
 * Noisy enough that a smoothed line helps: more than MARKER_LIMIT points (sparser series are
 * drawn with markers, unsmoothed) and a noise ratio above 3%.
 */
export function isNoisy(values: readonly number[]): boolean {
  return values.filter(Number.isFinite).length > MARKER_LIMIT && noiseRatio(values) > 0.03;
}

/**
 * The y range to show: all finite values, except those beyond fences 3 × (q90 − q10) past the
 * 10% and 90% quantiles, which are left off-scale so that a blow-up at the end of a diverging run
 * (or one wild spike) does not flatten the rest of the curve. TensorBoard's default is stricter
 * (5–95%); these fences keep the ordinary early fall of a loss in view.
 */
export function robustExtent(values: readonly number[]): [number, number] | null {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const full = finiteExtent(sorted);
  if (!full || sorted.length < 20) return full;
  const q10 = quantile(sorted, 0.1);
  const q90 = quantile(sorted, 0.9);
  const spread = q90 - q10;
  if (!(spread > 0)) return full;
  return [Math.max(full[0], q10 - 3 * spread), Math.min(full[1], q90 + 3 * spread)];
}

// ---------------------------------------------------------------- metrics rows to panels

const NON_FINITE_WORDS: ReadonlyMap<string, number> = new Map([
  ['nan', NaN],
  ['inf', Infinity],
  ['+inf', Infinity],
  ['infinity', Infinity],
  ['+infinity', Infinity],
  ['-inf', -Infinity],
  ['-infinity', -Infinity],
]);

/** A metric value: numbers as they are; null (how JSON writes NaN and ±Infinity) and "NaN"-like words as non-finite; anything else is not a metric. */
function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v === null) return NaN;
  if (typeof v === 'string') return NON_FINITE_WORDS.get(v.trim().toLowerCase());
  return undefined;
}

/** The values of one metric as [step, value] pairs, in step order; rows without it are skipped. */
export function metricPoints(rows: readonly MetricsRow[], name: string): Point[] {
  const points: Point[] = [];
  for (const row of rows) {
    if (!Number.isFinite(row.step)) continue;
    const v = toNumber(row[name]);
    if (v !== undefined) points.push([row.step, v]);
  }
  return points.sort((a, b) => a[0] - b[0]);
}

export interface MetricsPanelsOptions {
  /** Entropy of the data distribution (nats): a dashed line on the NLL panel. */
  readonly entropy?: number;
}

/** A panel of the training curves: which metrics go together, and how they are drawn. The one
 * grouping of metrics, read by the PNG figures here and by the app's live curves. */
export interface MetricGroup {
  /** Stable name of the panel. */
  readonly id: string;
  readonly title: string;
  readonly yLabel: string;
  readonly metrics: readonly { readonly key: string; readonly color?: string }[];
  readonly logY?: boolean;
  /** A dashed reference line: the data entropy (when known), zero, or a fixed value (R̂ = 1...). */
  readonly reference?: 'entropy' | 'zero' | { readonly value: number; readonly label?: string };
  /** Evaluated by monitors now and then, not averaged over steps: never smoothed. */
  readonly monitor?: boolean;
}

export const METRIC_GROUPS: readonly MetricGroup[] = [
  { id: 'loss', title: 'Loss', yLabel: 'loss', metrics: [{ key: 'loss', color: PALETTE[0] }] },
  {
    id: 'energies',
    title: 'Energies',
    yLabel: 'energy',
    metrics: [
      { key: 'e_data', color: PALETTE[0] },
      { key: 'e_samples', color: PALETTE[1] },
      { key: 'gap', color: PALETTE[2] },
    ],
  },
  { id: 'nll', title: 'Held-out NLL', yLabel: 'nats', metrics: [{ key: 'nll', color: PALETTE[0] }], reference: 'entropy', monitor: true },
  { id: 'nll_minus_entropy', title: 'NLL − entropy', yLabel: 'nats', metrics: [{ key: 'nll_minus_entropy', color: PALETTE[3] }], reference: 'zero', monitor: true },
  { id: 'mmd2', title: 'MMD²', yLabel: 'MMD²', metrics: [{ key: 'mmd2', color: PALETTE[2] }], monitor: true },
  { id: 'grad_norm', title: 'Gradient norm', yLabel: 'L2 norm', metrics: [{ key: 'grad_norm', color: PALETTE[4] }], logY: true },
  // Training metrics of particular methods: NCE's learned log-normaliser, Metropolis-adjusted samplers.
  { id: 'log_z', title: 'log Z', yLabel: 'nats', metrics: [{ key: 'log_z', color: PALETTE[0] }] },
  { id: 'acceptance', title: 'Acceptance rate', yLabel: 'rate', metrics: [{ key: 'acceptance', color: PALETTE[5] }] },
  { id: 'step_size', title: 'Sampler step size', yLabel: 'step', metrics: [{ key: 'step_size', color: PALETTE[4] }], logY: true },
  // Monitors: the Score fit monitor (Fisher divergence to the true score, KSD²; both 0 at the truth,
  // spanning decades while training) and the MCMC diagnostics monitor.
  {
    id: 'score_fit',
    title: 'Score fit',
    yLabel: 'divergence',
    metrics: [
      { key: 'fisher', color: PALETTE[0] },
      { key: 'ksd', color: PALETTE[1] },
    ],
    logY: true,
    monitor: true,
  },
  {
    id: 'mcmc',
    title: 'MCMC mixing',
    yLabel: '',
    metrics: [
      { key: 'mcmc_acceptance', color: PALETTE[5] },
      { key: 'ess_per_step', color: PALETTE[2] },
      { key: 'rhat', color: PALETTE[3] },
    ],
    reference: { value: 1, label: 'R̂ = 1' },
    monitor: true,
  },
  { id: 'ess', title: 'Effective sample size', yLabel: 'draws per chain', metrics: [{ key: 'ess', color: PALETTE[2] }], logY: true, monitor: true },
  { id: 'mcmc_chain_energy', title: 'Chain end energy', yLabel: 'energy', metrics: [{ key: 'mcmc_chain_energy', color: PALETTE[1] }], monitor: true },
];

/**
 * Groups the metrics found in the rows into panels: Loss; Energies (e_data, e_samples, gap);
 * Held-out NLL (with the data entropy as a dashed line when given); NLL − entropy (with a dashed
 * zero line); MMD²; Gradient norm (log scale); then the method- and monitor-specific groups of
 * METRIC_GROUPS (log Z, acceptance, step size, Score fit, MCMC mixing with a line at 1, ESS, chain
 * end energy). Every other numeric metric gets a panel of its own, in order of first appearance.
 * Only metrics present in some row appear.
 */
export function metricsPanels(rows: readonly MetricsRow[], options: MetricsPanelsOptions = {}): Panel[] {
  const present = new Set<string>();
  const order: string[] = [];
  for (const row of rows) {
    for (const key of Object.keys(row)) {
      if (key === 'step' || present.has(key) || toNumber(row[key]) === undefined) continue;
      present.add(key);
      order.push(key);
    }
  }
  const known = new Set(METRIC_GROUPS.flatMap((g) => g.metrics.map((m) => m.key)));
  const panels: Panel[] = [];
  for (const group of METRIC_GROUPS) {
    const metrics = group.metrics.filter((m) => present.has(m.key));
    if (metrics.length === 0) continue;
    const series = metrics.map((m) => ({ name: m.key, color: m.color, points: metricPoints(rows, m.key) }));
    const hlines: ReferenceLine[] = [];
    if (group.reference === 'entropy' && options.entropy !== undefined && Number.isFinite(options.entropy)) {
      hlines.push({ value: options.entropy, label: `data entropy ${formatValue(options.entropy)}` });
    }
    if (group.reference === 'zero') hlines.push({ value: 0 });
    if (typeof group.reference === 'object') hlines.push({ value: group.reference.value, ...(group.reference.label ? { label: group.reference.label } : {}) });
    panels.push({ title: group.title, yLabel: group.yLabel, series, ...(group.logY ? { logY: true } : {}), ...(hlines.length ? { hlines } : {}) });
  }
  for (const key of order) {
    if (known.has(key)) continue;
    panels.push({ title: key, yLabel: '', series: [{ name: key, points: metricPoints(rows, key) }] });
  }
  return panels;
}

// ---------------------------------------------------------------- layout

/** Panels per row for n panels. */
export function defaultColumns(n: number): number {
  return n <= 1 ? 1 : n === 2 || n === 4 ? 2 : 3;
}

interface LegendEntry {
  readonly label: string;
  readonly color: string;
  readonly dash: readonly number[];
}

const LEGEND_SWATCH = 20;
const LEGEND_GAP = 14;
const REFERENCE_DASH = [5, 4];

function legendEntries(panel: Panel, colors: readonly string[], theme: Theme): LegendEntry[] {
  const entries: LegendEntry[] = [];
  if (panel.series.length > 1) {
    panel.series.forEach((s, i) => entries.push({ label: s.name, color: colors[i] ?? theme.text, dash: s.dash ?? [] }));
  }
  for (const h of panel.hlines ?? []) {
    if (h.label) entries.push({ label: h.label, color: h.color ?? theme.muted, dash: REFERENCE_DASH });
  }
  return entries;
}

/** Rows of legend entries that fit the width. */
function flowLegend(ctx: Canvas2D, entries: readonly LegendEntry[], width: number, theme: Theme): LegendEntry[][] {
  ctx.font = font(theme, theme.size.legend);
  const rows: LegendEntry[][] = [];
  let row: LegendEntry[] = [];
  let used = 0;
  for (const e of entries) {
    const w = LEGEND_SWATCH + 5 + ctx.measureText(e.label).width;
    if (row.length > 0 && used + LEGEND_GAP + w > width) {
      rows.push(row);
      row = [];
      used = 0;
    }
    used += (row.length > 0 ? LEGEND_GAP : 0) + w;
    row.push(e);
  }
  if (row.length > 0) rows.push(row);
  return rows;
}

function drawLegendRow(ctx: Canvas2D, row: readonly LegendEntry[], x: number, y: number, theme: Theme): void {
  ctx.font = font(theme, theme.size.legend);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  let cx = x;
  for (const e of row) {
    ctx.strokeStyle = e.color;
    ctx.lineWidth = 2;
    ctx.setLineDash([...e.dash]);
    ctx.beginPath();
    ctx.moveTo(cx, y);
    ctx.lineTo(cx + LEGEND_SWATCH, y);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = theme.text;
    ctx.fillText(e.label, cx + LEGEND_SWATCH + 5, y);
    cx += LEGEND_SWATCH + 5 + ctx.measureText(e.label).width + LEGEND_GAP;
  }
}

interface PreparedSeries {
  readonly series: Series;
  readonly color: string;
  readonly steps: number[];
  /** Raw values, with NaN where the value cannot be drawn on this axis (non-finite, or ≤ 0 on log). */
  readonly values: number[];
  /** The smoothing weight for a noisy series; 0 when it is drawn as it is. */
  readonly smoothWeight: number;
  readonly firstNonFinite: number | null;
}

function prepare(panel: Panel, log: boolean, smoothing: number | 'auto', palette: readonly string[]): PreparedSeries[] {
  return panel.series.map((series, i) => {
    const points = [...series.points].filter((p) => Number.isFinite(p[0])).sort((a, b) => a[0] - b[0]);
    const steps = points.map((p) => p[0]);
    let firstNonFinite: number | null = null;
    const values = points.map(([step, v]) => {
      if (!Number.isFinite(v)) {
        if (firstNonFinite === null) firstNonFinite = step;
        return NaN;
      }
      return log && v <= 0 ? NaN : v;
    });
    const forNoise = log ? values.map((v) => Math.log10(v)) : values;
    const n = values.filter(Number.isFinite).length;
    const weight = smoothing === 'auto' ? autoSmoothing(n) : smoothing;
    const smoothWeight = weight > 0 && isNoisy(forNoise) ? weight : 0;
    return { series, color: series.color ?? palette[i % palette.length] ?? '#000', steps, values, smoothWeight, firstNonFinite };
  });
}

/**
 * The smoothed line of a noisy series (in log space on a log axis), from the values inside the
 * visible range only: what is off-scale must not drag the line, or a blow-up at the end would
 * bend it long before it happens. The faint raw line still shows where values leave the plot.
 */
function smoothedLine(p: PreparedSeries, [lo, hi]: readonly [number, number], log: boolean): number[] {
  const inside = p.values.map((v) => (v >= lo && v <= hi ? (log ? Math.log10(v) : v) : NaN));
  const s = smoothSeries(inside, p.smoothWeight);
  return log ? s.map((v) => 10 ** v) : s;
}

/** Whether some finite value falls outside the domain (robustExtent left it off-scale). */
function offScale(prepared: readonly PreparedSeries[], [lo, hi]: readonly [number, number]): boolean {
  const tolerance = (hi - lo) * 1e-9;
  return prepared.some((p) => p.values.some((v) => v < lo - tolerance || v > hi + tolerance));
}

function yDomain(prepared: readonly PreparedSeries[], hlines: readonly ReferenceLine[], log: boolean, count: number): [number, number] {
  const values: number[] = [];
  for (const p of prepared) for (const v of p.values) if (Number.isFinite(v)) values.push(log ? Math.log10(v) : v);
  let extent = robustExtent(values);
  const refs = hlines.map((h) => h.value).filter((v) => Number.isFinite(v) && (!log || v > 0));
  const refValues = log ? refs.map(Math.log10) : refs;
  if (refValues.length) extent = finiteExtent([...(extent ?? []), ...refValues]);
  if (log) return extent ? logDomain(10 ** extent[0], 10 ** extent[1]) : [1, 10];
  if (!extent) return [0, 1];
  return niceLinearDomain(extent[0], extent[1], count, 0.04);
}

// ---------------------------------------------------------------- drawing

function drawPolyline(ctx: Canvas2D, steps: readonly number[], values: readonly number[], x: Scale, y: Scale): void {
  ctx.beginPath();
  let pen = false;
  for (let i = 0; i < steps.length; i++) {
    const px = x.map(steps[i] ?? NaN);
    const py = y.map(values[i] ?? NaN);
    if (!Number.isFinite(px) || !Number.isFinite(py)) {
      pen = false;
      continue;
    }
    if (pen) ctx.lineTo(px, py);
    else ctx.moveTo(px, py);
    pen = true;
  }
  ctx.stroke();
}

function drawMarkers(ctx: Canvas2D, steps: readonly number[], values: readonly number[], x: Scale, y: Scale, color: string, background: string): void {
  ctx.fillStyle = color;
  ctx.strokeStyle = background;
  ctx.lineWidth = 1;
  ctx.setLineDash([]);
  for (let i = 0; i < steps.length; i++) {
    const px = x.map(steps[i] ?? NaN);
    const py = y.map(values[i] ?? NaN);
    if (!Number.isFinite(px) || !Number.isFinite(py)) continue;
    ctx.beginPath();
    ctx.arc(px, py, 2.8, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
  }
}

/** Draws the panels as small multiples in `box` and returns where everything went. */
export function drawCurves(ctx: Canvas2D, box: Rect, panels: readonly Panel[], options: CurvesOptions = {}): CurvesLayout {
  const theme = themeWith(options.theme);
  const smoothing = options.smoothing ?? 'auto';
  const xLabel = options.xLabel ?? 'step';
  const pad = 16;

  ctx.save();
  if (options.background !== false) {
    ctx.fillStyle = theme.background;
    ctx.fillRect(box.x, box.y, box.width, box.height);
  }

  const preparedAll = panels.map((panel) => {
    const log = panel.logY === true && panel.series.some((s) => s.points.some((p) => Number.isFinite(p[1]) && p[1] > 0));
    return { panel, log, prepared: prepare(panel, log, smoothing, PALETTE) };
  });
  const anySmoothed = preparedAll.some(({ prepared }) => prepared.some((p) => p.smoothWeight > 0));

  // Figure header: title, subtitle, and what faint and solid lines mean when some are smoothed.
  let top = box.y + pad;
  if (options.title || anySmoothed) {
    ctx.font = font(theme, theme.size.title, 'bold');
    ctx.fillStyle = theme.text;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    const titleY = top + theme.size.title / 2 + 1;
    const title = options.title ?? '';
    ctx.fillText(title, box.x + pad, titleY);
    let after = box.x + pad + ctx.measureText(title).width;
    if (options.subtitle) {
      ctx.font = font(theme, theme.size.legend);
      ctx.fillStyle = theme.muted;
      ctx.fillText(options.subtitle, after + 12, titleY);
      after += 12 + ctx.measureText(options.subtitle).width;
    }
    if (anySmoothed) {
      ctx.font = font(theme, theme.size.legend);
      ctx.fillStyle = theme.muted;
      ctx.textAlign = 'right';
      const note = 'faint: raw values · solid: smoothed';
      if (box.x + box.width - pad - ctx.measureText(note).width > after + 24) ctx.fillText(note, box.x + box.width - pad, titleY);
    }
    top += theme.size.title + 16;
  }

  if (panels.length === 0) {
    ctx.font = font(theme, theme.size.label);
    ctx.fillStyle = theme.muted;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText('no metrics logged yet', box.x + box.width / 2, (top + box.y + box.height) / 2);
    ctx.restore();
    return { panels: [] };
  }

  const columns = Math.max(1, Math.min(panels.length, Math.round(options.columns ?? defaultColumns(panels.length))));
  const rowsN = Math.ceil(panels.length / columns);
  const gutterX = 28;
  const gutterY = 14;
  const cellW = (box.width - 2 * pad - gutterX * (columns - 1)) / columns;
  const cellH = (box.y + box.height - pad - top - gutterY * (rowsN - 1)) / rowsN;

  // Shared x domain over every step that was logged.
  const allSteps = preparedAll.flatMap((p) => p.prepared.flatMap((s) => s.steps));
  const stepExtent = finiteExtent(allSteps) ?? [0, 1];
  const xCount = Math.max(3, Math.round(cellW / 95));
  let xDom = niceLinearDomain(stepExtent[0], stepExtent[1], xCount);
  if (stepExtent[0] >= 0 && xDom[0] < 0) xDom = [0, xDom[1]];

  // Header: panel title, then the legend in as many rows as it needs (same height for all panels).
  const titleH = theme.size.panelTitle + 8;
  const legendRowH = theme.size.legend + 7;
  const legends = preparedAll.map(({ panel, prepared }) =>
    flowLegend(ctx, legendEntries(panel, prepared.map((p) => p.color), theme), cellW - 8, theme),
  );
  const headerH = titleH + Math.max(0, ...legends.map((l) => l.length)) * legendRowH + 6;

  // Bottom margin: tick labels and the x title. Left margin: the widest y tick label and the y title.
  const bottomH = TICK_LENGTH + TICK_PAD + theme.size.tick + 8 + theme.size.label + 4;
  const plotH = Math.max(20, cellH - headerH - bottomH);
  const yCount = Math.max(3, Math.round(plotH / 48));
  const yScales = preparedAll.map(({ panel, log, prepared }) => {
    const dom = yDomain(prepared, panel.hlines ?? [], log, yCount);
    return log ? logScale(dom, [plotH, 0]) : linearScale(dom, [plotH, 0]);
  });
  const yTickWidth = Math.max(...yScales.map((s) => maxTickLabelWidth(ctx, s.ticks(yCount), theme)));
  const anyYLabel = panels.some((p) => p.yLabel);
  const leftW = TICK_LENGTH + TICK_PAD + yTickWidth + (anyYLabel ? theme.size.label + 10 : 4);
  ctx.font = font(theme, theme.size.tick);
  const rightW = Math.max(8, ctx.measureText(linearScale(xDom, [0, 1]).ticks(xCount).at(-1)?.label ?? '').width / 2 + 2);
  const plotW = Math.max(20, cellW - leftW - rightW);

  const layouts: PanelLayout[] = [];
  preparedAll.forEach(({ panel, log, prepared }, index) => {
    const col = index % columns;
    const row = Math.floor(index / columns);
    const cell: Rect = { x: box.x + pad + col * (cellW + gutterX), y: top + row * (cellH + gutterY), width: cellW, height: cellH };
    const plot: Rect = { x: cell.x + leftW, y: cell.y + headerH, width: plotW, height: plotH };
    const x = linearScale(xDom, [plot.x, plot.x + plot.width]);
    const yLocal = yScales[index] ?? linearScale([0, 1], [plotH, 0]);
    const y = log ? logScale(yLocal.domain, [plot.y + plot.height, plot.y]) : linearScale(yLocal.domain, [plot.y + plot.height, plot.y]);
    const yTicks = y.ticks(yCount);
    const xTicks = x.ticks(xCount);

    // Grid, then data clipped to the plot, then axes on top.
    drawHorizontalGrid(ctx, plot, y, yTicks, theme);
    ctx.save();
    ctx.beginPath();
    ctx.rect(plot.x, plot.y - 2, plot.width + 2, plot.height + 2);
    ctx.clip();
    ctx.lineJoin = 'round';
    ctx.lineCap = 'round';
    for (const h of panel.hlines ?? []) {
      const py = y.map(h.value);
      if (!Number.isFinite(py)) continue;
      ctx.strokeStyle = h.color ?? theme.muted;
      ctx.lineWidth = 1.4;
      ctx.setLineDash(REFERENCE_DASH);
      ctx.beginPath();
      ctx.moveTo(plot.x, py);
      ctx.lineTo(plot.x + plot.width, py);
      ctx.stroke();
    }
    ctx.setLineDash([]);
    for (const p of prepared) {
      ctx.setLineDash([...(p.series.dash ?? [])]);
      ctx.strokeStyle = p.color;
      if (p.smoothWeight > 0) {
        ctx.globalAlpha = 0.25;
        ctx.lineWidth = 1;
        drawPolyline(ctx, p.steps, p.values, x, y);
        ctx.globalAlpha = 1;
        ctx.lineWidth = 2;
        drawPolyline(ctx, p.steps, smoothedLine(p, y.domain, log), x, y);
      } else {
        ctx.lineWidth = 1.8;
        drawPolyline(ctx, p.steps, p.values, x, y);
        const finite = p.values.filter(Number.isFinite).length;
        if (finite <= MARKER_LIMIT) drawMarkers(ctx, p.steps, p.values, x, y, p.color, theme.background);
      }
    }
    ctx.setLineDash([]);
    ctx.restore();

    // A diverged series: a dotted line where values stop being finite.
    const nonFinite = prepared.map((p) => p.firstNonFinite).filter((s): s is number => s !== null);
    const nonFiniteFrom = nonFinite.length ? Math.min(...nonFinite) : null;
    if (nonFiniteFrom !== null) {
      const px = x.map(nonFiniteFrom);
      ctx.save();
      ctx.strokeStyle = theme.warning;
      ctx.lineWidth = 1.2;
      ctx.setLineDash([2, 3]);
      ctx.beginPath();
      ctx.moveTo(px, plot.y);
      ctx.lineTo(px, plot.y + plot.height);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.font = font(theme, theme.size.tick);
      ctx.fillStyle = theme.warning;
      ctx.textBaseline = 'top';
      const label = `non-finite from step ${nonFiniteFrom}`;
      const w = ctx.measureText(label).width;
      const right = px + 4 + w <= plot.x + plot.width;
      ctx.textAlign = right ? 'left' : 'right';
      ctx.fillText(label, right ? px + 4 : px - 4, plot.y + 3);
      ctx.restore();
    }

    if (!prepared.some((p) => p.values.some(Number.isFinite))) {
      ctx.font = font(theme, theme.size.label);
      ctx.fillStyle = theme.muted;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText('no finite values', plot.x + plot.width / 2, plot.y + plot.height / 2);
    }

    drawLeftAxis(ctx, plot, y, yTicks, theme);
    drawBottomAxis(ctx, plot, x, xTicks, theme);

    // Header: title (and a note when values were left off-scale), then the legend.
    const clipped = offScale(prepared, y.domain);
    const titleMid = cell.y + theme.size.panelTitle / 2 + 1;
    let noteWidth = 0;
    if (clipped) {
      const note = '\u2195 some values off-scale';
      ctx.font = font(theme, theme.size.tick);
      ctx.fillStyle = theme.muted;
      ctx.textAlign = 'right';
      ctx.textBaseline = 'middle';
      ctx.fillText(note, plot.x + plot.width, titleMid);
      noteWidth = ctx.measureText(note).width + 12;
    }
    ctx.font = font(theme, theme.size.panelTitle, 'bold');
    ctx.fillStyle = theme.text;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    ctx.fillText(fitText(ctx, panel.title, plot.x + plot.width - cell.x - noteWidth), cell.x, titleMid);
    (legends[index] ?? []).forEach((legendRow, r) => drawLegendRow(ctx, legendRow, plot.x, cell.y + titleH + r * legendRowH + legendRowH / 2, theme));

    // Axis titles: y on every panel, "step" under the lowest panel of each column.
    if (panel.yLabel) {
      const ownTickWidth = maxTickLabelWidth(ctx, yTicks, theme);
      const yTitleX = plot.x - TICK_LENGTH - TICK_PAD - ownTickWidth - 8 - theme.size.label / 2;
      drawVerticalText(ctx, panel.yLabel, yTitleX, plot.y + plot.height / 2, font(theme, theme.size.label), theme.text);
    }
    if (index + columns >= panels.length) {
      ctx.font = font(theme, theme.size.label);
      ctx.fillStyle = theme.text;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'bottom';
      ctx.fillText(xLabel, plot.x + plot.width / 2, cell.y + cell.height);
    }

    layouts.push({
      panel,
      cell,
      plot,
      x,
      y,
      colors: prepared.map((p) => p.color),
      smoothed: prepared.filter((p) => p.smoothWeight > 0).map((p) => p.series.name),
      nonFiniteFrom,
      offScale: clipped,
    });
  });
  ctx.restore();
  return { panels: layouts };
}
