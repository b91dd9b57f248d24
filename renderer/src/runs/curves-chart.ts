// The live training curves: one uPlot chart per panel (curves-data.ts decides the panels), laid
// out in a grid that fits the box it is given. Imperative on purpose: React renders the box once
// and this owns what is inside it, so a new row costs a setData, never a React render of the charts.
//
// Updates are coalesced to one per animation frame, and when redrawing gets slow (tens of
// thousands of rows) further apart, in proportion to what the last redraw cost, so the UI thread
// always keeps most of each frame.
import uPlot from 'uplot';
import { formatValue } from '../../../app/plot/scale.ts';
import { GAP, HEADER_H, MIN_PANEL_H, PanelData, drawnSeries, gridColumns, stepExtent, type PanelSpec } from './curves-data.ts';
import { formatCount, formatMetric } from './format.ts';
import type { MetricsTable } from './run-view.ts';

const FONT_FAMILY = 'system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif';
// Whole pixels: uPlot scales the font for the pixel ratio with a regex that reads only the digits before "px".
const AXIS_FONT = `11px ${FONT_FAMILY}`;
const AXIS_COLOR = '#5f6470';
const GRID_COLOR = '#eceef1';
const TICK_COLOR = '#d3d6db';
/** A panel of several metrics puts its legend on a second line; then every panel's header is as
 * tall, so that the plots of a row line up. */
const HEADER_H_TWO_LINES = 34;
const headerHeight = (specs: readonly PanelSpec[]): number => (specs.some((s) => s.series.length > 1) ? HEADER_H_TWO_LINES : HEADER_H);
/** Redraws wait at least this many times what the last one took... */
const THROTTLE_FACTOR = 4;
/** ...and at least this long (ms): ten redraws a second is as live as curves need to look, and
 * leaves the rest of the frames (and the raster threads, software-only on many machines) alone. */
const MIN_INTERVAL = 100;
/** Drawing time a frame may spend on the charts (ms); the rest waits for the next frame. */
const FRAME_BUDGET_MS = 6;

interface LegendItem {
  readonly metric: string;
  /** Index of the data array the legend reads (the smoothed line when there is one). */
  readonly dataIndex: number;
  readonly value: HTMLElement;
}

interface Panel {
  readonly key: string;
  readonly spec: PanelSpec;
  readonly el: HTMLElement;
  readonly head: HTMLElement;
  readonly chartEl: HTMLElement;
  readonly stepEl: HTMLElement;
  readonly legend: readonly LegendItem[];
  readonly data: PanelData;
  plot: uPlot;
  hoverIdx: number | null;
}

function withAlpha(color: string, alpha: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(color);
  if (!m?.[1]) return color;
  const n = parseInt(m[1], 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

export class CurvesChart {
  private panels: Panel[] = [];
  private table: MetricsTable | null = null;
  private weight = 0;
  private width = 0;
  private height = 0;
  private layoutDirty = true;
  private frameRequested = false;
  private frameHandle = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private notBefore = 0;
  private destroyed = false;
  private extent: [number, number] = [0, 1];
  private readonly syncKey = `run-curves-${Math.random().toString(36).slice(2)}`;

  /**
   * @param grid the element the panels go in (this owns its children)
   * @param host the element that gets `data-points` (rows drawn)
   */
  constructor(
    private readonly grid: HTMLElement,
    private readonly host: HTMLElement,
  ) {}

  /** The panels to show; panels whose spec did not change keep their chart. */
  setPanels(specs: readonly PanelSpec[], weight: number): void {
    const keyOf = (s: PanelSpec) => `${JSON.stringify(s)}|${weight}`;
    const keep = new Map(this.panels.map((p) => [p.key, p]));
    const next: Panel[] = [];
    for (const spec of specs) {
      const key = keyOf(spec);
      const existing = keep.get(key);
      if (existing) {
        keep.delete(key);
        next.push(existing);
      } else {
        next.push(this.createPanel(spec, key, weight));
      }
    }
    for (const gone of keep.values()) {
      gone.plot.destroy();
      gone.el.remove();
    }
    for (const p of next) this.grid.appendChild(p.el);
    this.panels = next;
    this.weight = weight;
    this.layoutDirty = true;
    this.request();
  }

  setTable(table: MetricsTable | null): void {
    this.table = table;
    this.request();
  }

  resize(width: number, height: number): void {
    if (width === this.width && height === this.height) return;
    this.width = width;
    this.height = height;
    this.layoutDirty = true;
    this.request();
  }

  destroy(): void {
    this.destroyed = true;
    if (this.frameHandle) cancelAnimationFrame(this.frameHandle);
    if (this.timer) clearTimeout(this.timer);
    for (const p of this.panels) {
      p.plot.destroy();
      p.el.remove();
    }
    this.panels = [];
  }

  /**
   * Draws soon: in a microtask when allowed now, so that a batch of the runs store (applied in an
   * animation frame) and the charts it changes reach the screen in the same frame, one compositor
   * commit rather than two; else after the throttle's wait, at an animation frame.
   */
  private request(): void {
    if (this.frameRequested || this.destroyed) return;
    this.frameRequested = true;
    const wait = this.notBefore - performance.now();
    if (wait <= 0) {
      queueMicrotask(() => this.frame());
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      this.frameHandle = requestAnimationFrame(() => this.frame());
    }, wait);
  }

  private frame(): void {
    this.frameRequested = false;
    this.frameHandle = 0;
    if (this.destroyed) return;
    const t0 = performance.now();
    if (this.layoutDirty) this.layout();
    const table = this.table;
    if (table) {
      this.extent = stepExtent(table) ?? [0, 1];
      let left = false;
      for (const p of this.panels) {
        // A frame's share of the UI thread: panels beyond it are drawn at the next frame, so
        // many charts never add up to one long task (a node dragged meanwhile stays smooth).
        if (performance.now() - t0 > FRAME_BUDGET_MS) {
          left = true;
          break;
        }
        if (!p.data.sync(table)) continue;
        // batch() draws before it returns, so the time measured below includes the drawing.
        p.plot.batch(() => p.plot.setData(p.data.data() as uPlot.AlignedData));
        if (p.hoverIdx === null) this.showValues(p, null);
      }
      if (left) {
        this.frameRequested = true;
        this.frameHandle = requestAnimationFrame(() => this.frame());
        return;
      }
      this.host.dataset.points = String(table.rows);
    } else {
      this.host.dataset.points = '0';
    }
    // From the start of this draw, with some slack, so that the store's next batch (MIN_INTERVAL
    // after its last) finds the charts ready to draw along with it.
    this.notBefore = t0 + Math.max(0.8 * MIN_INTERVAL, (THROTTLE_FACTOR + 1) * (performance.now() - t0));
  }

  private layout(): void {
    this.layoutDirty = false;
    const n = this.panels.length;
    if (n === 0 || this.width <= 0 || this.height <= 0) return;
    const cols = gridColumns(n, this.width, this.height);
    const rows = Math.ceil(n / cols);
    const w = Math.floor((this.width - GAP * (cols - 1)) / cols);
    const h = Math.max(MIN_PANEL_H, Math.floor((this.height - GAP * (rows - 1)) / rows));
    this.grid.style.gridTemplateColumns = `repeat(${cols}, ${w}px)`;
    const headH = headerHeight(this.panels.map((p) => p.spec));
    for (const p of this.panels) {
      p.el.style.height = `${h}px`;
      p.head.style.height = `${headH}px`;
      p.plot.setSize({ width: w, height: Math.max(40, h - headH) });
    }
  }

  private createPanel(spec: PanelSpec, key: string, weight: number): Panel {
    const root = el('div', 'run-curve');
    root.dataset.panel = spec.id;
    const head = el('div', spec.series.length > 1 ? 'run-curve-head run-curve-head-two' : 'run-curve-head');
    head.appendChild(el('span', 'run-curve-title', spec.log ? `${spec.title} (log)` : spec.title));
    const legendEl = el('span', 'run-curve-legend');
    const lines = drawnSeries(spec);
    const legend: LegendItem[] = spec.series.map((s) => {
      const item = el('span', 'run-curve-item');
      const swatch = el('i', 'run-curve-swatch');
      swatch.style.background = s.color;
      const value = el('b', 'run-curve-value', '–');
      // A panel of one metric is titled after it: its value alone says enough.
      if (spec.series.length > 1) item.append(swatch, el('span', 'run-curve-name', s.key));
      item.append(value);
      if (s.smooth) item.title = `${s.key}: smoothed (EMA ${weight}); the faint line is the raw value`;
      legendEl.appendChild(item);
      const dataIndex = 1 + lines.findIndex((l) => l.key === s.key && l.kind === (s.smooth ? 'smoothed' : 'raw'));
      return { metric: s.key, dataIndex, value };
    });
    const stepEl = el('span', 'run-curve-step');
    head.append(legendEl, stepEl);
    const chartEl = el('div', 'run-curve-chart');
    root.append(head, chartEl);

    const data = new PanelData(spec, weight);
    const axis = (side: 'x' | 'y'): uPlot.Axis => ({
      stroke: AXIS_COLOR,
      font: AXIS_FONT,
      grid: { stroke: GRID_COLOR, width: 1 },
      ticks: { stroke: TICK_COLOR, width: 1, size: 3 },
      gap: 2,
      ...(side === 'x'
        ? { size: 22, space: 60, values: tickLabels }
        : {
            space: 30,
            values: tickLabels,
            size: (_u: uPlot, values: string[] | null) => 10 + 6 * Math.max(3, ...(values ?? []).map((v) => v.length)),
          }),
    });
    const panel: Panel = {
      key,
      spec,
      el: root,
      head,
      chartEl,
      stepEl,
      legend,
      data,
      hoverIdx: null,
      plot: null as unknown as uPlot,
    };
    const reference = spec.referenceLine;
    const opts: uPlot.Options = {
      width: Math.max(100, this.width || 300),
      height: Math.max(40, MIN_PANEL_H - HEADER_H_TWO_LINES),
      legend: { show: false },
      padding: [6, 10, 0, 2],
      cursor: {
        sync: { key: this.syncKey },
        y: false,
        drag: { x: false, y: false, setScale: false },
        points: { size: 5 },
      },
      scales: {
        x: { time: false, range: () => this.extent },
        y: spec.log ? { distr: 3, log: 10 } : { auto: true },
      },
      axes: [axis('x'), axis('y')],
      series: [
        { label: 'step' },
        ...lines.map(
          (l): uPlot.Series => ({
            label: l.kind === 'smoothed' ? `${l.key} (smoothed)` : l.key,
            stroke: l.faint ? withAlpha(l.color, 0.28) : l.color,
            width: l.faint ? 1 : 1.6,
            spanGaps: false,
            ...(l.faint || l.kind === 'smoothed' ? { points: { show: false } } : { points: { size: 4, space: 8 } }),
          }),
        ),
      ],
      hooks: {
        setCursor: [
          (u) => {
            const idx = u.cursor.idx ?? null;
            panel.hoverIdx = idx;
            this.showValues(panel, idx);
          },
        ],
        ...(reference !== null ? { draw: [(u: uPlot) => drawReferenceLine(u, reference)] } : {}),
      },
    };
    panel.plot = new uPlot(opts, data.data() as uPlot.AlignedData, chartEl);
    return panel;
  }

  /** The legend values: at the hovered row, or the newest. */
  private showValues(p: Panel, idx: number | null): void {
    const arrays = p.data.data();
    if (idx !== null && idx < p.data.x.length) {
      p.stepEl.textContent = `step ${formatCount(p.data.x[idx] ?? NaN)}`;
      for (const item of p.legend) item.value.textContent = formatMetric(arrays[item.dataIndex]?.[idx] as number | null | undefined);
      return;
    }
    p.stepEl.textContent = '';
    for (const item of p.legend) {
      const ys = arrays[item.dataIndex] ?? [];
      let v: number | null | undefined;
      for (let i = ys.length - 1; i >= 0; i--) {
        const y = ys[i] as number | null | undefined;
        if (y !== undefined) {
          v = y;
          break;
        }
      }
      item.value.textContent = v === null ? 'NaN' : formatMetric(v);
    }
  }
}

/** Tick labels in the core's number format; uPlot passes null for the splits a log axis leaves unlabelled. */
function tickLabels(_u: uPlot, splits: (number | null)[]): string[] {
  return splits.map((v) => (v === null || v === undefined ? '' : formatValue(v, 3)));
}

/** A dashed line at y = value when it is in view (NLL − entropy reaches 0 at the data density). */
function drawReferenceLine(u: uPlot, value: number): void {
  const y = u.valToPos(value, 'y', true);
  const { left, top, width, height } = u.bbox;
  if (!(y >= top && y <= top + height)) return;
  const ctx = u.ctx;
  ctx.save();
  ctx.strokeStyle = '#8a8f98';
  ctx.lineWidth = Math.max(1, devicePixelRatio);
  ctx.setLineDash([5 * devicePixelRatio, 4 * devicePixelRatio]);
  ctx.beginPath();
  ctx.moveTo(left, y);
  ctx.lineTo(left + width, y);
  ctx.stroke();
  ctx.restore();
}
