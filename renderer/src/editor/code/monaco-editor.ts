// The code editor proper: Monaco, self-hosted from node_modules (never a CDN), with TypeScript for
// custom energy code. CodePanel imports this module dynamically, so the app's first paint does
// not pay for it. Its workers are Vite `?worker` bundles served from the app's own origin (the
// content security policy's worker-src 'self'), and its TypeScript knows tf, the tensor types and
// the node's Params (declarations.ts) from tfjs-core's own declarations (tfjs-types.ts).
import * as monaco from 'monaco-editor/editor';
// The editor features the panel uses, rather than all of them.
import 'monaco-editor/features/codicon/register';
import 'monaco-editor/features/suggest/register';
// The suggestion widget itself: monaco-editor's full entry point imports it apart from the features.
import 'monaco-editor/editor/contrib/suggest/browser/suggestController';
import 'monaco-editor/features/snippet/register';
import 'monaco-editor/features/hover/register';
import 'monaco-editor/features/parameterHints/register';
import 'monaco-editor/features/codeAction/register';
import 'monaco-editor/features/gotoError/register';
import 'monaco-editor/features/find/register';
import 'monaco-editor/features/folding/register';
import 'monaco-editor/features/bracketMatching/register';
import 'monaco-editor/features/comment/register';
import 'monaco-editor/features/contextmenu/register';
import 'monaco-editor/features/clipboard/register';
import 'monaco-editor/features/indentation/register';
import 'monaco-editor/features/linesOperations/register';
import 'monaco-editor/features/multicursor/register';
import 'monaco-editor/features/wordHighlighter/register';
import 'monaco-editor/features/wordOperations/register';
import 'monaco-editor/features/cursorUndo/register';
import 'monaco-editor/features/smartSelect/register';
import 'monaco-editor/features/inlayHints/register';
import 'monaco-editor/features/gotoSymbol/register';
import 'monaco-editor/languages/definitions/typescript/register';
import { ModuleKind, ModuleResolutionKind, ScriptTarget, typescriptDefaults } from 'monaco-editor/languages/features/typescript/register';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import TypeScriptWorker from 'monaco-editor/languages/features/typescript/ts.worker?worker';
import tfjsTypes from 'virtual:tfjs-core-types';
import { CODE_FILE, GLOBALS_FILE, PARAMS_FILE, globalsDeclaration, paramsDeclaration, type CheckedParam } from './declarations.ts';
import { CHECK_MARKER_OWNER, type CodeMarker } from './markers.ts';
import { TFJS_TYPES_DIR } from './tfjs-types.ts';

/** A mark in the code, from TypeScript (as you type) or from the last check. */
export interface ShownMarker {
  source: 'typescript' | 'check';
  severity: 'error' | 'warning' | 'info';
  message: string;
  code: string;
  line: number;
  column: number;
}

export interface CodeEditorOptions {
  text: string;
  onChange(text: string): void;
  /** Ctrl/Cmd+S or Ctrl/Cmd+Enter in the editor. */
  onApply(): void;
  /** Every mark of the code, whenever they change. */
  onMarkers(markers: ShownMarker[]): void;
}

export interface CodeEditorHandle {
  /** Replaces the text as one edit the editor's undo can take back. */
  setText(text: string): void;
  setCheckMarkers(markers: readonly CodeMarker[]): void;
  /** The shapes the last check found: Params' property types follow them. */
  setCheckedParams(params: readonly CheckedParam[]): void;
  reveal(line: number, column: number): void;
  focus(): void;
  hasTextFocus(): boolean;
  /** Runs one of the editor's own actions (undo, redo, selectAll…) from the app's menus. */
  trigger(action: string): void;
  dispose(): void;
}

const uri = (file: string) => monaco.Uri.parse(`file:///${file}`);
const MODEL_URI = uri(CODE_FILE);

let configured = false;

function configure(): void {
  if (configured) return;
  configured = true;
  (self as unknown as { MonacoEnvironment: monaco.Environment }).MonacoEnvironment = {
    getWorker: (_workerId: string, label: string) => (label === 'typescript' || label === 'javascript' ? new TypeScriptWorker() : new EditorWorker()),
  };
  typescriptDefaults.setCompilerOptions({
    target: ScriptTarget.ES2020,
    // JavaScript's own library and nothing else: custom code has no DOM, no Node, no timers.
    lib: ['es2022'],
    module: ModuleKind.ESNext,
    moduleResolution: ModuleResolutionKind.NodeJs,
    strict: true,
    // Unannotated parameters are fine in a sketch; their use is still checked where types are known.
    noImplicitAny: false,
    allowNonTsExtensions: true,
    noEmit: true,
    types: [],
  });
  // The globals refer to the code's own module (Params from its params), so the worker needs it
  // even when asked about another file.
  typescriptDefaults.setEagerModelSync(true);
  typescriptDefaults.setExtraLibs([
    ...Object.entries(tfjsTypes).map(([path, content]) => ({ content, filePath: uri(`${TFJS_TYPES_DIR}/${path}`).toString() })),
    { content: globalsDeclaration(), filePath: uri(GLOBALS_FILE).toString() },
  ]);
  setCheckedParams([]);
}

/** Params' shapes as the last check found them (the file is replaced each time). */
function setCheckedParams(params: readonly CheckedParam[]): void {
  typescriptDefaults.addExtraLib(paramsDeclaration(params), uri(PARAMS_FILE).toString());
}

const SEVERITY: Record<CodeMarker['severity'], monaco.MarkerSeverity> = { error: monaco.MarkerSeverity.Error, warning: monaco.MarkerSeverity.Warning };

function shown(m: monaco.editor.IMarker): ShownMarker {
  const severity = m.severity === monaco.MarkerSeverity.Error ? 'error' : m.severity === monaco.MarkerSeverity.Warning ? 'warning' : 'info';
  const code = typeof m.code === 'string' ? m.code : (m.code?.value ?? '');
  return { source: m.owner === CHECK_MARKER_OWNER ? 'check' : 'typescript', severity, message: m.message, code, line: m.startLineNumber, column: m.startColumn };
}

/** Opens the editor in `container` on the code; one at a time (the code has one file name). */
export function createCodeEditor(container: HTMLElement, options: CodeEditorOptions): CodeEditorHandle {
  configure();
  monaco.editor.getModel(MODEL_URI)?.dispose();
  const model = monaco.editor.createModel(options.text, 'typescript', MODEL_URI);
  model.updateOptions({ tabSize: 2, insertSpaces: true });
  const editor = monaco.editor.create(container, {
    model,
    theme: 'vs',
    automaticLayout: true,
    fontFamily: "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace",
    fontSize: 13,
    minimap: { enabled: false },
    // Room below the last line: the cursor there is never under the horizontal scroll bar.
    scrollBeyondLastLine: true,
    cursorSurroundingLines: 2,
    // Suggestions and hovers may reach past the panel's edges.
    fixedOverflowWidgets: true,
    renderLineHighlight: 'line',
    tabSize: 2,
    wordWrap: 'off',
    ariaLabel: 'Custom energy code',
  });
  editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS, () => options.onApply());
  editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => options.onApply());

  let applying = false;
  const changes = model.onDidChangeContent(() => {
    if (!applying) options.onChange(model.getValue());
  });
  // Hints (an unused name, shown faded) are not problems.
  const report = () => options.onMarkers(monaco.editor.getModelMarkers({ resource: MODEL_URI }).filter((m) => m.severity !== monaco.MarkerSeverity.Hint).map(shown));
  const markers = monaco.editor.onDidChangeMarkers((uris) => {
    if (uris.some((u) => u.toString() === MODEL_URI.toString())) report();
  });
  report();

  return {
    setText(text) {
      if (text === model.getValue()) return;
      applying = true;
      try {
        editor.pushUndoStop();
        model.pushEditOperations([], [{ range: model.getFullModelRange(), text }], () => null);
        editor.pushUndoStop();
      } finally {
        applying = false;
      }
    },
    setCheckMarkers(list) {
      monaco.editor.setModelMarkers(
        model,
        CHECK_MARKER_OWNER,
        list.map((m) => ({ ...m, severity: SEVERITY[m.severity], source: 'check' })),
      );
    },
    setCheckedParams,
    reveal(line, column) {
      editor.revealPositionInCenterIfOutsideViewport({ lineNumber: line, column });
      editor.setPosition({ lineNumber: line, column });
      editor.focus();
    },
    focus() {
      editor.focus();
    },
    hasTextFocus() {
      return editor.hasTextFocus();
    },
    trigger(action) {
      editor.trigger('menu', action, null);
    },
    dispose() {
      changes.dispose();
      markers.dispose();
      editor.dispose();
      model.dispose();
    },
  };
}
