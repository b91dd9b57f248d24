// The runs store: one per host (window). It starts and stops this window's run, follows its
// events from the host's pushes, lists past runs and reopens one. Pushes arrive at up to tens a
// second: they are queued and applied in one batch per animation frame, so React renders at most
// once a frame however fast the run logs.
//
// The React parts (provider, hooks) use createElement rather than JSX so that this file stays a
// plain .ts module the node tests can import.
import { createContext, createElement, useContext, useEffect, useState, type ReactNode } from 'react';
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { HostApi, HostArgs, HostErrorInfo, HostPush, RunRecord } from '../../../app/api/contract.ts';
import type { GraphDocument } from '../../../app/graph/document.ts';
import type { RunEvent } from '../../../app/runtime/events.ts';
import { applyRunEvents, isActive, startingView, viewFromRunData, type RunFailure, type RunView } from './run-view.ts';

/** What the plots display: the live run of this window, or a past run reopened from its folder. */
export type Shown = { readonly kind: 'live' } | { readonly kind: 'past'; readonly view: RunView };

export type StartOptions = Omit<HostArgs<'run'>, 'document'>;

export interface RunStoreState {
  /** The run this window started last (running or ended), or null before any. */
  readonly live: RunView | null;
  readonly shown: Shown;
  /** Past and live runs as the host lists them, newest first. */
  readonly runs: readonly RunRecord[];
  /** The last host error to show (e.g. GRAPH_INVALID when starting), until dismissed or the next action. */
  readonly error: HostErrorInfo | null;
  /** The run being reopened, while openRun waits for the host. */
  readonly opening: string | null;
  /** Stop was asked for the live run and it has not ended yet. */
  readonly stopping: boolean;

  /** Starts a run of the document. Refuses (error RUN_ACTIVE) while this window's run goes on. Resolves to the run id, or null when it did not start. */
  start(document: GraphDocument, options?: StartOptions): Promise<string | null>;
  /** Asks the host to stop the live run; its `finished` event (state cancelled) follows. */
  stop(): Promise<void>;
  refreshRuns(): Promise<void>;
  /** Shows a run's plots: the live one, or a past one reopened through the host. */
  openRun(runId: string): Promise<void>;
  showLive(): void;
  dismissError(): void;
}

export interface RunStore extends StoreApi<RunStoreState> {
  /** Follows the host's pushes and lists the runs; returns the disconnect. Reference-counted: connecting twice subscribes once. */
  connect(): () => void;
  /** Applies queued events now rather than at the next frame. */
  flush(): void;
}

/** Calls `run` once, after `delayMs` and then at the next animation frame where there is one. */
export type Scheduler = (run: () => void, delayMs: number) => void;

export interface RunStoreOptions {
  /** How queued events wait for their batch; by default a timer for the delay, then the next animation frame (or 250 ms, as rAF stops in a hidden tab). */
  readonly schedule?: Scheduler;
  /**
   * The least time between two batches (ms), 100 by default: ten updates a second is as live as
   * a progress bar and curves need to look, and keeps React's work and the repaints it causes
   * small however fast a run logs. The batch that ends a run is not held back.
   */
  readonly minInterval?: number;
}

/** Events kept for runs this window has asked for and whose id it does not know yet. */
const MAX_BUFFERED = 10_000;

export const RUN_ACTIVE = 'RUN_ACTIVE';

function frameScheduler(run: () => void, delayMs: number): void {
  if (delayMs > 0) {
    setTimeout(() => frameScheduler(run, 0), delayMs);
    return;
  }
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    run();
  };
  const raf = (globalThis as { requestAnimationFrame?: (cb: () => void) => number }).requestAnimationFrame;
  const timer = setTimeout(once, raf ? 250 : 16);
  if (raf) raf(once);
}

/** The code and message of whatever a host call threw. */
export function hostErrorOf(e: unknown): HostErrorInfo {
  if (typeof e === 'object' && e !== null) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof message === 'string') return { code: typeof code === 'string' ? code : 'HOST_ERROR', message };
  }
  return { code: 'HOST_ERROR', message: String(e) };
}

function newestFirst(runs: readonly RunRecord[]): RunRecord[] {
  return [...runs].sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
}

export function createRunStore(host: HostApi, options: RunStoreOptions = {}): RunStore {
  const schedule = options.schedule ?? frameScheduler;
  const minInterval = options.minInterval ?? 100;
  let lastFlush = -Infinity;
  /** Events of the live run waiting for the next batch. */
  let queue: RunEvent[] = [];
  let scheduled = false;
  /** Set between host.run being called and answering: pushes of unknown runs are kept until then. */
  let awaitingId = false;
  const buffered = new Map<string, RunEvent[]>();
  let stopWhenKnown = false;
  let listCall = 0;
  let openCall = 0;
  let connections = 0;
  let unsubscribe: (() => void) | null = null;

  const store = createStore<RunStoreState>()((set, get) => ({
    live: null,
    shown: { kind: 'live' },
    runs: [],
    error: null,
    opening: null,
    stopping: false,

    async start(document, startOptions = {}) {
      const { live } = get();
      if (awaitingId || isActive(live)) {
        set({ error: { code: RUN_ACTIVE, message: 'A run is already going in this window: stop it before starting another.' } });
        return null;
      }
      awaitingId = true;
      buffered.clear();
      queue = [];
      stopWhenKnown = false;
      set({ live: startingView(document.metadata.title), shown: { kind: 'live' }, error: null, stopping: false });
      let result: { runId: string; folder: string };
      try {
        result = await host.run({ ...startOptions, document });
      } catch (e) {
        awaitingId = false;
        buffered.clear();
        set({ live, error: hostErrorOf(e) });
        return null;
      }
      awaitingId = false;
      const early = buffered.get(result.runId) ?? [];
      buffered.clear();
      const current = get().live;
      set({ live: current ? { ...current, runId: result.runId, folder: result.folder, version: current.version + 1 } : current });
      for (const event of early) enqueue(event);
      if (stopWhenKnown) {
        stopWhenKnown = false;
        void cancel(result.runId);
      }
      void get().refreshRuns();
      return result.runId;
    },

    async stop() {
      const { live } = get();
      if (!isActive(live) || !live) return;
      set({ stopping: true });
      if (live.runId === null) {
        stopWhenKnown = true;
        return;
      }
      await cancel(live.runId);
    },

    async refreshRuns() {
      const call = ++listCall;
      try {
        const runs = await host.listRuns({});
        if (call === listCall) set({ runs: newestFirst(runs) });
      } catch (e) {
        if (call === listCall) set({ error: hostErrorOf(e) });
      }
    },

    async openRun(runId) {
      const call = ++openCall;
      if (get().live?.runId === runId) {
        set({ shown: { kind: 'live' }, opening: null });
        return;
      }
      set({ opening: runId, error: null });
      try {
        const data = await host.openRun({ runId });
        if (call === openCall) set({ shown: { kind: 'past', view: viewFromRunData(data) }, opening: null });
      } catch (e) {
        if (call === openCall) set({ opening: null, error: hostErrorOf(e) });
      }
    },

    showLive() {
      openCall++;
      set({ shown: { kind: 'live' }, opening: null });
    },

    dismissError() {
      set({ error: null });
    },
  }));

  async function cancel(runId: string): Promise<void> {
    try {
      await host.cancel({ runId });
    } catch (e) {
      store.setState({ error: hostErrorOf(e), stopping: false });
    }
  }

  function enqueue(event: RunEvent): void {
    queue.push(event);
    const ends = event.type === 'finished' || event.type === 'failed';
    if (scheduled && !ends) return;
    scheduled = true;
    schedule(flush, ends ? 0 : Math.max(0, lastFlush + minInterval - performance.now()));
  }

  function flush(): void {
    scheduled = false;
    if (queue.length === 0) return;
    lastFlush = performance.now();
    const events = queue;
    queue = [];
    const { live } = store.getState();
    if (!live) return;
    const next = applyRunEvents(live, events);
    const ended = isActive(live) && !isActive(next);
    store.setState(ended ? { live: next, stopping: false } : { live: next });
    if (ended) void store.getState().refreshRuns();
  }

  function onPush(push: HostPush): void {
    if (push.kind !== 'runEvent') return;
    const liveId = store.getState().live?.runId ?? null;
    if (liveId !== null && push.runId === liveId) {
      enqueue(push.event);
    } else if (awaitingId) {
      const events = buffered.get(push.runId) ?? [];
      if (events.length < MAX_BUFFERED) events.push(push.event);
      buffered.set(push.runId, events);
    }
  }

  function connect(): () => void {
    connections++;
    if (connections === 1) {
      unsubscribe = host.onPush(onPush);
      void store.getState().refreshRuns();
    }
    let connected = true;
    return () => {
      if (!connected) return;
      connected = false;
      connections--;
      if (connections === 0) {
        unsubscribe?.();
        unsubscribe = null;
      }
    };
  }

  return { ...store, connect, flush };
}

// ---------------------------------------------------------------- selectors

/** The view the plots display (null before any run, and while nothing is reopened). */
export const selectShownView = (s: RunStoreState): RunView | null => (s.shown.kind === 'live' ? s.live : s.shown.view);
/** The failure of the live run: the editor marks `failure.nodeId`. */
export const selectLiveFailure = (s: RunStoreState): RunFailure | null => s.live?.failure ?? null;
/** This window's run is starting or running (Run disabled, Stop enabled). */
export const selectIsRunning = (s: RunStoreState): boolean => isActive(s.live);
export const selectLive = (s: RunStoreState): RunView | null => s.live;

// ---------------------------------------------------------------- React

const RunStoreContext = createContext<RunStore | null>(null);

export type RunStoreProviderProps = { readonly children?: ReactNode } & ({ readonly host: HostApi; readonly store?: undefined } | { readonly store: RunStore; readonly host?: undefined });

/** Gives the components below a runs store: the one passed, or one made for `host`. Connects it while mounted. */
export function RunStoreProvider(props: RunStoreProviderProps): ReactNode {
  const [own] = useState<RunStore | null>(() => (props.store ? null : createRunStore(props.host as HostApi)));
  const store = props.store ?? own;
  useEffect(() => store?.connect(), [store]);
  return createElement(RunStoreContext.Provider, { value: store }, props.children);
}

/** The runs store of the nearest RunStoreProvider, for imperative calls (getState().start(doc)). */
export function useRunStore(): RunStore {
  const store = useContext(RunStoreContext);
  if (!store) throw new Error('useRunStore: no RunStoreProvider above this component');
  return store;
}

/** A slice of the runs state; re-renders when it changes (selectors must return stable values). */
export function useRuns<T>(selector: (state: RunStoreState) => T): T {
  return useStore(useRunStore(), selector);
}
