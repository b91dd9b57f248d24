// "Samples over the energy": the model density exp(−E), normalised on the grid, as a log-density
// heat map (viridis, the bottom of the range clipped so the modes stand out), with held-out data
// and model samples on top, a colour bar, a legend and equal-aspect axes.
import type { Canvas2D, Rect } from './canvas.ts';
import {
  TICK_LENGTH,
  TICK_PAD,
  drawBottomAxis,
  drawLeftAxis,
  drawRightAxis,
  drawVerticalText,
  maxTickLabelWidth,
} from './axes.ts';
import { VIRIDIS, lutIndex, type Lut } from './colormap.ts';
import { linearScale, type Scale } from './scale.ts';
import { font, themeWith, type Theme } from './theme.ts';

/** What the figure reads of a run's Snapshot (app/runtime/events.ts). */
export interface SnapshotLike {
  readonly step: number;
  readonly bounds: readonly [readonly [number, number], readonly [number, number]];
  readonly gridSize: number;
  readonly energy: readonly number[];
  readonly samples: readonly number[];
  readonly data: readonly number[];
}

export interface SamplesOptions {
  /** Default "samples over the energy · step N". */
  readonly title?: string;
  /** Muted text after the title. */
  readonly subtitle?: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
  /** Nats of log-density shown below the maximum; lower values take the bottom colour. Default 10. */
  readonly dynamicRange?: number;
  readonly colormap?: Lut;
  readonly theme?: Partial<Theme>;
  /** Paint the box with the theme background first (default true). */
  readonly background?: boolean;
}

export const SAMPLE_COLOR = '#ff5a1f';
export const SAMPLE_EDGE = '#1b1b1b';
export const DATA_COLOR = 'rgba(255, 255, 255, 0.85)';
export const DATA_EDGE = 'rgba(20, 20, 20, 0.6)';
/** Grid cells whose energy is NaN. */
export const MASK_COLOR: readonly [number, number, number] = [190, 190, 190];

export interface SamplesLayout {
  /** The heat-map area; equal aspect ratio. */
  readonly plot: Rect;
  readonly colorbar: Rect;
  readonly x: Scale;
  readonly y: Scale;
  /** The colour range [vmin, vmax] of log p(x); null when no energy was finite. */
  readonly logDensityRange: readonly [number, number] | null;
  /** Model samples that fell outside the plotted box. */
  readonly samplesOutside: number;
}

export interface LogDensityGrid {
  /** log p at each grid point (NaN where the energy was NaN, −Infinity where it was +Infinity). */
  readonly values: Float64Array;
  readonly max: number;
}

/**
 * log p(x) = −E(x) − log Σ exp(−E) h_x h_y on the grid: the density that exp(−E) defines once
 * normalised over the plotted box. The grid is the monitors' (app/runtime/metrics.ts gridPoints):
 * the centres of gridSize × gridSize cells of size h = (hi − lo)/gridSize.
 * Null if no energy is finite or the grid is malformed.
 */
export function logDensity(snapshot: SnapshotLike): LogDensityGrid | null {
  const n = snapshot.gridSize;
  const e = snapshot.energy;
  if (!Number.isInteger(n) || n < 1 || e.length !== n * n) return null;
  const [[xlo, xhi], [ylo, yhi]] = snapshot.bounds;
  const cell = (Math.abs(xhi - xlo) / n) * (Math.abs(yhi - ylo) / n);
  let m = -Infinity;
  for (const v of e) if (Number.isFinite(v) && -v > m) m = -v;
  if (m === -Infinity) return null;
  let sum = 0;
  for (const v of e) if (Number.isFinite(v)) sum += Math.exp(-v - m);
  const logZ = m + Math.log(sum) + Math.log(cell > 0 ? cell : 1);
  const values = new Float64Array(e.length);
  let max = -Infinity;
  for (let i = 0; i < e.length; i++) {
    const v = e[i] ?? NaN;
    // −∞ energy would be infinite density: a broken model, shown masked like NaN.
    const lp = Number.isNaN(v) || v === -Infinity ? NaN : v === Infinity ? -Infinity : -v - logZ;
    values[i] = lp;
    if (lp > max) max = lp;
  }
  return { values, max };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** RGBA as one 32-bit word in this machine's byte order, so a pixel is written in one store. */
function packRgba(r: number, g: number, b: number): number {
  return LITTLE_ENDIAN ? ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0 : ((r << 24) | (g << 16) | (b << 8) | 255) >>> 0;
}

/** Where each of `pixels` pixel centres falls between grid cell centres: lower index and weight. */
function gridPositions(pixels: number, n: number, flip: boolean): { index: Int32Array; weight: Float64Array } {
  const index = new Int32Array(pixels);
  const weight = new Float64Array(pixels);
  for (let p = 0; p < pixels; p++) {
    const u = (p + 0.5) / pixels;
    // In cell units, integers at cell centres; constant beyond the outermost centres.
    const f = Math.min(n - 1, Math.max(0, (flip ? 1 - u : u) * n - 0.5));
    const i = Math.min(Math.max(0, n - 2), Math.floor(f));
    index[p] = i;
    weight[p] = n === 1 ? 0 : f - i;
  }
  return { index, weight };
}

/**
 * Paints the log-density into `plot`, bilinearly interpolated between the grid's cell centres
 * (the nearest grid value next to a non-finite one), in device pixels: putImageData ignores the
 * transform, so the picture is as sharp as the canvas. Assumes the transform only scales and
 * translates, which is how the figures are drawn.
 */
function paintHeatmap(ctx: Canvas2D, plot: Rect, n: number, grid: LogDensityGrid, vmin: number, vmax: number, lut: Lut): void {
  const t = ctx.getTransform();
  const dx0 = Math.round(t.a * plot.x + t.e);
  const dy0 = Math.round(t.d * plot.y + t.f);
  const w = Math.max(1, Math.round(t.a * (plot.x + plot.width) + t.e) - dx0);
  const h = Math.max(1, Math.round(t.d * (plot.y + plot.height) + t.f) - dy0);
  const entries = lut.length / 3;
  const colors = new Uint32Array(entries);
  for (let k = 0; k < entries; k++) colors[k] = packRgba(lut[3 * k] ?? 0, lut[3 * k + 1] ?? 0, lut[3 * k + 2] ?? 0);
  const mask = packRgba(...MASK_COLOR);
  const toIndex = entries / (vmax - vmin || 1);
  const cols = gridPositions(w, n, false);
  const rows = gridPositions(h, n, true);
  const values = grid.values;
  const step = n === 1 ? 0 : 1;
  const out = new Uint32Array(w * h);
  for (let row = 0; row < h; row++) {
    const ty = rows.weight[row] ?? 0;
    const base = (rows.index[row] ?? 0) * n;
    for (let col = 0; col < w; col++) {
      const tx = cols.weight[col] ?? 0;
      const i = base + (cols.index[col] ?? 0);
      const a = values[i] ?? NaN;
      const b = values[i + step] ?? NaN;
      const c = values[i + step * n] ?? NaN;
      const d = values[i + step * n + step] ?? NaN;
      let v: number;
      if (Number.isFinite(a) && Number.isFinite(b) && Number.isFinite(c) && Number.isFinite(d)) {
        v = (a + (b - a) * tx) * (1 - ty) + (c + (d - c) * tx) * ty;
      } else {
        v = ty < 0.5 ? (tx < 0.5 ? a : b) : tx < 0.5 ? c : d;
      }
      let color = mask;
      if (!Number.isNaN(v)) {
        const k = Math.floor((v - vmin) * toIndex);
        color = colors[k < 0 ? 0 : k >= entries ? entries - 1 : k] ?? mask;
      }
      out[row * w + col] = color;
    }
  }
  const image = ctx.createImageData(w, h);
  const bytes = new Uint8ClampedArray(out.buffer);
  if (image.data instanceof Uint8ClampedArray) image.data.set(bytes);
  else for (let k = 0; k < bytes.length; k++) image.data[k] = (bytes[k] ?? 0) / 255;
  ctx.putImageData(image, dx0, dy0);
}

function drawColorbar(ctx: Canvas2D, bar: Rect, lut: Lut, clippedBelow: boolean, theme: Theme): void {
  const entries = lut.length / 3;
  const steps = Math.max(2, Math.min(entries, Math.ceil(bar.height)));
  const sliceH = bar.height / steps;
  for (let i = 0; i < steps; i++) {
    const k = 3 * lutIndex(lut, (i + 0.5) / steps);
    ctx.fillStyle = `rgb(${lut[k] ?? 0}, ${lut[k + 1] ?? 0}, ${lut[k + 2] ?? 0})`;
    // Overlap the slices by a hair so no seams show between them.
    ctx.fillRect(bar.x, bar.y + bar.height - (i + 1) * sliceH, bar.width, sliceH + 0.6);
  }
  ctx.strokeStyle = theme.axis;
  ctx.lineWidth = 1;
  ctx.setLineDash([]);
  ctx.strokeRect(bar.x, bar.y, bar.width, bar.height);
  if (clippedBelow) {
    // matplotlib's extend='min': a triangle in the bottom colour says lower values were clipped to it.
    ctx.beginPath();
    ctx.moveTo(bar.x, bar.y + bar.height);
    ctx.lineTo(bar.x + bar.width / 2, bar.y + bar.height + bar.width * 0.9);
    ctx.lineTo(bar.x + bar.width, bar.y + bar.height);
    ctx.closePath();
    ctx.fillStyle = `rgb(${lut[0] ?? 0}, ${lut[1] ?? 0}, ${lut[2] ?? 0})`;
    ctx.fill();
    ctx.stroke();
  }
}

function drawPoints(ctx: Canvas2D, flat: readonly number[], x: Scale, y: Scale, plot: Rect, radius: number, fill: string, edge: string, edgeWidth: number): number {
  let outside = 0;
  ctx.fillStyle = fill;
  ctx.strokeStyle = edge;
  ctx.lineWidth = edgeWidth;
  ctx.setLineDash([]);
  // One path for all the points, filled then outlined: one fill and one stroke instead of two
  // per point (thousands of points drew in ~20 ms one by one, too slow for live plots), and
  // every point keeps its whole outline, so overlapping samples stay countable.
  ctx.beginPath();
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const px = x.map(flat[i] ?? NaN);
    const py = y.map(flat[i + 1] ?? NaN);
    if (!Number.isFinite(px) || !Number.isFinite(py) || px < plot.x || px > plot.x + plot.width || py < plot.y || py > plot.y + plot.height) {
      outside++;
      continue;
    }
    ctx.moveTo(px + radius, py);
    ctx.arc(px, py, radius, 0, 2 * Math.PI);
  }
  ctx.fill();
  if (edgeWidth > 0) ctx.stroke();
  return outside;
}

function drawMarker(ctx: Canvas2D, cx: number, cy: number, radius: number, fill: string, edge: string, edgeWidth: number): void {
  ctx.fillStyle = fill;
  ctx.strokeStyle = edge;
  ctx.lineWidth = edgeWidth;
  ctx.beginPath();
  ctx.arc(cx, cy, radius, 0, 2 * Math.PI);
  ctx.fill();
  ctx.stroke();
}

interface Geometry {
  readonly plot: Rect;
  readonly colorbar: Rect;
  readonly x: Scale;
  readonly y: Scale;
  readonly titleY: number;
  readonly legendY: number;
  readonly yTickWidth: number;
  readonly colorbarTickWidth: number;
  /** The lowest y the figure uses (the bottom of the x-axis title and its margin). */
  readonly bottom: number;
}

const PAD = 16;
const COLORBAR_GAP = 18;
const COLORBAR_WIDTH = 16;

function orderedBounds(snapshot: SnapshotLike): [[number, number], [number, number]] {
  const fix = ([a, b]: readonly [number, number]): [number, number] => (a < b ? [a, b] : a > b ? [b, a] : [a - 1, a + 1]);
  return [fix(snapshot.bounds[0]), fix(snapshot.bounds[1])];
}

/** Where everything goes: the largest equal-aspect plot that fits, top-aligned under the legend. */
function geometry(ctx: Canvas2D, box: Rect, snapshot: SnapshotLike, colorRange: readonly [number, number], theme: Theme): Geometry {
  const [[xlo, xhi], [ylo, yhi]] = orderedBounds(snapshot);
  const titleY = box.y + PAD + theme.size.title / 2 + 1;
  const legendY = titleY + theme.size.title / 2 + 8 + theme.size.legend / 2 + 2;
  const headerBottom = legendY + theme.size.legend / 2 + 14;
  const colorbarTickWidth = maxTickLabelWidth(ctx, linearScale(colorRange, [100, 0]).ticks(8), theme);
  const rightW = COLORBAR_GAP + COLORBAR_WIDTH + TICK_LENGTH + TICK_PAD + colorbarTickWidth + 10 + theme.size.label + PAD;
  const yTickWidth = maxTickLabelWidth(ctx, linearScale([ylo, yhi], [100, 0]).ticks(6), theme);
  const leftW = PAD + theme.size.label + 10 + yTickWidth + TICK_PAD + TICK_LENGTH;
  const bottomH = TICK_LENGTH + TICK_PAD + theme.size.tick + 10 + theme.size.label + PAD;
  const availW = box.width - leftW - rightW;
  const availH = box.y + box.height - headerBottom - bottomH;
  const aspect = (xhi - xlo) / (yhi - ylo);
  let plotW = availW;
  let plotH = plotW / aspect;
  if (plotH > availH) {
    plotH = availH;
    plotW = plotH * aspect;
  }
  plotW = Math.max(10, Math.floor(plotW));
  plotH = Math.max(10, Math.floor(plotH));
  // Centred across the box with its axes and colour bar.
  const plot: Rect = { x: Math.round(box.x + (box.width - (leftW + plotW + rightW)) / 2 + leftW), y: Math.round(headerBottom), width: plotW, height: plotH };
  return {
    plot,
    colorbar: { x: plot.x + plot.width + COLORBAR_GAP, y: plot.y, width: COLORBAR_WIDTH, height: plot.height },
    x: linearScale([xlo, xhi], [plot.x, plot.x + plot.width]),
    y: linearScale([ylo, yhi], [plot.y + plot.height, plot.y]),
    titleY,
    legendY,
    yTickWidth,
    colorbarTickWidth,
    bottom: plot.y + plot.height + bottomH,
  };
}

function colorRangeOf(grid: LogDensityGrid | null, dynamicRange: number): readonly [number, number] {
  return grid ? [grid.max - dynamicRange, grid.max] : [0, 1];
}

/**
 * The height the figure needs at this width (at most maxHeight): a wide box needs less than a
 * square one. Only measures text; draws nothing.
 */
export function samplesFigureHeight(ctx: Canvas2D, width: number, maxHeight: number, snapshot: SnapshotLike, options: SamplesOptions = {}): number {
  const theme = themeWith(options.theme);
  ctx.save();
  const g = geometry(ctx, { x: 0, y: 0, width, height: maxHeight }, snapshot, colorRangeOf(logDensity(snapshot), options.dynamicRange ?? 10), theme);
  ctx.restore();
  return Math.min(maxHeight, Math.ceil(g.bottom));
}

/** Draws the figure in `box` and returns where its parts went. */
export function drawSamplesOverEnergy(ctx: Canvas2D, box: Rect, snapshot: SnapshotLike, options: SamplesOptions = {}): SamplesLayout {
  const theme = themeWith(options.theme);
  const lut = options.colormap ?? VIRIDIS;
  const dynamicRange = options.dynamicRange ?? 10;

  ctx.save();
  if (options.background !== false) {
    ctx.fillStyle = theme.background;
    ctx.fillRect(box.x, box.y, box.width, box.height);
  }

  const grid = logDensity(snapshot);
  const [vmin, vmax] = colorRangeOf(grid, dynamicRange);
  const nSamples = Math.floor(snapshot.samples.length / 2);
  const nData = Math.floor(snapshot.data.length / 2);
  const { plot, colorbar, x, y, titleY, legendY, yTickWidth, colorbarTickWidth } = geometry(ctx, box, snapshot, [vmin, vmax], theme);

  // Title.
  const title = options.title ?? `samples over the energy · step ${snapshot.step}`;
  ctx.font = font(theme, theme.size.title, 'bold');
  ctx.fillStyle = theme.text;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  ctx.fillText(title, box.x + PAD, titleY);
  if (options.subtitle) {
    const after = box.x + PAD + ctx.measureText(title).width + 12;
    ctx.font = font(theme, theme.size.legend);
    ctx.fillStyle = theme.muted;
    ctx.fillText(options.subtitle, after, titleY);
  }

  // The heat map, or a note in its place.
  let masked = false;
  if (grid) {
    paintHeatmap(ctx, plot, snapshot.gridSize, grid, vmin, vmax, lut);
    masked = grid.values.some(Number.isNaN);
  } else {
    ctx.fillStyle = '#f2f3f5';
    ctx.fillRect(plot.x, plot.y, plot.width, plot.height);
    ctx.font = font(theme, theme.size.label);
    ctx.fillStyle = theme.muted;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    const malformed = !Number.isInteger(snapshot.gridSize) || snapshot.gridSize < 1 || snapshot.energy.length !== snapshot.gridSize * snapshot.gridSize;
    ctx.fillText(malformed ? 'energy grid malformed' : 'energy not finite at this step', plot.x + plot.width / 2, plot.y + plot.height / 2);
  }

  // Points, only inside the plot: data under samples.
  const dataR = 1.9;
  const sampleR = 2.7;
  drawPoints(ctx, snapshot.data, x, y, plot, dataR, DATA_COLOR, DATA_EDGE, 0.5);
  const samplesOutside = drawPoints(ctx, snapshot.samples, x, y, plot, sampleR, SAMPLE_COLOR, SAMPLE_EDGE, 0.7);

  // Frame and axes, about one tick per 100 px on both axes so equal ranges get equal steps.
  ctx.strokeStyle = theme.axis;
  ctx.lineWidth = 1;
  ctx.setLineDash([]);
  ctx.strokeRect(plot.x, plot.y, plot.width, plot.height);
  drawLeftAxis(ctx, plot, y, y.ticks(Math.max(3, Math.round(plot.height / 100))), theme);
  drawBottomAxis(ctx, plot, x, x.ticks(Math.max(3, Math.round(plot.width / 100))), theme);
  ctx.font = font(theme, theme.size.label);
  ctx.fillStyle = theme.text;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  ctx.fillText(options.xLabel ?? 'x₁', plot.x + plot.width / 2, plot.y + plot.height + TICK_LENGTH + TICK_PAD + theme.size.tick + 10);
  const yTitleX = plot.x - TICK_LENGTH - TICK_PAD - yTickWidth - 10 - theme.size.label / 2;
  drawVerticalText(ctx, options.yLabel ?? 'x₂', yTitleX, plot.y + plot.height / 2, font(theme, theme.size.label), theme.text);

  // Colour bar with its own axis; a triangle below it when lower values were clipped.
  if (grid) {
    let lowest = Infinity;
    for (const v of grid.values) if (v < lowest) lowest = v;
    drawColorbar(ctx, colorbar, lut, lowest < vmin, theme);
    const cb = linearScale([vmin, vmax], [colorbar.y + colorbar.height, colorbar.y]);
    drawRightAxis(ctx, colorbar.x + colorbar.width, colorbar.y, colorbar.y + colorbar.height, cb, cb.ticks(Math.max(3, Math.round(plot.height / 100))), theme);
    const labelX = colorbar.x + colorbar.width + TICK_LENGTH + TICK_PAD + colorbarTickWidth + 10 + theme.size.label / 2;
    drawVerticalText(ctx, 'log p(x)', labelX, plot.y + plot.height / 2, font(theme, theme.size.label), theme.text);
  }

  // Legend, centred over the plot.
  ctx.font = font(theme, theme.size.legend);
  const sampleLabel = samplesOutside > 0 ? `model samples (${nSamples}, ${samplesOutside} outside the box)` : `model samples (${nSamples})`;
  const entries: { label: string; draw: (cx: number) => void }[] = [
    { label: sampleLabel, draw: (cx) => drawMarker(ctx, cx, legendY, sampleR + 0.6, SAMPLE_COLOR, SAMPLE_EDGE, 0.7) },
    { label: `held-out data (${nData})`, draw: (cx) => drawMarker(ctx, cx, legendY, dataR + 0.8, '#d9dce1', '#6b7079', 0.7) },
  ];
  if (masked) {
    entries.push({
      label: 'energy NaN',
      draw: (cx) => {
        ctx.fillStyle = `rgb(${MASK_COLOR.join(', ')})`;
        ctx.fillRect(cx - 5, legendY - 5, 10, 10);
      },
    });
  }
  ctx.font = font(theme, theme.size.legend);
  const widths = entries.map((e) => 14 + ctx.measureText(e.label).width);
  const legendW = widths.reduce((a, b) => a + b, 0) + 22 * (entries.length - 1);
  let lx = Math.max(box.x + PAD, plot.x + plot.width / 2 - legendW / 2);
  entries.forEach((e, i) => {
    e.draw(lx + 5);
    ctx.font = font(theme, theme.size.legend);
    ctx.fillStyle = theme.text;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    ctx.fillText(e.label, lx + 14, legendY);
    lx += (widths[i] ?? 0) + 22;
  });

  ctx.restore();
  return { plot, colorbar, x, y, logDensityRange: grid ? [vmin, vmax] : null, samplesOutside };
}
