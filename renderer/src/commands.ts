// The app's commands, one implementation each, shared by the toolbar, the keyboard and the
// host's menus (Electron sends MenuCommands). File commands ask before dropping unsaved changes.
import type { ReactFlowInstance } from '@xyflow/react';
import type { HostApi, HostErrorInfo, HostInfo, MenuCommand, OpenedDocument } from '../../app/api/contract.ts';
import { hasErrors } from '../../app/diagnostics.ts';
import type { GraphDocument } from '../../app/graph/document.ts';
import { focusedCodeEditor, inCodeEditor } from './editor/code/active-editor.ts';
import type { CodeStore } from './editor/code/code-store.ts';
import type { EbmFlowNode } from './editor/EbmNode.tsx';
import { readDroppedFile } from './editor/file-drop.ts';
import type { Exported, ExportChoice } from './ui/dialogs.tsx';
import { copySelection, paste, removeElements, type Clipboard, type XY } from './editor/graph-edits.ts';
import { layoutPositions } from './editor/layout.ts';
import { moveNodes } from './editor/graph-edits.ts';
import { isDirty, type EditorStore } from './editor/store.ts';
import type { UnsavedChoice } from './ui/dialogs.tsx';
import type { CommandId } from './keys.ts';

// The keyboard mapping is pure and lives apart, so node tests import it without the DOM.
export { commandForKey, type CommandId } from './keys.ts';

/** What the commands need from the UI around them: dialogs, the canvas and the runs. */
export interface CommandEnv {
  host: HostApi;
  info: HostInfo;
  store: EditorStore;
  /** Custom code: the code panel and the document's trust. */
  code: CodeStore;
  flow(): ReactFlowInstance<EbmFlowNode>;
  askUnsaved(name: string): Promise<UnsavedChoice>;
  /** The app's file browser, for hosts without native dialogs; null when cancelled. */
  choosePath(mode: 'open' | 'save', suggestedName: string): Promise<string | null>;
  showExamples(): Promise<string | null>;
  /** What to export and (hosts without native dialogs) into which folder; null when cancelled. */
  chooseExport(suggestedName: string): Promise<ExportChoice | null>;
  /** What an export wrote, how to run it, and its notes. */
  showExported(exported: Exported): void;
  showFileProblems(opened: OpenedDocument): void;
  toggleMinimap(): void;
  /** Starts a run; the host's error when it did not start. */
  startRun(doc: GraphDocument): Promise<HostErrorInfo | null>;
  stopRun(): Promise<void>;
  showHelp(): void;
  showProblems(): void;
}

let clipboard: Clipboard | null = null;
let pasteCount = 0;

export function createCommands(env: CommandEnv) {
  const { host, store, code } = env;
  const state = () => store.getState();
  const report = (e: unknown) => state().notify('error', e instanceof Error ? e.message : String(e));

  /** True when it is fine to replace the document (saved, or the user chose). */
  async function guardUnsaved(): Promise<boolean> {
    // Code typed in the code panel and not applied goes into the document first, so that the
    // unsaved-changes question covers it.
    void code.getState().flushDraft();
    if (!isDirty(state())) return true;
    const choice = await env.askUnsaved(state().name);
    if (choice === 'cancel') return false;
    if (choice === 'discard') return true;
    return save();
  }

  function take(opened: OpenedDocument | null): void {
    if (!opened) return;
    if (!opened.document) {
      env.showFileProblems(opened);
      return;
    }
    // A file with errors was salvaged: what was read differs from the file, so it counts as unsaved.
    state().load(opened.document, { path: opened.path, name: opened.name, diagnostics: opened.diagnostics, saved: !hasErrors(opened.diagnostics) });
    // Custom code written on another machine opens restricted: the host says which.
    void code.getState().documentLoaded();
    if (opened.diagnostics.length) env.showProblems();
    requestAnimationFrame(() => void env.flow().fitView({ padding: 0.2, maxZoom: 1.2 }));
  }

  async function openPath(path: string): Promise<void> {
    if (!(await guardUnsaved())) return;
    take(await host.open({ path }));
  }

  /** A file dropped on the canvas. One that holds no graph shows why and changes nothing, without asking about unsaved changes first. */
  async function openDropped(file: File): Promise<void> {
    try {
      const opened = await readDroppedFile(file);
      if (opened.document && !(await guardUnsaved())) return;
      take(opened);
    } catch (e) {
      report(e);
    }
  }

  async function open(): Promise<void> {
    if (!(await guardUnsaved())) return;
    if (env.info.nativeDialogs) take(await host.open({}));
    else {
      const path = await env.choosePath('open', '');
      if (path) take(await host.open({ path }));
    }
  }

  async function save(): Promise<boolean> {
    void code.getState().flushDraft();
    const { path, doc } = state();
    if (!path) return saveAs();
    const saved = await host.save({ path, document: doc });
    state().markSaved(saved.path, saved.name);
    state().notify('info', `Saved ${saved.path}`);
    return true;
  }

  async function saveAs(): Promise<boolean> {
    void code.getState().flushDraft();
    const { doc, name } = state();
    const suggestedName = name.endsWith('.ebm.json') ? name : `${slug(doc.metadata.title)}.ebm.json`;
    let saved;
    if (env.info.nativeDialogs) saved = await host.saveAs({ document: doc, suggestedName });
    else {
      const path = await env.choosePath('save', suggestedName);
      saved = path ? await host.saveAs({ document: doc, path }) : null;
    }
    if (!saved) return false;
    state().markSaved(saved.path, saved.name);
    state().notify('info', `Saved ${saved.path}`);
    return true;
  }

  /** File > Export: a project that reproduces the experiment without the app (host-written). */
  async function exportProject(): Promise<void> {
    await code.getState().flushDraft();
    const { doc } = state();
    const choice = await env.chooseExport(slug(doc.metadata.title));
    if (!choice) return;
    const exported = await host.exportProject({ document: doc, target: choice.target, ...(choice.folder ? { folder: choice.folder } : {}) });
    if (exported) env.showExported({ target: choice.target, ...exported });
  }

  function selectedSet(): Set<string> {
    return new Set(state().selectedNodes);
  }

  function copy(): boolean {
    const ids = selectedSet();
    if (!ids.size) return false;
    clipboard = copySelection(state().doc, ids);
    pasteCount = 0;
    // Best effort: the system clipboard gets the nodes as JSON too, for other windows.
    void navigator.clipboard?.writeText(JSON.stringify({ ebmStudioClipboard: 1, ...clipboard })).catch(() => undefined);
    return true;
  }

  function remove(): void {
    const { doc, selectedNodes, selectedEdges } = state();
    const next = removeElements(doc, new Set(selectedNodes), new Set(selectedEdges));
    state().commit(next, { nodes: [], edges: [] });
  }

  function pasteClipboard(clip: Clipboard | null): void {
    if (!clip || !clip.nodes.length) return;
    pasteCount++;
    const offset: XY = { x: 40 * pasteCount, y: 40 * pasteCount };
    const { doc, ids } = paste(state().doc, clip, offset);
    state().commit(doc, { nodes: ids });
  }

  async function autoLayout(): Promise<void> {
    const flow = env.flow();
    const sizes = new Map(flow.getNodes().map((n) => [n.id, { width: n.measured?.width ?? 220, height: n.measured?.height ?? 120 }]));
    const positions = await layoutPositions(state().doc, sizes);
    state().commit(moveNodes(state().doc, positions));
    requestAnimationFrame(() => void flow.fitView({ padding: 0.2, duration: 300, maxZoom: 1.2 }));
  }

  /** Edit commands go to a focused text field when there is one (menus send them too). */
  function textFieldHasFocus(): boolean {
    const el = document.activeElement;
    return el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement || (el instanceof HTMLElement && el.isContentEditable) || inCodeEditor(el);
  }

  const nativeEdit: Partial<Record<CommandId, string>> = { undo: 'undo', redo: 'redo', cut: 'cut', copy: 'copy', paste: 'paste', selectAll: 'selectAll', delete: 'delete' };
  /** The same edit commands as the code editor's own actions. */
  const codeEditorAction: Partial<Record<CommandId, string>> = {
    undo: 'undo',
    redo: 'redo',
    cut: 'editor.action.clipboardCutAction',
    copy: 'editor.action.clipboardCopyAction',
    paste: 'editor.action.clipboardPasteAction',
    selectAll: 'editor.action.selectAll',
    delete: 'deleteRight',
  };

  async function startRun(): Promise<void> {
    await code.getState().trustKnown();
    const { restriction } = code.getState();
    if (restriction) {
      state().notify('error', restriction.message);
      return;
    }
    // The code panel's text is what the user means to run.
    await code.getState().flushDraft();
    const refused = await env.startRun(state().doc);
    // The restriction was missed (the code changed, or the trust question failed): ask again.
    if (refused) await code.getState().runRefused(refused);
  }

  async function run(command: MenuCommand): Promise<void> {
    try {
      const id = command.command;
      if (id === 'openPath') return await openPath(command.path);
      const codeEditor = focusedCodeEditor();
      const codeAction = codeEditorAction[id];
      if (codeEditor && codeAction) {
        codeEditor.trigger(codeAction);
        return;
      }
      const native = nativeEdit[id];
      if (native && textFieldHasFocus()) {
        document.execCommand(native);
        return;
      }
      switch (id) {
        case 'new':
          if (await guardUnsaved()) take(await host.newDocument({}));
          return;
        case 'open':
          return await open();
        case 'save':
          await save();
          return;
        case 'saveAs':
          await saveAs();
          return;
        case 'saveAndClose':
          // The host asked before closing; saving reports dirty=false and the host closes.
          await save();
          return;
        case 'export':
          return await exportProject();
        case 'examples': {
          if (!(await guardUnsaved())) return;
          const exampleId = await env.showExamples();
          if (exampleId) take(await host.openExample({ id: exampleId }));
          return;
        }
        case 'undo':
          return state().undo();
        case 'redo':
          return state().redo();
        case 'copy':
          copy();
          return;
        case 'cut':
          if (copy()) remove();
          return;
        case 'paste':
          return pasteClipboard(clipboard);
        case 'duplicate': {
          const clip = copySelection(state().doc, selectedSet());
          if (!clip.nodes.length) return;
          const { doc, ids } = paste(state().doc, clip, { x: 40, y: 40 });
          return state().commit(doc, { nodes: ids });
        }
        case 'delete':
          return remove();
        case 'selectAll':
          return state().select(state().doc.nodes.map((n) => n.id));
        case 'runStart':
          return await startRun();
        case 'runStop':
          return await env.stopRun();
        case 'fitView':
          await env.flow().fitView({ padding: 0.2, duration: 300, maxZoom: 1.2 });
          return;
        case 'autoLayout':
          return await autoLayout();
        case 'toggleMinimap':
          return env.toggleMinimap();
        case 'help':
          return env.showHelp();
      }
    } catch (e) {
      report(e);
    }
  }

  return { run, guardUnsaved, take, openDropped };
}

export type Commands = ReturnType<typeof createCommands>;

const slug = (title: string) => title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'untitled';
