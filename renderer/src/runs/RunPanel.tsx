// The run area under the editor: what run is shown and how it went, the failure when it failed,
// then the training curves beside the samples picture and, when the run has an MCMC diagnostics
// monitor, its chains' energy traces.
import './runs.css';
import { CurvesPlot } from './CurvesPlot.tsx';
import { SamplesPlot } from './SamplesPlot.tsx';
import { TracePlot, hasTraces } from './TracePlot.tsx';
import { STATE_LABELS, formatCount, formatDuration, formatRate, formatStartTime, keyFigures, knownAnswerLines, type KeyFigure } from './format.ts';
import { lastValue, type RunView } from './run-view.ts';
import { selectShownView, useRuns } from './store.ts';

export interface RunPanelProps {
  readonly className?: string;
  /** Called with the node a failure names (e.g. to select it on the canvas). */
  readonly onShowNode?: (nodeId: string) => void;
  /** Show the store's host error (e.g. GRAPH_INVALID on start) as a banner here (default true). */
  readonly showHostError?: boolean;
}

/** The numbers of the header: the summary's once the run ended, else the newest logged values. */
function figuresOf(view: RunView): KeyFigure[] {
  if (view.summary) return [...keyFigures(view.summary.final), ...knownAnswerLines(view.summary)];
  const current: Record<string, number> = {};
  for (const name of view.metrics.names) current[name] = lastValue(view.metrics, name);
  return keyFigures(current);
}

function RunHeader({ view, past }: { view: RunView; past: boolean }) {
  const figures = figuresOf(view);
  const summary = view.summary;
  return (
    <div className="run-head">
      <span className="run-head-title" title={view.folder ?? undefined}>
        {past && <span className="run-head-kind">past run</span>}
        {view.title || view.runId || 'run'}
      </span>
      <span className={`run-badge run-state-${view.state}`} data-testid="run-state">
        {STATE_LABELS[view.state]}
      </span>
      <span className="run-head-meta">
        {view.backend && <span title={view.backendNotes.join('\n') || undefined}>{view.backend}</span>}
        {past && view.startedAt && <span>{formatStartTime(view.startedAt)}</span>}
        {view.totalSteps > 0 && (
          <span>
            {formatCount(view.step)} / {formatCount(view.totalSteps)} steps
          </span>
        )}
        {summary ? (
          <span>
            {formatDuration(summary.seconds)} · {formatRate(summary.stepsPerSecond)}
          </span>
        ) : (
          view.state === 'running' && <span>{formatRate(view.stepsPerSecond)}</span>
        )}
      </span>
      {figures.length > 0 && (
        <span className="run-head-figures" data-testid="run-figures">
          {figures.map((f) => (
            <span key={f.label} className="run-figure" title={f.title}>
              {f.label} <b>{f.value}</b>
            </span>
          ))}
        </span>
      )}
    </div>
  );
}

function FailureBox({ view, onShowNode }: { view: RunView; onShowNode?: (nodeId: string) => void }) {
  const failure = view.failure;
  if (!failure) return null;
  const nodeId = failure.nodeId;
  return (
    <div className="run-failure" role="alert" data-testid="run-failure">
      <span className="run-failure-code">{failure.code}</span>
      <span className="run-failure-message">{failure.message}</span>
      {failure.step !== undefined && <span className="run-failure-where">step {formatCount(failure.step)}</span>}
      {nodeId !== undefined &&
        (onShowNode ? (
          <button type="button" className="run-button" onClick={() => onShowNode(nodeId)}>
            show node {nodeId}
          </button>
        ) : (
          <span className="run-failure-where">node {nodeId}</span>
        ))}
    </div>
  );
}

export function RunPanel({ className, onShowNode, showHostError = true }: RunPanelProps) {
  const view = useRuns(selectShownView);
  const past = useRuns((s) => s.shown.kind === 'past');
  const hasLive = useRuns((s) => s.live !== null);
  const showLive = useRuns((s) => s.showLive);
  const error = useRuns((s) => s.error);
  const dismissError = useRuns((s) => s.dismissError);
  const opening = useRuns((s) => s.opening);
  const withSamples = !view || view.plots.some((p) => p.kind === 'samples') || Object.keys(view.snapshots).length > 0;
  return (
    <section className={`run-panel${className ? ` ${className}` : ''}`} aria-label="run" data-testid="run-panel" data-run-id={view?.runId ?? undefined}>
      <div className="run-bar">
        {view ? <RunHeader view={view} past={past} /> : <div className="run-head run-head-empty">No run yet: press Run to train this graph, or pick a past run.</div>}
        {opening && <span className="run-opening">opening {opening}…</span>}
        {past && (
          <button type="button" className="run-button" data-testid="back-to-live" onClick={showLive}>
            {hasLive ? 'back to live run' : 'close'}
          </button>
        )}
      </div>
      {showHostError && error && (
        <div className="run-host-error" role="alert" data-testid="run-host-error">
          <span className="run-failure-code">{error.code}</span>
          <span className="run-failure-message">{error.message}</span>
          <button type="button" className="run-button run-button-quiet" onClick={dismissError} aria-label="dismiss">
            ×
          </button>
        </div>
      )}
      {view && <FailureBox view={view} {...(onShowNode ? { onShowNode } : {})} />}
      <div className="run-body">
        <CurvesPlot view={view} />
        {withSamples && <SamplesPlot view={view} />}
        {hasTraces(view) && <TracePlot view={view} />}
      </div>
    </section>
  );
}
