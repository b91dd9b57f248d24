// The toolbar's view of this window's run: a progress bar with steps, speed and time left.
import './runs.css';
import { STATE_LABELS, etaSeconds, formatCount, formatDuration, formatRate, fractionDone } from './format.ts';
import type { RunView } from './run-view.ts';
import { selectLive, useRuns } from './store.ts';

export interface RunProgressProps {
  /** The run to show; by default this window's live run. */
  readonly view?: RunView | null;
  readonly className?: string;
}

export function RunProgress({ view, className }: RunProgressProps) {
  const live = useRuns(selectLive);
  const stopping = useRuns((s) => s.stopping);
  const run = view === undefined ? live : view;
  const state = run?.state ?? 'idle';
  const total = run?.totalSteps ?? 0;
  const step = run?.step ?? 0;
  const fraction = fractionDone(step, total);
  const active = state === 'starting' || state === 'running';
  const eta = active ? etaSeconds(step, total, run?.stepsPerSecond ?? 0) : null;
  const label = !run
    ? 'no run yet'
    : state === 'starting'
      ? 'starting…'
      : active && stopping && view === undefined
        ? 'stopping…'
        : STATE_LABELS[run.state];
  const detail = !run || state === 'starting' ? '' : `${formatCount(step)} / ${formatCount(total)}`;
  const valueText = run ? `${label}${detail ? `, step ${detail}` : ''}${eta !== null ? `, ${formatDuration(eta)} left` : ''}` : 'no run yet';
  return (
    <div
      className={`run-progress run-state-${state}${className ? ` ${className}` : ''}`}
      data-testid="run-progress"
      data-state={state}
      role="progressbar"
      aria-label="training progress"
      aria-valuemin={0}
      aria-valuemax={Math.max(total, 1)}
      aria-valuenow={Math.min(step, Math.max(total, 1))}
      aria-valuetext={valueText}
      aria-busy={active}
      title={run ? `${run.title}${run.backend ? ` · ${run.backend}` : ''}` : undefined}
    >
      <span className="run-progress-state">{label}</span>
      <span className="run-progress-track" aria-hidden="true">
        <span className={`run-progress-fill${state === 'starting' ? ' run-progress-indeterminate' : ''}`} style={{ width: state === 'starting' ? undefined : `${(fraction * 100).toFixed(2)}%` }} />
      </span>
      {detail && <span className="run-progress-steps">{detail}</span>}
      {active && state === 'running' && <span className="run-progress-rate">{formatRate(run?.stepsPerSecond ?? 0)}</span>}
      {eta !== null && <span className="run-progress-eta">ETA {formatDuration(eta)}</span>}
    </div>
  );
}
