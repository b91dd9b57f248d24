// The app shell: toolbar, palette, canvas, inspector, the dock (live run, problems, past runs)
// and the status bar. It wires the editor store, the run store and the host together.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ReactFlowProvider, useReactFlow } from '@xyflow/react';
import type { HostApi, HostInfo, OpenedDocument } from '../../app/api/contract.ts';
import type { Diagnostic } from '../../app/diagnostics.ts';
import { hasErrors } from '../../app/diagnostics.ts';
import { commandForKey, createCommands, type CommandId } from './commands.ts';
import { Canvas } from './editor/Canvas.tsx';
import { inCodeEditor } from './editor/code/active-editor.ts';
import { CodePanel } from './editor/code/CodePanel.tsx';
import { createCodeStore, hasUnappliedEdits } from './editor/code/code-store.ts';
import { TrustBanner } from './editor/code/TrustBanner.tsx';
import { EditorContext, catalog, diagnosticsOf, useCode, useDiagnostics, useEditor, useEditorContext } from './editor/context.ts';
import type { EbmFlowNode } from './editor/EbmNode.tsx';
import { Inspector } from './editor/Inspector.tsx';
import { Palette } from './editor/Palette.tsx';
import { ProblemsList } from './editor/ProblemsList.tsx';
import { addNode } from './editor/graph-edits.ts';
import { createEditorStore, isDirty } from './editor/store.ts';
import { BackendStatus, RunPanel, RunProgress, RunStoreProvider, RunsList, selectIsRunning, selectLiveFailure, useRunStore, useRuns } from './runs/index.ts';
import { ExamplesDialog, ExportDialog, ExportedDialog, FileDialog, FileProblemsDialog, UnsavedDialog, type Exported, type ExportChoice, type UnsavedChoice } from './ui/dialogs.tsx';

type DockTab = 'run' | 'problems' | 'runs';

type Dialog =
  | { kind: 'unsaved'; name: string; resolve(choice: UnsavedChoice): void }
  | { kind: 'examples'; resolve(id: string | null): void }
  | { kind: 'file'; mode: 'open' | 'save'; suggestedName: string; resolve(path: string | null): void }
  | { kind: 'fileProblems'; opened: OpenedDocument }
  | { kind: 'export'; suggestedName: string; resolve(choice: ExportChoice | null): void }
  | { kind: 'exported'; exported: Exported }
  | { kind: 'help' };

export function App({ host }: { host: HostApi }) {
  const store = useMemo(() => createEditorStore(), []);
  const code = useMemo(() => createCodeStore({ editor: store, host, catalog }), [store, host]);
  const [info, setInfo] = useState<HostInfo | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    host.info({}).then(setInfo, (e: unknown) => setProblem(e instanceof Error ? e.message : String(e)));
  }, [host]);
  if (problem) return <div className="fatal">The host did not answer: {problem}</div>;
  if (!info) return <div className="loading">Connecting…</div>;
  return (
    <EditorContext.Provider value={{ store, code, host, catalog }}>
      <RunStoreProvider host={host}>
        <ReactFlowProvider>
          <Shell info={info} />
        </ReactFlowProvider>
      </RunStoreProvider>
    </EditorContext.Provider>
  );
}

function Shell({ info }: { info: HostInfo }) {
  const { store, code, host } = useEditorContext();
  const runStore = useRunStore();
  const flow = useReactFlow<EbmFlowNode>();
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [tab, setTab] = useState<DockTab>('run');
  const [minimap, setMinimap] = useState(true);
  const name = useEditor((s) => s.name);
  const path = useEditor((s) => s.path);
  const docDirty = useEditor(isDirty);
  const doc = useEditor((s) => s.doc);
  const unappliedCode = useCode((s) => hasUnappliedEdits(s, doc, catalog));
  // Code typed in the code panel and not applied counts as unsaved work (the host asks before closing).
  const dirty = docDirty || unappliedCode;
  const restriction = useCode((s) => s.restriction);
  const codeOpen = useCode((s) => s.open !== null);
  const canUndo = useEditor((s) => s.past.length > 0);
  const canRedo = useEditor((s) => s.future.length > 0);
  const notice = useEditor((s) => s.notice);
  const diagnostics = useDiagnostics();
  const running = useRuns(selectIsRunning);
  const failure = useRuns(selectLiveFailure);
  const runError = useRuns((s) => s.error);
  const flowRef = useRef(flow);
  flowRef.current = flow;

  const commands = useMemo(
    () =>
      createCommands({
        host,
        info,
        store,
        code,
        flow: () => flowRef.current,
        askUnsaved: (n) => new Promise((resolve) => setDialog({ kind: 'unsaved', name: n, resolve })),
        choosePath: (mode, suggestedName) => new Promise((resolve) => setDialog({ kind: 'file', mode, suggestedName, resolve })),
        showExamples: () => new Promise((resolve) => setDialog({ kind: 'examples', resolve })),
        chooseExport: (suggestedName) => new Promise((resolve) => setDialog({ kind: 'export', suggestedName, resolve })),
        showExported: (exported) => setDialog({ kind: 'exported', exported }),
        showFileProblems: (opened) => setDialog({ kind: 'fileProblems', opened }),
        toggleMinimap: () => setMinimap((m) => !m),
        startRun: async (doc) => {
          if (hasErrors(diagnosticsOf(doc))) {
            setTab('problems');
            store.getState().notify('error', 'The graph has errors; the Problems tab lists them. Fix them to run.');
            return null;
          }
          setTab('run');
          const runId = await runStore.getState().start(doc);
          return runId === null ? runStore.getState().error : null;
        },
        stopRun: () => runStore.getState().stop(),
        showHelp: () => setDialog({ kind: 'help' }),
        showProblems: () => setTab('problems'),
      }),
    [host, info, store, code, runStore],
  );
  const run = useCallback((command: CommandId) => void commands.run({ command } as never), [commands]);
  const openDropped = useCallback((file: File) => void commands.openDropped(file), [commands]);
  const openCode = useCallback((nodeId: string) => code.getState().openCode(nodeId), [code]);

  // The title, here and in the host (Electron's window title and its close prompt).
  useEffect(() => {
    document.title = `${dirty ? '• ' : ''}${name} — EBM Studio`;
    void host.setDocumentState({ name, dirty }).catch(() => undefined);
  }, [host, name, dirty]);

  // Leaving the page with unsaved changes asks first (the browser's own prompt).
  useEffect(() => {
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      if (isDirty(store.getState()) || hasUnappliedEdits(code.getState(), store.getState().doc, catalog)) e.preventDefault();
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, [store, code]);

  // Keyboard shortcuts; text fields keep their own keys, and an open dialog keeps them all.
  const dialogOpen = useRef(false);
  dialogOpen.current = dialog !== null;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const command = commandForKey(e);
      if (!command) return;
      const t = e.target;
      // Monaco types into its own elements (an EditContext, not a text area): it is a field too.
      const inField = t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement || (t instanceof HTMLElement && t.isContentEditable) || inCodeEditor(t);
      const editKeys: CommandId[] = ['undo', 'redo', 'cut', 'copy', 'paste', 'selectAll', 'delete', 'duplicate'];
      if (inField && editKeys.includes(command)) return;
      if (dialogOpen.current) return;
      e.preventDefault();
      run(command);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [run]);

  // Menu commands from the host (Electron).
  useEffect(() => host.onPush((push) => push.kind === 'command' && void commands.run(push.command)), [host, commands]);

  // A file named on the command line opens at start.
  useEffect(() => {
    if (info.initialFile) void commands.run({ command: 'openPath', path: info.initialFile });
  }, [info, commands]);

  // A run that fails brings the dock to its plots, where the failure box says why.
  useEffect(() => {
    if (failure) setTab('run');
  }, [failure]);
  useEffect(() => {
    if (runError) store.getState().notify('error', runError.message);
  }, [runError, store]);

  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const runFailure: Diagnostic | null = failure ? { severity: 'error', ...failure } : null;

  const addAtCentre = (defType: string) => {
    const def = catalog.get(defType);
    if (!def) return;
    const box = document.querySelector('.canvas')?.getBoundingClientRect();
    const centre = flow.screenToFlowPosition({ x: (box?.left ?? 0) + (box?.width ?? 800) / 2, y: (box?.top ?? 0) + (box?.height ?? 600) / 2 });
    const n = store.getState().doc.nodes.length;
    const { doc, id } = addNode(store.getState().doc, def, { x: centre.x - 100 + (n % 5) * 20, y: centre.y - 50 + (n % 5) * 20 });
    store.getState().commit(doc, { nodes: [id] });
  };

  return (
    <div className="app">
      <header className="toolbar" role="toolbar" aria-label="Main toolbar">
        <span className="toolbar__brand">EBM Studio</span>
        <div className="toolbar__group">
          <ToolButton label="New" shortcut="Ctrl+N" onClick={() => run('new')} />
          <ToolButton label="Open…" shortcut="Ctrl+O" onClick={() => run('open')} testId="open" />
          <ToolButton label="Save" shortcut="Ctrl+S" onClick={() => run('save')} testId="save" />
          <ToolButton label="Save As…" shortcut="Ctrl+Shift+S" onClick={() => run('saveAs')} testId="save-as" />
          <ToolButton label="Export…" shortcut="Ctrl+E" onClick={() => run('export')} testId="export" />
          <ToolButton label="Examples" onClick={() => run('examples')} testId="examples" />
        </div>
        <div className="toolbar__group">
          <ToolButton label="Undo" shortcut="Ctrl+Z" onClick={() => run('undo')} disabled={!canUndo} testId="undo" />
          <ToolButton label="Redo" shortcut="Ctrl+Shift+Z" onClick={() => run('redo')} disabled={!canRedo} testId="redo" />
          <ToolButton label="Layout" shortcut="Ctrl+Shift+L" onClick={() => run('autoLayout')} testId="layout" />
          <ToolButton label="Fit" onClick={() => run('fitView')} testId="fit" />
        </div>
        <div className="toolbar__group toolbar__run">
          {running ? (
            <button type="button" className="toolbar__stop" onClick={() => run('runStop')} title="Stop the run (Shift+F5)" data-testid="stop">
              ■ Stop
            </button>
          ) : (
            <button
              type="button"
              className="toolbar__start"
              onClick={() => run('runStart')}
              title={restriction ? 'The graph’s custom code runs once you trust it (the banner above)' : errors > 0 ? 'The graph has errors: the Problems tab lists them' : 'Train the graph (F5)'}
              data-testid="run"
              disabled={errors > 0 || restriction !== null}
            >
              ▶ Run
            </button>
          )}
          <RunProgress />
        </div>
      </header>

      <div className="app__banner">
        <TrustBanner />
      </div>

      <main className={`workspace${codeOpen ? ' workspace--code' : ''}`}>
        <Palette onAdd={(def) => addAtCentre(def.type)} />
        <Canvas showMinimap={minimap} runFailure={runFailure} onDropFile={openDropped} onOpenCode={openCode} />
        <CodePanel />
        <Inspector />
      </main>

      <section className="dock" aria-label="Runs and problems">
        <div className="dock__tabs" role="tablist">
          <DockTabButton id="run" current={tab} onSelect={setTab} label={running ? 'Run ●' : 'Run'} />
          <DockTabButton id="problems" current={tab} onSelect={setTab} label={`Problems${diagnostics.length ? ` (${diagnostics.length})` : ''}`} tone={errors ? 'error' : warnings ? 'warning' : undefined} />
          <DockTabButton id="runs" current={tab} onSelect={setTab} label="Past runs" />
        </div>
        <div className="dock__body">
          {tab === 'run' && (
            <RunPanel
              showHostError={false}
              onShowNode={(id) => {
                store.getState().select([id]);
                void flow.fitView({ nodes: [{ id }], duration: 300, maxZoom: 1.2, padding: 0.6 });
              }}
            />
          )}
          {tab === 'problems' && <ProblemsList />}
          {tab === 'runs' && <RunsList onOpen={() => setTab('run')} />}
        </div>
      </section>

      <footer className="statusbar" data-testid="statusbar">
        <span className="statusbar__file" title={path ?? 'not saved yet'} data-testid="file-state">
          {name}
          {dirty ? ' — unsaved' : path ? ' — saved' : ''}
        </span>
        <span className={errors ? 'statusbar__errors' : ''}>
          {errors} errors, {warnings} warnings
        </span>
        <BackendStatus />
        <span className="statusbar__host">{info.host === 'web' ? `web host · ${info.workspace}` : 'desktop'}</span>
      </footer>

      {notice && <Toast key={notice.serial} kind={notice.kind} text={notice.text} onDone={() => store.getState().dismissNotice()} />}
      {dialog?.kind === 'unsaved' && (
        <UnsavedDialog
          name={dialog.name}
          onChoose={(c) => {
            setDialog(null);
            dialog.resolve(c);
          }}
        />
      )}
      {dialog?.kind === 'examples' && (
        <ExamplesDialog
          host={host}
          onOpen={(id) => {
            setDialog(null);
            dialog.resolve(id);
          }}
          onClose={() => {
            setDialog(null);
            dialog.resolve(null);
          }}
        />
      )}
      {dialog?.kind === 'file' && (
        <FileDialog
          host={host}
          mode={dialog.mode}
          suggestedName={dialog.suggestedName}
          onChoose={(p) => {
            setDialog(null);
            dialog.resolve(p);
          }}
          onClose={() => {
            setDialog(null);
            dialog.resolve(null);
          }}
        />
      )}
      {dialog?.kind === 'fileProblems' && <FileProblemsDialog name={dialog.opened.name} diagnostics={dialog.opened.diagnostics} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'export' && (
        <ExportDialog
          needsFolder={!info.nativeDialogs}
          suggestedName={dialog.suggestedName}
          onChoose={(c) => {
            setDialog(null);
            dialog.resolve(c);
          }}
          onClose={() => {
            setDialog(null);
            dialog.resolve(null);
          }}
        />
      )}
      {dialog?.kind === 'exported' && <ExportedDialog exported={dialog.exported} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'help' && <HelpDialog onClose={() => setDialog(null)} />}
    </div>
  );
}

function ToolButton(props: { label: string; shortcut?: string; onClick(): void; disabled?: boolean; testId?: string }) {
  return (
    <button type="button" onClick={props.onClick} disabled={props.disabled} title={props.shortcut ? `${props.label} (${props.shortcut})` : props.label} data-testid={props.testId}>
      {props.label}
    </button>
  );
}

function DockTabButton(props: { id: DockTab; current: DockTab; label: string; tone?: 'error' | 'warning'; onSelect(id: DockTab): void }) {
  return (
    <button
      type="button"
      role="tab"
      aria-selected={props.current === props.id}
      className={`dock__tab${props.current === props.id ? ' dock__tab--current' : ''}${props.tone ? ` dock__tab--${props.tone}` : ''}`}
      onClick={() => props.onSelect(props.id)}
      data-testid={`tab-${props.id}`}
    >
      {props.label}
    </button>
  );
}

function Toast({ kind, text, onDone }: { kind: 'error' | 'info'; text: string; onDone(): void }) {
  useEffect(() => {
    const t = setTimeout(onDone, kind === 'error' ? 8000 : 3000);
    return () => clearTimeout(t);
  }, [kind, onDone]);
  return (
    <div className={`toast toast--${kind}`} role={kind === 'error' ? 'alert' : 'status'} data-testid="notice" onClick={onDone}>
      {text}
    </div>
  );
}

function HelpDialog({ onClose }: { onClose(): void }) {
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal modal--wide" role="dialog" aria-label="Help">
        <h2 className="modal__title">EBM Studio</h2>
        <p>Build an experiment by wiring nodes: data → energy → sampler → objective → optimizer → trainer, and monitors on the trainer. Wires only join ports of the same colour.</p>
        <ul className="help__keys">
          <li>Add a node: drag it from the palette, click it there, or double-click the canvas. Drop a wire on empty canvas to add a node that fits it.</li>
          <li>Select several: Shift-drag a box, or Ctrl/Cmd-click. Delete, Ctrl+X / C / V, Ctrl+D duplicates, Ctrl+A selects all.</li>
          <li>Undo Ctrl+Z, redo Ctrl+Shift+Z. Run F5 (or Ctrl+Enter), stop Shift+F5. Auto-layout Ctrl+Shift+L.</li>
          <li>A Custom energy’s code: double-click the node, or Edit code in the inspector. In the code, Ctrl+S (or Ctrl+Enter) applies it and checks it on a small batch.</li>
          <li>The same graph runs from a terminal: <code>npx ebm-studio run my-graph.ebm.json</code>.</li>
        </ul>
        <div className="modal__buttons">
          <button type="button" className="primary" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}
