// "Energy traces": the classic MCMC trace plot of the MCMC diagnostics monitor. The energy of a few
// chains against the sampler step, one colour per chain, with the burn-in the diagnostics discard
// shaded. Chains that have forgotten their starts settle into one band and cross each other; a
// chain that stays apart, or a band still drifting after the burn-in, has not mixed. Non-finite
// energies break the line. Drawn by the PNG writer (trace.png) and the app's live plot alike.
import type { Canvas2D, Rect } from './canvas.ts';
import { TICK_LENGTH, TICK_PAD, drawBottomAxis, drawHorizontalGrid, drawLeftAxis, drawVerticalText, fitText, maxTickLabelWidth } from './axes.ts';
import { robustExtent } from './curves.ts';
import { linearScale, niceLinearDomain, type Scale } from './scale.ts';
import { PALETTE, font, themeWith, type Theme } from './theme.ts';

/** What the figure reads of a run's trace snapshot (TraceSnapshot in app/runtime/events.ts). */
export interface TraceLike {
  readonly step: number;
  /** Sampler steps each chain ran; the x axis runs from 0 to it. */
  readonly steps: number;
  /** Steps 1..burnIn are shaded: the diagnostics discard them. */
  readonly burnIn: number;
  readonly totalChains: number;
  readonly chains: number;
  /** The sampler steps shown, increasing. */
  readonly at: readonly number[];
  /** chains × at.length, chain by chain. */
  readonly energies: readonly number[];
}

export interface TraceOptions {
  /** Default "Energy traces · step N". */
  readonly title?: string;
  /** Muted text after the title (shortened to fit); default chainsLabel(trace). */
  readonly subtitle?: string;
  readonly theme?: Partial<Theme>;
  /** Paint the box with the theme background first (default true). */
  readonly background?: boolean;
}

/** One colour per chain: the palette, and one more so that 8 chains are told apart. */
export const CHAIN_COLORS: readonly string[] = [...PALETTE, '#8c564b'];
/** The burn-in's shading and its edge. */
export const BURN_IN_FILL = 'rgba(96, 101, 111, 0.13)';

export interface TraceLayout {
  readonly plot: Rect;
  readonly x: Scale;
  readonly y: Scale;
  /** The colour each chain was drawn in. */
  readonly colors: readonly string[];
  /** Chains with at least one finite energy drawn. */
  readonly chainsDrawn: number;
  /** The shaded burn-in, or null when there is none. */
  readonly burnIn: Rect | null;
  /** Some finite energies lie outside the y range (robustExtent left them off-scale). */
  readonly offScale: boolean;
}

const PAD = 16;

/** "first 8 of 64 chains", or "8 chains" when all are shown. */
export function chainsLabel(trace: Pick<TraceLike, 'chains' | 'totalChains'>): string {
  return trace.chains < trace.totalChains ? `first ${trace.chains} of ${trace.totalChains} chains` : `${trace.chains} chains`;
}

/** Chain c's energies, `at.length` of them. */
function chainValues(trace: TraceLike, c: number): readonly number[] {
  const n = trace.at.length;
  return trace.energies.slice(c * n, (c + 1) * n);
}

/** Draws the figure in `box` and returns where its parts went. */
export function drawEnergyTraces(ctx: Canvas2D, box: Rect, trace: TraceLike, options: TraceOptions = {}): TraceLayout {
  const theme = themeWith(options.theme);
  ctx.save();
  if (options.background !== false) {
    ctx.fillStyle = theme.background;
    ctx.fillRect(box.x, box.y, box.width, box.height);
  }

  // Header: title and subtitle, then the legend.
  const titleY = box.y + PAD + theme.size.title / 2 + 1;
  const title = options.title ?? `Energy traces · step ${trace.step}`;
  ctx.font = font(theme, theme.size.title, 'bold');
  ctx.fillStyle = theme.text;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  const shownTitle = fitText(ctx, title, box.width - 2 * PAD);
  ctx.fillText(shownTitle, box.x + PAD, titleY);
  const afterTitle = box.x + PAD + ctx.measureText(shownTitle).width + 12;
  ctx.font = font(theme, theme.size.legend);
  const room = box.x + box.width - PAD - afterTitle;
  if (room > 40) {
    ctx.fillStyle = theme.muted;
    ctx.fillText(fitText(ctx, options.subtitle ?? chainsLabel(trace), room), afterTitle, titleY);
  }
  const legendY = titleY + theme.size.title / 2 + 8 + theme.size.legend / 2 + 2;
  const top = legendY + theme.size.legend / 2 + 10;

  // Scales: x over every step, y over the energies without far outliers (a chain started far off).
  const all: number[] = [];
  for (const v of trace.energies) if (Number.isFinite(v)) all.push(v);
  const extent = robustExtent(all);
  const bottomH = TICK_LENGTH + TICK_PAD + theme.size.tick + 8 + theme.size.label + PAD / 2;
  const plotH = Math.max(20, box.y + box.height - bottomH - top);
  const yCount = Math.max(3, Math.round(plotH / 48));
  const yDom = extent ? niceLinearDomain(extent[0], extent[1], yCount, 0.04) : ([0, 1] as [number, number]);
  const yTicks0 = linearScale(yDom, [plotH, 0]).ticks(yCount);
  const leftW = PAD / 2 + theme.size.label + 10 + maxTickLabelWidth(ctx, yTicks0, theme) + TICK_PAD + TICK_LENGTH;
  ctx.font = font(theme, theme.size.tick);
  const rightW = Math.max(PAD, ctx.measureText(String(trace.steps)).width / 2 + 4);
  const plot: Rect = { x: box.x + leftW, y: top, width: Math.max(20, box.width - leftW - rightW), height: plotH };
  const x = linearScale([0, Math.max(1, trace.steps)], [plot.x, plot.x + plot.width]);
  const y = linearScale(yDom, [plot.y + plot.height, plot.y]);
  const yTicks = y.ticks(yCount);

  drawHorizontalGrid(ctx, plot, y, yTicks, theme);

  // The burn-in: shaded, its end dashed.
  const burnInSteps = Math.min(Math.max(0, trace.burnIn), trace.steps);
  let burnIn: Rect | null = null;
  if (burnInSteps > 0) {
    const end = x.map(burnInSteps);
    burnIn = { x: plot.x, y: plot.y, width: end - plot.x, height: plot.height };
    ctx.fillStyle = BURN_IN_FILL;
    ctx.fillRect(burnIn.x, burnIn.y, burnIn.width, burnIn.height);
    ctx.strokeStyle = theme.muted;
    ctx.lineWidth = 1;
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.moveTo(Math.round(end) + 0.5, plot.y);
    ctx.lineTo(Math.round(end) + 0.5, plot.y + plot.height);
    ctx.stroke();
    ctx.setLineDash([]);
  }

  // The chains, clipped to the plot; the first chain on top.
  const colors = Array.from({ length: trace.chains }, (_, c) => CHAIN_COLORS[c % CHAIN_COLORS.length]!);
  let chainsDrawn = 0;
  let offScale = false;
  const [ylo, yhi] = yDom;
  ctx.save();
  ctx.beginPath();
  ctx.rect(plot.x, plot.y, plot.width, plot.height);
  ctx.clip();
  ctx.lineJoin = 'round';
  ctx.lineCap = 'round';
  ctx.lineWidth = trace.at.length > plot.width / 2 ? 1 : 1.4;
  ctx.globalAlpha = 0.85;
  for (let c = trace.chains - 1; c >= 0; c--) {
    const values = chainValues(trace, c);
    ctx.strokeStyle = colors[c]!;
    ctx.beginPath();
    let pen = false;
    let any = false;
    values.forEach((v, i) => {
      if (!Number.isFinite(v)) {
        pen = false;
        return;
      }
      any = true;
      if (v < ylo || v > yhi) offScale = true;
      const px = x.map(trace.at[i]!);
      const py = y.map(v);
      if (pen) ctx.lineTo(px, py);
      else ctx.moveTo(px, py);
      pen = true;
    });
    ctx.stroke();
    if (any) chainsDrawn++;
  }
  ctx.restore();

  if (chainsDrawn === 0) {
    ctx.font = font(theme, theme.size.label);
    ctx.fillStyle = theme.muted;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText('no finite energies', plot.x + plot.width / 2, plot.y + plot.height / 2);
  }

  // Axes and their titles.
  drawLeftAxis(ctx, plot, y, yTicks, theme);
  drawBottomAxis(ctx, plot, x, x.ticks(Math.max(3, Math.round(plot.width / 95))), theme);
  ctx.font = font(theme, theme.size.label);
  ctx.fillStyle = theme.text;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  ctx.fillText('sampler step', plot.x + plot.width / 2, box.y + box.height - PAD / 2);
  const yTitleX = plot.x - TICK_LENGTH - TICK_PAD - maxTickLabelWidth(ctx, yTicks, theme) - 8 - theme.size.label / 2;
  drawVerticalText(ctx, 'energy E(x)', yTitleX, plot.y + plot.height / 2, font(theme, theme.size.label), theme.text);

  // Legend: the chains' colours, the burn-in, and a note when energies were left off-scale. The
  // longest wordings that fit; the burn-in is named inside its shading when the legend has no room.
  ctx.font = font(theme, theme.size.legend);
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'left';
  const right = plot.x + plot.width;
  const swatchW = Math.min(14, (plot.width * 0.3) / Math.max(1, trace.chains));
  const swatchesW = trace.chains * swatchW + 4;
  const burnInWordings = burnInSteps > 0 ? [`burn-in, discarded (${burnInSteps} steps)`, `burn-in (${burnInSteps} steps)`, 'burn-in'] : [];
  const fits = (perChain: string, burnInLabel: string | undefined) =>
    plot.x + swatchesW + ctx.measureText(perChain).width + (burnInLabel === undefined ? 0 : 18 + 24 + ctx.measureText(burnInLabel).width) <= right;
  let perChain = 'chains';
  let burnInLabel: string | undefined;
  search: for (const b of [...burnInWordings, undefined])
    for (const c of ['one colour per chain', 'chains'])
      if (fits(c, b)) {
        [perChain, burnInLabel] = [c, b];
        break search;
      }
  let lx = plot.x;
  colors.forEach((color, c) => {
    ctx.fillStyle = color;
    ctx.fillRect(lx + c * swatchW, legendY - 4, swatchW - 2, 8);
  });
  lx += swatchesW;
  ctx.fillStyle = theme.text;
  ctx.fillText(perChain, lx, legendY);
  lx += ctx.measureText(perChain).width + 18;
  if (burnInLabel !== undefined) {
    ctx.fillStyle = BURN_IN_FILL;
    ctx.fillRect(lx, legendY - 6, 18, 12);
    ctx.strokeStyle = theme.muted;
    ctx.lineWidth = 1;
    ctx.strokeRect(lx + 0.5, legendY - 5.5, 17, 11);
    ctx.fillStyle = theme.text;
    ctx.fillText(burnInLabel, lx + 24, legendY);
    lx += 24 + ctx.measureText(burnInLabel).width + 18;
  } else if (burnIn && ctx.measureText('burn-in').width + 8 <= burnIn.width) {
    ctx.fillStyle = theme.muted;
    ctx.textBaseline = 'top';
    ctx.fillText('burn-in', burnIn.x + 4, burnIn.y + 3);
    ctx.textBaseline = 'middle';
  }
  if (offScale) {
    const note = '\u2195 some energies off-scale';
    ctx.font = font(theme, theme.size.tick);
    if (lx + ctx.measureText(note).width <= plot.x + plot.width) {
      ctx.fillStyle = theme.muted;
      ctx.textAlign = 'right';
      ctx.fillText(note, plot.x + plot.width, legendY);
    }
  }

  ctx.restore();
  return { plot, x, y, colors, chainsDrawn, burnIn, offScale };
}
