// Axis drawing shared by the figures: spines, tick marks, tick labels, grid lines, axis titles.
import type { Canvas2D, Rect } from './canvas.ts';
import type { Scale, Tick } from './scale.ts';
import { font, type Theme } from './theme.ts';

export const TICK_LENGTH = 4;
export const TICK_PAD = 4;

export function textWidth(ctx: Canvas2D, text: string, fontSpec: string): number {
  ctx.font = fontSpec;
  return ctx.measureText(text).width;
}

/** The widest label among the ticks, in the tick font. */
export function maxTickLabelWidth(ctx: Canvas2D, ticks: readonly Tick[], theme: Theme): number {
  ctx.font = font(theme, theme.size.tick);
  let w = 0;
  for (const t of ticks) if (t.label) w = Math.max(w, ctx.measureText(t.label).width);
  return w;
}

/** Horizontal grid lines at the major ticks (drawn under the data). */
export function drawHorizontalGrid(ctx: Canvas2D, plot: Rect, y: Scale, ticks: readonly Tick[], theme: Theme): void {
  ctx.save();
  ctx.strokeStyle = theme.grid;
  ctx.lineWidth = 1;
  ctx.setLineDash([]);
  ctx.beginPath();
  for (const t of ticks) {
    if (t.minor) continue;
    const py = Math.round(y.map(t.value));
    if (!(py >= plot.y - 0.5 && py <= plot.y + plot.height + 0.5)) continue;
    ctx.moveTo(plot.x, py);
    ctx.lineTo(plot.x + plot.width, py);
  }
  ctx.stroke();
  ctx.restore();
}

/** Left spine, ticks pointing out, labels right-aligned. */
export function drawLeftAxis(ctx: Canvas2D, plot: Rect, y: Scale, ticks: readonly Tick[], theme: Theme): void {
  ctx.save();
  ctx.strokeStyle = theme.axis;
  ctx.fillStyle = theme.text;
  ctx.lineWidth = 1;
  ctx.setLineDash([]);
  const x0 = Math.round(plot.x);
  ctx.beginPath();
  ctx.moveTo(x0, plot.y);
  ctx.lineTo(x0, plot.y + plot.height);
  for (const t of ticks) {
    const py = Math.round(y.map(t.value));
    if (!(py >= plot.y - 0.5 && py <= plot.y + plot.height + 0.5)) continue;
    ctx.moveTo(x0, py);
    ctx.lineTo(x0 - (t.minor ? TICK_LENGTH * 0.6 : TICK_LENGTH), py);
  }
  ctx.stroke();
  ctx.font = font(theme, theme.size.tick);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const t of ticks) {
    if (!t.label) continue;
    const py = y.map(t.value);
    if (!(py >= plot.y - 0.5 && py <= plot.y + plot.height + 0.5)) continue;
    ctx.fillText(t.label, x0 - TICK_LENGTH - TICK_PAD, py);
  }
  ctx.restore();
}

/** Right-hand ticks and labels (a colour bar's axis). */
export function drawRightAxis(ctx: Canvas2D, x: number, top: number, bottom: number, y: Scale, ticks: readonly Tick[], theme: Theme): void {
  ctx.save();
  ctx.strokeStyle = theme.axis;
  ctx.fillStyle = theme.text;
  ctx.lineWidth = 1;
  ctx.setLineDash([]);
  ctx.beginPath();
  for (const t of ticks) {
    const py = Math.round(y.map(t.value));
    if (!(py >= top - 0.5 && py <= bottom + 0.5)) continue;
    ctx.moveTo(x, py);
    ctx.lineTo(x + TICK_LENGTH, py);
  }
  ctx.stroke();
  ctx.font = font(theme, theme.size.tick);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  for (const t of ticks) {
    const py = y.map(t.value);
    if (!t.label || !(py >= top - 0.5 && py <= bottom + 0.5)) continue;
    ctx.fillText(t.label, x + TICK_LENGTH + TICK_PAD, py);
  }
  ctx.restore();
}

/**
 * Bottom spine, ticks pointing down, labels centred under them. Labels that would collide are
 * thinned (every other one dropped) until they fit.
 */
export function drawBottomAxis(ctx: Canvas2D, plot: Rect, x: Scale, ticks: readonly Tick[], theme: Theme): void {
  ctx.save();
  ctx.strokeStyle = theme.axis;
  ctx.fillStyle = theme.text;
  ctx.lineWidth = 1;
  ctx.setLineDash([]);
  const y0 = Math.round(plot.y + plot.height);
  const visible = ticks.filter((t) => {
    const px = x.map(t.value);
    return px >= plot.x - 0.5 && px <= plot.x + plot.width + 0.5;
  });
  ctx.beginPath();
  ctx.moveTo(plot.x, y0);
  ctx.lineTo(plot.x + plot.width, y0);
  for (const t of visible) {
    const px = Math.round(x.map(t.value));
    ctx.moveTo(px, y0);
    ctx.lineTo(px, y0 + (t.minor ? TICK_LENGTH * 0.6 : TICK_LENGTH));
  }
  ctx.stroke();
  ctx.font = font(theme, theme.size.tick);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  let labelled = visible.filter((t) => t.label);
  for (let guard = 0; guard < 4 && labelled.length > 2; guard++) {
    let overlap = false;
    for (let i = 1; i < labelled.length; i++) {
      const a = labelled[i - 1];
      const b = labelled[i];
      if (!a || !b) continue;
      const gap = Math.abs(x.map(b.value) - x.map(a.value));
      if (gap < (ctx.measureText(a.label).width + ctx.measureText(b.label).width) / 2 + 8) overlap = true;
    }
    if (!overlap) break;
    labelled = labelled.filter((_, i) => i % 2 === 0);
  }
  for (const t of labelled) ctx.fillText(t.label, x.map(t.value), y0 + TICK_LENGTH + TICK_PAD - 1);
  ctx.restore();
}

/** Text turned 90° anticlockwise, centred on (x, y): a y-axis title. */
export function drawVerticalText(ctx: Canvas2D, text: string, x: number, y: number, fontSpec: string, color: string): void {
  ctx.save();
  ctx.translate(x, y);
  ctx.rotate(-Math.PI / 2);
  ctx.font = fontSpec;
  ctx.fillStyle = color;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(text, 0, 0);
  ctx.restore();
}

/** Shortens text with an ellipsis until it fits maxWidth. */
export function fitText(ctx: Canvas2D, text: string, maxWidth: number): string {
  if (ctx.measureText(text).width <= maxWidth) return text;
  let s = text;
  while (s.length > 1 && ctx.measureText(s + '…').width > maxWidth) s = s.slice(0, -1);
  return s + '…';
}
