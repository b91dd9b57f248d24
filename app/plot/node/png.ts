// PNG figures for a run folder, drawn with the same code as the app's live plots on
// @napi-rs/canvas (Skia, prebuilt: no system libraries needed).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GlobalFonts, PngFilter, createCanvas } from '@napi-rs/canvas';
import type { GraphDocument } from '../../graph/document.ts';
import { embedGraph } from '../../graph/png-text.ts';
import type { Canvas2D } from '../canvas.ts';
import { defaultColumns, drawCurves, metricsPanels, type CurvesOptions, type MetricsRow, type Panel } from '../curves.ts';
import { drawSamplesOverEnergy, samplesFigureHeight, type SamplesOptions, type SnapshotLike } from '../samples.ts';
import { drawEnergyTraces, type TraceLike, type TraceOptions } from '../trace.ts';

/** Device pixels per CSS pixel in the PNGs: 2 keeps text crisp when the picture is zoomed or printed. */
export const DEFAULT_SCALE = 2;

export interface PngOptions {
  /** Device pixel ratio (default 2): the PNG is width·scale × height·scale pixels. */
  readonly scale?: number;
  /** PNG Title text chunk. */
  readonly title?: string;
  /** The graph that made the figure, carried in the PNG (app/graph/png-text.ts): opening the picture reopens it. */
  readonly graph?: GraphDocument;
}

// DejaVu Sans is the figures' font. It is registered explicitly so that every machine draws the
// same glyphs; .ci/run is meant to install Debian's fonts-dejavu-core, which puts it here. Without
// it the theme's font list falls back to the system sans-serif.
const DEJAVU_DIR = '/usr/share/fonts/truetype/dejavu';
let fontsChecked = false;

/** Registers DejaVu Sans (regular and bold) once if the files exist; true if they do. */
export function registerFonts(dir: string = DEJAVU_DIR): boolean {
  if (fontsChecked && dir === DEJAVU_DIR) return GlobalFonts.has('DejaVu Sans');
  if (dir === DEJAVU_DIR) fontsChecked = true;
  const regular = join(dir, 'DejaVuSans.ttf');
  const bold = join(dir, 'DejaVuSans-Bold.ttf');
  if (!existsSync(regular)) return false;
  GlobalFonts.registerFromPath(regular, 'DejaVu Sans', { weight: 'normal', style: 'normal' });
  if (existsSync(bold)) GlobalFonts.registerFromPath(bold, 'DejaVu Sans', { weight: 'bold', style: 'normal' });
  return true;
}

/**
 * Draws a width × height (CSS pixels) figure on a white canvas at `scale` device pixels per CSS
 * pixel and encodes it as PNG. The PNG records 72·scale pixels per inch, so viewers that honour
 * it show the figure at its CSS size.
 */
export function renderPng(width: number, height: number, draw: (ctx: Canvas2D) => void, options: PngOptions = {}): Buffer {
  registerFonts();
  const scale = options.scale ?? DEFAULT_SCALE;
  if (!(width > 0 && height > 0 && scale > 0)) throw new RangeError(`renderPng: bad size ${width}×${height} at scale ${scale}`);
  const canvas = createCanvas(Math.round(width * scale), Math.round(height * scale));
  const ctx: Canvas2D = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.scale(scale, scale);
  draw(ctx);
  const png = canvas.toBuffer('image/png', {
    // No row filtering: measured on these figures it is both faster and smaller than libpng's
    // adaptive default (a heat map: 0.6 MB against 0.8 MB, in a third of the time).
    filters: PngFilter.None,
    software: 'EBM Studio',
    resolution: 72 * scale,
    ...(options.title ? { title: options.title } : {}),
  });
  if (!options.graph) return png;
  const carrying = embedGraph(png, options.graph);
  return Buffer.from(carrying.buffer, carrying.byteOffset, carrying.byteLength);
}

/** The options renderPng takes from a figure's options. */
const pngOptions = (options: PngOptions): PngOptions => ({
  ...(options.scale === undefined ? {} : { scale: options.scale }),
  ...(options.graph === undefined ? {} : { graph: options.graph }),
});

export interface LossPngOptions extends CurvesOptions, PngOptions {
  /** Entropy of the data (nats), drawn under the held-out NLL. */
  readonly entropy?: number;
  /** Use these panels instead of grouping the rows' metrics. */
  readonly panels?: readonly Panel[];
  /** CSS pixels; by default sized to the number of panels (1200 × 780 for 3 × 2). */
  readonly width?: number;
  readonly height?: number;
}

/** The default figure size for n panels of training curves. */
export function lossFigureSize(panelCount: number, columns = defaultColumns(panelCount)): { width: number; height: number } {
  const cols = Math.max(1, Math.min(Math.max(1, panelCount), columns));
  const rows = Math.max(1, Math.ceil(panelCount / cols));
  return { width: cols === 1 ? 640 : cols === 2 ? 960 : 1200, height: 60 + rows * 360 };
}

/** The training-curves figure of a run's metrics rows, as PNG. */
export function lossPng(rows: readonly MetricsRow[], options: LossPngOptions = {}): Buffer {
  const panels = options.panels ?? metricsPanels(rows, options.entropy === undefined ? {} : { entropy: options.entropy });
  const size = lossFigureSize(panels.length, options.columns);
  const width = options.width ?? size.width;
  const height = options.height ?? size.height;
  const title = options.title ?? 'Training curves';
  return renderPng(width, height, (ctx) => drawCurves(ctx, { x: 0, y: 0, width, height }, panels, { ...options, title }), { ...pngOptions(options), title });
}

export interface SamplesPngOptions extends SamplesOptions, PngOptions {
  /** CSS pixels; default 900 wide and up to 800 high (less when the plotted box is wide). */
  readonly width?: number;
  readonly height?: number;
}

/** The samples-over-the-energy figure of a snapshot, as PNG. */
export function samplesPng(snapshot: SnapshotLike, options: SamplesPngOptions = {}): Buffer {
  const width = options.width ?? 900;
  registerFonts();
  // A wide box needs less height than a square one: trim the figure to fit it.
  const height = options.height ?? samplesFigureHeight(createCanvas(1, 1).getContext('2d'), width, 800, snapshot, options);
  return renderPng(width, height, (ctx) => drawSamplesOverEnergy(ctx, { x: 0, y: 0, width, height }, snapshot, options), {
    ...pngOptions(options),
    title: options.title ?? `samples over the energy · step ${snapshot.step}`,
  });
}

export interface TracePngOptions extends TraceOptions, PngOptions {
  /** CSS pixels; default 900 × 520. */
  readonly width?: number;
  readonly height?: number;
}

/** The energy-traces figure of an MCMC diagnostics snapshot, as PNG. */
export function tracePng(trace: TraceLike, options: TracePngOptions = {}): Buffer {
  const width = options.width ?? 900;
  const height = options.height ?? 520;
  return renderPng(width, height, (ctx) => drawEnergyTraces(ctx, { x: 0, y: 0, width, height }, trace, options), {
    ...pngOptions(options),
    title: options.title ?? `energy traces · step ${trace.step}`,
  });
}
