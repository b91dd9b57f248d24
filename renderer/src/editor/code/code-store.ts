// Custom code in the editor: which node's code the code panel shows and the text typed there
// (the draft), applying it to the document, the dry-run checks of applied code, and trust.
//
// Trust: a document whose custom code was written on another machine opens restricted (the host's
// codeTrust says which nodes). It can be read and edited, and applied text is written into the
// document, but nothing runs it, and it is not checked either, because the host's check records
// the code it checks as written here: the check is for code the user wrote. Trust (the host's
// trustCode) lifts the restriction. While the trust of a document is being asked, checks wait.
//
// No React, no DOM, no Monaco here, so node tests cover it (test/unit/editor/code-store.test.ts).
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { CodeCheckResultInfo, HostApi, HostErrorInfo } from '../../../../app/api/contract.ts';
import type { GraphDocument, GraphNode } from '../../../../app/graph/document.ts';
import type { Catalog } from '../../../../nodes/catalog.ts';
import { hostErrorOf } from '../../runs/store.ts';
import { setParam } from '../graph-edits.ts';
import type { EditorStore } from '../store.ts';

/** The host's error when it refuses to run code that is not trusted. */
export const UNTRUSTED_CODE = 'UNTRUSTED_CODE';

/** A node's parameter of kind 'code'. */
export interface CodeRef {
  nodeId: string;
  param: string;
}

/** The last check of a node's code. */
export interface CodeCheck {
  /** The code checked, or being checked. */
  code: string;
  /** checking: the host is at it; done: `result` holds its answer; failed: the host could not
   * check (`error` says why); restricted: not checked, the document's code is not trusted yet. */
  status: 'checking' | 'done' | 'failed' | 'restricted';
  result?: CodeCheckResultInfo;
  error?: string;
}

/** Custom code of the document that may not run yet, and the host's words for why. */
export interface Restriction {
  nodes: { nodeId: string; name: string }[];
  message: string;
}

export interface CodeState {
  /** The code the panel shows; null when it is closed. */
  open: CodeRef | null;
  /** The panel's text: the node's code plus whatever the user typed and has not applied. */
  draft: string | null;
  /** Set while the panel asks what to do with unapplied edits before it closes (next: null) or
   * shows another node's code. */
  closing: { next: CodeRef | null } | null;
  /** The last check of each node's code. */
  checks: Record<string, CodeCheck>;
  /** Non-null: the document is restricted. */
  restriction: Restriction | null;
  /** True while the host is asked whether the document's code is trusted. */
  askingTrust: boolean;
}

export interface CodeActions {
  /** Shows a node's code in the panel (asking first if the panel holds unapplied edits). */
  openCode(nodeId: string): void;
  /** Closes the panel, asking first if it holds unapplied edits. */
  requestClose(): void;
  /** The answer to `closing`: apply the edits, drop them, or go on editing. */
  answerClose(choice: 'apply' | 'discard' | 'keep'): Promise<void>;
  setDraft(text: string): void;
  /** Writes the draft into the node (one undoable edit) and checks it, unless restricted. */
  apply(): Promise<void>;
  /** Applies unapplied edits, if any: the document holds them at once (before it is saved, run or
   * replaced, so its unsaved-changes question covers them); resolves when their check is done. */
  flushDraft(): Promise<void>;
  /** A document was taken into the editor (new, open, example, drop): the panel closes and its
   * trust is asked. Resolves once the host answered. */
  documentLoaded(): Promise<void>;
  /** Resolves once the host has answered whether the document's code is trusted. */
  trustKnown(): Promise<void>;
  /** The user read the code and trusts it: the host records it, the restriction lifts. */
  trust(): Promise<void>;
  /** A run the host refused: if for untrusted code, the document becomes restricted. */
  runRefused(error: HostErrorInfo): Promise<void>;
}

export type CodeStore = StoreApi<CodeState & CodeActions>;

/** The node's parameter of kind 'code', if its type has one. */
export function codeParamOf(node: GraphNode | undefined, catalog: Catalog): string | null {
  const def = node && catalog.get(node.type);
  if (!def) return null;
  return Object.entries(def.params).find(([, spec]) => spec.kind === 'code')?.[0] ?? null;
}

/** A node's code as the document holds it (its default when not set); null if the node is gone. */
export function codeOf(doc: GraphDocument, ref: CodeRef, catalog: Catalog): string | null {
  const node = doc.nodes.find((n) => n.id === ref.nodeId);
  const def = node && catalog.get(node.type);
  if (!node || !def) return null;
  const value = Object.hasOwn(node.params, ref.param) ? node.params[ref.param] : def.params[ref.param]?.default;
  return typeof value === 'string' ? value : null;
}

/** True when the panel holds text the node does not have. */
export function hasUnappliedEdits(s: Pick<CodeState, 'open' | 'draft'>, doc: GraphDocument, catalog: Catalog): boolean {
  return s.open !== null && s.draft !== null && s.draft !== codeOf(doc, s.open, catalog);
}

/** The check of the node's current code, if it has one (an older check is of other code). */
export function currentCheck(s: Pick<CodeState, 'checks'>, doc: GraphDocument, ref: CodeRef, catalog: Catalog): CodeCheck | null {
  const check = s.checks[ref.nodeId];
  return check && check.code === codeOf(doc, ref, catalog) ? check : null;
}

export function createCodeStore(options: { editor: EditorStore; host: HostApi; catalog: Catalog }): CodeStore {
  const { editor, host, catalog } = options;
  const doc = () => editor.getState().doc;
  /** The latest trust question: its answer alone counts. */
  let trustQuestion = 0;
  let trustAnswered: Promise<void> = Promise.resolve();

  const store: StoreApi<CodeState & CodeActions> = createStore<CodeState & CodeActions>()(() => ({
    open: null,
    draft: null,
    closing: null,
    checks: {},
    restriction: null,
    askingTrust: false,

    openCode(nodeId) {
      const node = doc().nodes.find((n) => n.id === nodeId);
      const param = codeParamOf(node, catalog);
      if (!param) return;
      const ref = { nodeId, param };
      const { open } = get();
      if (open?.nodeId === nodeId && open.param === param) return;
      if (hasUnappliedEdits(get(), doc(), catalog)) set({ closing: { next: ref } });
      else show(ref);
    },

    requestClose() {
      if (hasUnappliedEdits(get(), doc(), catalog)) set({ closing: { next: null } });
      else show(null);
    },

    async answerClose(choice) {
      const { closing } = get();
      if (!closing) return;
      if (choice === 'keep') return set({ closing: null });
      const applied = choice === 'apply' ? writeDraft() : null;
      show(closing.next);
      if (applied) await check(applied);
    },

    setDraft(text) {
      if (get().open) set({ draft: text });
    },

    async apply() {
      const applied = writeDraft();
      if (applied) await check(applied);
    },

    async flushDraft() {
      // Written and checked as Apply does: the check records the code as written here, so it runs.
      if (hasUnappliedEdits(get(), doc(), catalog)) await get().apply();
    },

    documentLoaded() {
      set({ open: null, draft: null, closing: null, checks: {}, restriction: null });
      return askTrust(doc());
    },

    trustKnown() {
      return trustAnswered;
    },

    async trust() {
      try {
        await host.trustCode({ document: doc() });
      } catch (e) {
        editor.getState().notify('error', `Could not trust the code: ${hostErrorOf(e).message}`);
        return;
      }
      // This answers whatever was asked before.
      trustQuestion++;
      trustAnswered = Promise.resolve();
      set({ restriction: null, askingTrust: false });
    },

    async runRefused(error) {
      if (error.code === UNTRUSTED_CODE) await askTrust(doc());
    },
  }));
  const get = (): CodeState & CodeActions => store.getState();
  const set = (partial: Partial<CodeState>): void => store.setState(partial);

  function show(ref: CodeRef | null) {
    set({ open: ref, draft: ref ? codeOf(doc(), ref, catalog) : null, closing: null });
  }

  /** Asks the host which of the document's code is not trusted; the latest question wins. A
   * question that fails counts as not trusted: nothing runs or is checked until the user trusts. */
  function askTrust(document: GraphDocument): Promise<void> {
    const question = ++trustQuestion;
    set({ askingTrust: true });
    trustAnswered = host.codeTrust({ document }).then(
      ({ untrusted, message }) => {
        if (question !== trustQuestion) return;
        set({ askingTrust: false, restriction: untrusted.length > 0 ? { nodes: untrusted, message: message ?? 'This graph has custom code that is not trusted here.' } : null });
      },
      (e: unknown) => {
        if (question !== trustQuestion) return;
        set({ askingTrust: false, restriction: { nodes: [], message: `Could not ask the host whether this graph's code is trusted: ${hostErrorOf(e).message}` } });
      },
    );
    return trustAnswered;
  }

  /** Writes the draft into its node (one undoable edit, none if unchanged); the node, or null if it is gone. */
  function writeDraft(): CodeRef | null {
    const { open, draft } = get();
    if (!open || draft === null) return null;
    const code = codeOf(doc(), open, catalog);
    if (code === null) {
      editor.getState().notify('error', 'That node is no longer in the graph, so its code cannot be applied (undo brings it back).');
      return null;
    }
    if (draft !== code) editor.getState().commit(setParam(doc(), open.nodeId, open.param, draft));
    return open;
  }

  /** Checks the node's code as the document holds it: a dry run by the host on a small batch. */
  async function check(ref: CodeRef): Promise<void> {
    await trustAnswered;
    const current = doc();
    const node = current.nodes.find((n) => n.id === ref.nodeId);
    const code = codeOf(current, ref, catalog);
    if (!node || code === null) return;
    if (get().restriction) {
      set({ checks: { ...get().checks, [ref.nodeId]: { code, status: 'restricted' } } });
      return;
    }
    const mine: CodeCheck = { code, status: 'checking' };
    set({ checks: { ...get().checks, [ref.nodeId]: mine } });
    const def = catalog.get(node.type);
    const param = (name: string): unknown => (Object.hasOwn(node.params, name) ? node.params[name] : def?.params[name]?.default);
    const timeLimit = param('timeLimit');
    let next: CodeCheck;
    try {
      // The host checks the arguments: an invalid input dimension comes back as its error.
      const result = await host.checkCustomCode({ code, inputDim: param('inputDim') as number, ...(typeof timeLimit === 'number' ? { timeLimit } : {}) });
      next = { code, status: 'done', result };
    } catch (e) {
      next = { code, status: 'failed', error: hostErrorOf(e).message };
    }
    // A later check of this node, or another document, has taken its place.
    if (get().checks[ref.nodeId] === mine) set({ checks: { ...get().checks, [ref.nodeId]: next } });
  }

  // The document changed under the panel (undo, redo, reset, delete): a draft without edits
  // follows the node's code, and closes with its node. A restricted document is asked again: its
  // untrusted node may be gone, or copied.
  editor.subscribe((now, before) => {
    if (now.doc === before.doc) return;
    const { open, draft, restriction } = get();
    if (open && draft !== null && draft === codeOf(before.doc, open, catalog)) {
      const code = codeOf(now.doc, open, catalog);
      if (code === null) show(null);
      else if (code !== draft) set({ draft: code });
    }
    if (restriction) void askTrust(now.doc);
  });

  return store;
}
