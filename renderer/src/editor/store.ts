// The editor's state: the document being edited (the one source of truth for the canvas, the
// inspector and runs), where it lives, its history, and the selection. History keeps whole
// documents (they are small and immutable), so undo and redo are exact. A drag is committed when
// it ends (Canvas.tsx), so it is one step.
import { createStore } from 'zustand/vanilla';
import type { Diagnostic } from '../../../app/diagnostics.ts';
import { emptyDocument, type GraphDocument } from '../../../app/graph/document.ts';
import { serializeGraph } from '../../../app/graph/serialize.ts';

const HISTORY_LIMIT = 200;

export interface Notice {
  kind: 'error' | 'info';
  text: string;
  /** Grows with each notice, so the same text shown twice still restarts its timer. */
  serial: number;
}

export interface EditorState {
  doc: GraphDocument;
  /** Where the document is saved; null until it is (new documents and examples). */
  path: string | null;
  name: string;
  /** The document's text when it was last opened or saved: unsaved = different text now. */
  savedText: string;
  past: GraphDocument[];
  future: GraphDocument[];
  selectedNodes: string[];
  selectedEdges: string[];
  /** Problems found when the file was read (the compiler's come from the document itself). */
  loadDiagnostics: Diagnostic[];
  notice: Notice | null;
}

export interface EditorActions {
  /** One undoable edit. */
  commit(next: GraphDocument, select?: { nodes?: string[]; edges?: string[] }): void;
  undo(): void;
  redo(): void;
  /** Replaces the document (new, open, example): history starts afresh. */
  load(doc: GraphDocument, where: { path: string | null; name: string; diagnostics?: Diagnostic[]; saved: boolean }): void;
  markSaved(path: string, name: string): void;
  select(nodes: string[], edges?: string[]): void;
  notify(kind: Notice['kind'], text: string): void;
  dismissNotice(): void;
}

export type EditorStore = ReturnType<typeof createEditorStore>;

export function createEditorStore(initial: GraphDocument = emptyDocument()) {
  return createStore<EditorState & EditorActions>()((set, get) => ({
    doc: initial,
    path: null,
    name: 'Untitled',
    savedText: serializeGraph(initial),
    past: [],
    future: [],
    selectedNodes: [],
    selectedEdges: [],
    loadDiagnostics: [],
    notice: null,

    commit(next, select) {
      const { doc, past } = get();
      if (next === doc) return;
      set({
        doc: next,
        past: [...past, doc].slice(-HISTORY_LIMIT),
        future: [],
        ...(select?.nodes ? { selectedNodes: select.nodes } : {}),
        ...(select?.edges ? { selectedEdges: select.edges } : select?.nodes ? { selectedEdges: [] } : {}),
      });
    },

    undo() {
      const { past, future, doc } = get();
      const previous = past.at(-1);
      if (!previous) return;
      set({ doc: previous, past: past.slice(0, -1), future: [doc, ...future], ...keepSelection(previous, get()) });
    },

    redo() {
      const { past, future, doc } = get();
      const next = future[0];
      if (!next) return;
      set({ doc: next, past: [...past, doc], future: future.slice(1), ...keepSelection(next, get()) });
    },

    load(doc, { path, name, diagnostics = [], saved }) {
      set({
        doc,
        path,
        name,
        // An example or a salvaged broken file is not what is on disk: it counts as unsaved.
        savedText: saved ? serializeGraph(doc) : '',
        past: [],
        future: [],
        selectedNodes: [],
        selectedEdges: [],
        loadDiagnostics: diagnostics,
          });
    },

    markSaved(path, name) {
      set({ path, name, savedText: serializeGraph(get().doc), loadDiagnostics: [] });
    },

    select(nodes, edges = []) {
      const s = get();
      if (sameList(s.selectedNodes, nodes) && sameList(s.selectedEdges, edges)) return;
      set({ selectedNodes: nodes, selectedEdges: edges });
    },

    notify(kind, text) {
      set({ notice: { kind, text, serial: (get().notice?.serial ?? 0) + 1 } });
    },

    dismissNotice() {
      set({ notice: null });
    },
  }));
}

/** Unsaved: the text that would be written differs from the text last read or written. */
export const isDirty = (s: Pick<EditorState, 'doc' | 'savedText'>): boolean => textOf(s.doc) !== s.savedText;

const texts = new WeakMap<GraphDocument, string>();
function textOf(doc: GraphDocument): string {
  let t = texts.get(doc);
  if (t === undefined) texts.set(doc, (t = serializeGraph(doc)));
  return t;
}

function keepSelection(doc: GraphDocument, s: EditorState): Pick<EditorState, 'selectedNodes' | 'selectedEdges'> {
  const ids = new Set(doc.nodes.map((n) => n.id));
  return { selectedNodes: s.selectedNodes.filter((id) => ids.has(id)), selectedEdges: [] };
}

const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
