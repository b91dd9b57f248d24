// The status bar's note of the compute backend: that of this window's run, else of the newest
// listed run; the notes on why better backends were passed over as a tooltip.
import './runs.css';
import { useRuns } from './store.ts';

export interface BackendStatusProps {
  readonly className?: string;
}

export function BackendStatus({ className }: BackendStatusProps) {
  const liveBackend = useRuns((s) => s.live?.backend ?? null);
  const notes = useRuns((s) => s.live?.backendNotes);
  const listed = useRuns((s) => s.runs.find((r) => r.backend !== null)?.backend ?? null);
  const backend = liveBackend ?? listed;
  const tip = backend
    ? [liveBackend ? `this run trains on the ${backend} backend` : `the last run trained on the ${backend} backend`, ...(liveBackend ? (notes ?? []) : [])].join('\n')
    : 'The runtime picks the best backend that loads (tensorflow, then wasm, then cpu) when a run starts.';
  return (
    <span className={`run-backend${backend ? ` run-backend-${backend}` : ''}${className ? ` ${className}` : ''}`} data-testid="backend-status" title={tip}>
      {backend ? `backend: ${backend}` : 'backend: chosen when a run starts'}
    </span>
  );
}
