// Live training curves (uPlot), one panel per group of metrics, sized to the box it is in.
import { useEffect, useMemo, useRef } from 'react';
import 'uplot/dist/uPlot.min.css';
import './runs.css';
import { CurvesChart } from './curves-chart.ts';
import { groupMetrics, smoothingOf } from './curves-data.ts';
import type { RunView } from './run-view.ts';
import { useElementSize } from './use-element-size.ts';

export interface CurvesPlotProps {
  /** The run whose metrics to draw; null draws nothing. */
  readonly view: RunView | null;
  readonly className?: string;
}

const NO_NAMES: readonly string[] = [];

export function CurvesPlot({ view, className }: CurvesPlotProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const gridRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<CurvesChart | null>(null);
  const size = useElementSize(hostRef);
  const names = view?.metrics.names ?? NO_NAMES;
  const smoothing = smoothingOf(view?.plots ?? []);
  const specs = useMemo(() => groupMetrics(names, smoothing), [names, smoothing]);
  const table = view?.metrics ?? null;

  useEffect(() => {
    const grid = gridRef.current;
    const host = hostRef.current;
    if (!grid || !host) return;
    const chart = new CurvesChart(grid, host);
    chartRef.current = chart;
    return () => {
      chart.destroy();
      chartRef.current = null;
    };
  }, []);

  useEffect(() => chartRef.current?.setPanels(specs, smoothing), [specs, smoothing]);
  useEffect(() => chartRef.current?.setTable(table), [table]);
  useEffect(() => chartRef.current?.resize(size.width, size.height), [size.width, size.height]);

  const empty = !table || table.rows === 0;
  return (
    <div ref={hostRef} className={`run-curves${className ? ` ${className}` : ''}`} data-testid="curves-plot">
      <div ref={gridRef} className="run-curves-grid" />
      {empty && <div className="run-empty">{view ? 'no metrics logged yet' : 'no run to show'}</div>}
    </div>
  );
}
