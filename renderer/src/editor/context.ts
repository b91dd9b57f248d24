// The editor's stores (the document, and custom code: code/code-store.ts), host and catalog,
// handed down once by App.
import { createContext, useContext, useMemo } from 'react';
import { useStore } from 'zustand';
import type { HostApi } from '../../../app/api/contract.ts';
import { compile } from '../../../app/compile/compile.ts';
import type { Diagnostic } from '../../../app/diagnostics.ts';
import type { GraphDocument } from '../../../app/graph/document.ts';
import { catalog, type Catalog } from '../../../nodes/catalog.ts';
import type { CodeActions, CodeState, CodeStore } from './code/code-store.ts';
import type { EditorActions, EditorState, EditorStore } from './store.ts';

export interface EditorContextValue {
  store: EditorStore;
  code: CodeStore;
  host: HostApi;
  catalog: Catalog;
}

export const EditorContext = createContext<EditorContextValue | null>(null);

export function useEditorContext(): EditorContextValue {
  const value = useContext(EditorContext);
  if (!value) throw new Error('useEditorContext outside <EditorContext.Provider>');
  return value;
}

export function useEditor<T>(selector: (s: EditorState & EditorActions) => T): T {
  return useStore(useEditorContext().store, selector);
}

export function useCode<T>(selector: (s: CodeState & CodeActions) => T): T {
  return useStore(useEditorContext().code, selector);
}

export { catalog };

const compiled = new WeakMap<GraphDocument, Diagnostic[]>();

/** The compiler's diagnostics of a document, computed once per document. */
export function diagnosticsOf(doc: GraphDocument, cat: Catalog = catalog): Diagnostic[] {
  let d = compiled.get(doc);
  if (!d) {
    d = compile(doc, cat).diagnostics;
    compiled.set(doc, d);
  }
  return d;
}

/** The document's diagnostics: those found on load, then the compiler's. */
export function useDiagnostics(): Diagnostic[] {
  const doc = useEditor((s) => s.doc);
  const load = useEditor((s) => s.loadDiagnostics);
  return useMemo(() => [...load, ...diagnosticsOf(doc)], [doc, load]);
}
