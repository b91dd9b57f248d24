// "Energy traces": the MCMC diagnostics monitor's chains, energy against sampler step, with the
// burn-in shaded. The core's figure (app/plot/trace.ts, also trace.png) drawn on a canvas at the
// screen's pixel density, here on the page: a few chains of a few hundred points draw in well
// under a millisecond. Redrawn when the traces or the size change.
import { useEffect, useRef, useState } from 'react';
import { drawEnergyTraces } from '../../../app/plot/trace.ts';
import type { TraceSnapshot } from '../../../app/runtime/events.ts';
import './runs.css';
import { COMPACT_THEME, SMALL_THEME } from './figure-theme.ts';
import { formatCount } from './format.ts';
import type { RunView } from './run-view.ts';
import { useElementSize } from './use-element-size.ts';

export interface TracePlotProps {
  readonly view: RunView | null;
  /** The monitor whose traces to show; by default the one that sent the newest (with a switch when there are several). */
  readonly nodeId?: string;
  readonly className?: string;
}

/** Whether the run has energy traces to show, or an MCMC monitor that will send some. */
export function hasTraces(view: RunView | null): boolean {
  return view !== null && (view.plots.some((p) => p.kind === 'trace') || Object.keys(view.traces).length > 0);
}

/** The monitors with traces, in the order the run asked for their plots. */
function monitorsOf(view: RunView | null): string[] {
  if (!view) return [];
  const asked = view.plots.filter((p) => p.kind === 'trace').map((p) => p.nodeId);
  const have = Object.keys(view.traces);
  return [...asked.filter((id) => have.includes(id)), ...have.filter((id) => !asked.includes(id))];
}

export function TracePlot({ view, nodeId, className }: TracePlotProps) {
  const boxRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const size = useElementSize(boxRef);
  const [chosen, setChosen] = useState<string | null>(null);
  const monitors = monitorsOf(view);
  const id = nodeId ?? (chosen !== null && monitors.includes(chosen) ? chosen : (view?.lastTraceNode ?? monitors[0] ?? null));
  const trace: TraceSnapshot | null = (id !== null && view?.traces[id]) || null;

  useEffect(() => {
    const canvas = canvasRef.current;
    const box = boxRef.current;
    if (!box) return;
    if (!trace) {
      box.removeAttribute('data-drawn-step');
      box.removeAttribute('data-chains-drawn');
    }
    if (!canvas || !trace || size.width < 20 || size.height < 20) return;
    const { width, height } = size;
    const dpr = window.devicePixelRatio || 1;
    const pw = Math.round(width * dpr);
    const ph = Math.round(height * dpr);
    if (canvas.width !== pw) canvas.width = pw;
    if (canvas.height !== ph) canvas.height = ph;
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const layout = drawEnergyTraces(ctx, { x: 0, y: 0, width, height }, trace, {
      theme: Math.min(width, height) < 320 ? SMALL_THEME : COMPACT_THEME,
      title: `Energy traces · step ${formatCount(trace.step)}`,
    });
    canvas.setAttribute('aria-label', `energy traces of ${layout.chainsDrawn} chains at step ${trace.step}`);
    // What is on screen, for whoever waits for the picture (the end-to-end tests).
    box.setAttribute('data-drawn-step', String(trace.step));
    box.setAttribute('data-chains-drawn', String(layout.chainsDrawn));
  }, [trace, size]);

  return (
    <div
      className={`run-traces${className ? ` ${className}` : ''}`}
      role="figure"
      aria-label="Energy traces"
      data-testid="trace-plot"
      data-step={trace ? trace.step : undefined}
    >
      {monitors.length > 1 && nodeId === undefined && (
        <div className="run-samples-tabs" role="tablist" aria-label="MCMC monitor">
          {monitors.map((m) => (
            <button key={m} type="button" role="tab" aria-selected={m === id} className="run-tab" onClick={() => setChosen(m)}>
              {m}
            </button>
          ))}
        </div>
      )}
      <div ref={boxRef} className="run-traces-box">
        {trace ? (
          <canvas ref={canvasRef} className="run-samples-canvas" role="img" />
        ) : (
          <div className="run-empty">no traces yet: the MCMC monitor runs its chains at each snapshot</div>
        )}
      </div>
    </div>
  );
}
