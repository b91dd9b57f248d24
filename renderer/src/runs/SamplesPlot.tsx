// The model's samples over its energy heat map, with held-out data: the core's figure
// (app/plot/samples.ts) drawn on a canvas at the screen's pixel density, redrawn only when the
// snapshot or the size changes (at most once per batch of the runs store, itself once a frame at most).
import { useEffect, useRef, useState, type RefObject } from 'react';
import type { SamplesSnapshot } from '../../../app/runtime/events.ts';
import './runs.css';
import { COMPACT_THEME, SMALL_THEME } from './figure-theme.ts';
import { formatCount } from './format.ts';
import { drawSamples, type SamplesDrawJob, type SamplesWorkerMessage } from './samples-draw.ts';
import type { RunView } from './run-view.ts';
import { useElementSize } from './use-element-size.ts';

export interface SamplesPlotProps {
  readonly view: RunView | null;
  /** The monitor whose snapshot to show; by default the one that sent the newest snapshot (with a switch when there are several). */
  readonly nodeId?: string;
  readonly className?: string;
}


/** The monitors with a snapshot, in the order the run asked for their plots. */
function monitorsOf(view: RunView | null): string[] {
  if (!view) return [];
  const asked = view.plots.filter((p) => p.kind === 'samples').map((p) => p.nodeId);
  const have = Object.keys(view.snapshots);
  return [...asked.filter((id) => have.includes(id)), ...have.filter((id) => !asked.includes(id))];
}

export function SamplesPlot({ view, nodeId, className }: SamplesPlotProps) {
  const boxRef = useRef<HTMLDivElement>(null);
  const size = useElementSize(boxRef);
  const [chosen, setChosen] = useState<string | null>(null);
  const monitors = monitorsOf(view);
  const id = nodeId ?? (chosen !== null && monitors.includes(chosen) ? chosen : (view?.lastSnapshotNode ?? monitors[0] ?? null));
  const snapshot: SamplesSnapshot | null = (id !== null && view?.snapshots[id]) || null;

  // The figure is drawn by a worker on the canvas it was handed (where the browser can), so a
  // new snapshot costs the page only a postMessage; elsewhere it is drawn here.
  const painter = usePainter(boxRef);
  useEffect(() => {
    if (!snapshot || size.width < 20 || size.height < 20) return;
    const w = size.width;
    const h = size.height;
    painter.current?.draw(`samples over the energy at step ${snapshot.step}`, {
      snapshot,
      width: w,
      height: h,
      dpr: window.devicePixelRatio || 1,
      options: {
        theme: Math.min(w, h) < 320 ? SMALL_THEME : COMPACT_THEME,
        title: w < 380 ? `step ${formatCount(snapshot.step)}` : `samples over the energy · step ${formatCount(snapshot.step)}`,
      },
    });
  }, [painter, snapshot, size.width, size.height]);

  return (
    <div className={`run-samples${className ? ` ${className}` : ''}`} data-testid="samples-plot" data-step={snapshot ? snapshot.step : undefined}>
      {monitors.length > 1 && nodeId === undefined && (
        <div className="run-samples-tabs" role="tablist" aria-label="monitor">
          {monitors.map((m) => (
            <button key={m} type="button" role="tab" aria-selected={m === id} className="run-tab" onClick={() => setChosen(m)}>
              {m}
            </button>
          ))}
        </div>
      )}
      <div ref={boxRef} className="run-samples-box">
        {!snapshot && <div className="run-empty">{view && view.plots.some((p) => p.kind === 'samples') ? 'no snapshot yet' : view ? 'no snapshot yet (this graph has no 2D density monitor)' : 'no snapshot yet'}</div>}
      </div>
    </div>
  );
}

interface Painter {
  draw(label: string, job: SamplesDrawJob): void;
}

/**
 * Puts a canvas in the box and draws on it: through a worker that owns the canvas where the
 * browser can hand it over, or here otherwise. The canvas is made here rather than rendered by
 * React because a canvas can be handed over only once (StrictMode mounts effects twice).
 */
function usePainter(boxRef: RefObject<HTMLDivElement | null>): RefObject<Painter | null> {
  const painter = useRef<Painter | null>(null);
  useEffect(() => {
    const box = boxRef.current;
    if (!box) return;
    const canvas = document.createElement('canvas');
    canvas.className = 'run-samples-canvas';
    canvas.setAttribute('role', 'img');
    box.prepend(canvas);
    const show = (label: string, job: SamplesDrawJob) => {
      canvas.setAttribute('aria-label', label);
      canvas.style.width = `${job.width}px`;
      canvas.style.height = `${job.height}px`;
    };
    let worker: Worker | null = null;
    if (typeof Worker !== 'undefined' && 'transferControlToOffscreen' in canvas) {
      const w = new Worker(new URL('./samples-worker.ts', import.meta.url), { type: 'module', name: 'samples plot' });
      const offscreen = canvas.transferControlToOffscreen();
      w.postMessage({ kind: 'canvas', canvas: offscreen } satisfies SamplesWorkerMessage, [offscreen]);
      // The step on screen, for whoever waits for the picture (the end-to-end tests).
      w.onmessage = (e: MessageEvent<{ drawn: number }>) => box.setAttribute('data-drawn-step', String(e.data.drawn));
      worker = w;
      painter.current = {
        draw(label, job) {
          show(label, job);
          w.postMessage({ kind: 'draw', ...job } satisfies SamplesWorkerMessage);
        },
      };
    } else {
      painter.current = {
        draw(label, job) {
          show(label, job);
          drawSamples(canvas, job);
          box.setAttribute('data-drawn-step', String(job.snapshot.step));
        },
      };
    }
    return () => {
      painter.current = null;
      worker?.terminate();
      canvas.remove();
    };
  }, [boxRef]);
  return painter;
}
