// The live-run part of the renderer: the runs store, and the components the shell mounts.
export {
  RUN_ACTIVE,
  RunStoreProvider,
  createRunStore,
  hostErrorOf,
  selectIsRunning,
  selectLive,
  selectLiveFailure,
  selectShownView,
  useRunStore,
  useRuns,
  type RunStore,
  type RunStoreOptions,
  type RunStoreProviderProps,
  type RunStoreState,
  type Scheduler,
  type Shown,
  type StartOptions,
} from './store.ts';
export {
  applyRunEvent,
  applyRunEvents,
  isActive,
  lastValue,
  metricColumn,
  metricSteps,
  viewFromRunData,
  type MetricsTable,
  type RunFailure,
  type RunView,
  type RunViewState,
} from './run-view.ts';
export { RunProgress, type RunProgressProps } from './RunProgress.tsx';
export { CurvesPlot, type CurvesPlotProps } from './CurvesPlot.tsx';
export { SamplesPlot, type SamplesPlotProps } from './SamplesPlot.tsx';
export { TracePlot, type TracePlotProps } from './TracePlot.tsx';
export { RunPanel, type RunPanelProps } from './RunPanel.tsx';
export { RunsList, type RunsListProps } from './RunsList.tsx';
export { BackendStatus, type BackendStatusProps } from './BackendStatus.tsx';
