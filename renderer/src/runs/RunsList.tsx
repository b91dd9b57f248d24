// Past runs, newest first, as the host lists them (this window's run with its live state).
// Clicking one shows its plots.
import type { RunRecord } from '../../../app/api/contract.ts';
import './runs.css';
import { STATE_LABELS, formatCount, formatStartTime, keyFigures } from './format.ts';
import type { RunView, RunViewState } from './run-view.ts';
import { selectShownView, useRuns } from './store.ts';

export interface RunsListProps {
  readonly className?: string;
  /** Called after a run was picked (e.g. to bring the plots into view). */
  readonly onOpen?: (runId: string) => void;
}

interface Row {
  readonly record: RunRecord;
  readonly state: RunViewState;
  readonly step: number | null;
  readonly totalSteps: number | null;
}

function rowOf(record: RunRecord, live: RunView | null): Row {
  if (live && live.runId === record.runId) {
    return { record, state: live.state, step: live.step, totalSteps: live.totalSteps };
  }
  return { record, state: record.state, step: record.summary?.steps ?? null, totalSteps: record.summary?.totalSteps ?? null };
}

export function RunsList({ className, onOpen }: RunsListProps) {
  const runs = useRuns((s) => s.runs);
  const live = useRuns((s) => s.live);
  const shown = useRuns(selectShownView);
  const opening = useRuns((s) => s.opening);
  const openRun = useRuns((s) => s.openRun);
  const refreshRuns = useRuns((s) => s.refreshRuns);
  const rows = runs.map((r) => rowOf(r, live));
  return (
    <div className={`run-list${className ? ` ${className}` : ''}`} data-testid="runs-list">
      <div className="run-list-head">
        <span className="run-list-title">Runs</span>
        <span className="run-list-count">{runs.length}</span>
        <button type="button" className="run-button run-button-quiet" onClick={() => void refreshRuns()} title="List the runs again">
          refresh
        </button>
      </div>
      {rows.length === 0 ? (
        <div className="run-empty run-empty-inline">no runs yet</div>
      ) : (
        <ul className="run-list-items">
          {rows.map(({ record, state, step, totalSteps }) => {
            const figures = record.summary ? keyFigures(record.summary.final).slice(0, 3) : [];
            const selected = shown?.runId === record.runId;
            return (
              <li key={record.runId}>
                <button
                  type="button"
                  className={`run-list-item${selected ? ' run-list-item-selected' : ''}`}
                  data-run-id={record.runId}
                  aria-current={selected ? 'true' : undefined}
                  aria-busy={opening === record.runId}
                  title={`${record.folder}\nstarted ${record.startedAt}`}
                  onClick={() => {
                    void openRun(record.runId);
                    onOpen?.(record.runId);
                  }}
                >
                  <span className="run-list-line">
                    <span className="run-list-name">{record.title || record.runId}</span>
                    <span className={`run-badge run-state-${state}`}>{STATE_LABELS[state]}</span>
                  </span>
                  <span className="run-list-line run-list-meta">
                    <span>{formatStartTime(record.startedAt)}</span>
                    {step !== null && <span>{totalSteps ? `${formatCount(step)} / ${formatCount(totalSteps)} steps` : `${formatCount(step)} steps`}</span>}
                    {record.backend && <span>{record.backend}</span>}
                  </span>
                  {figures.length > 0 && (
                    <span className="run-list-line run-list-figures">
                      {figures.map((f) => (
                        <span key={f.label} title={f.title}>
                          {f.label} <b>{f.value}</b>
                        </span>
                      ))}
                    </span>
                  )}
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
