// The open code editor, for the app's commands: edit commands from the host's menus (Electron)
// go to its text when it has the focus, as they go to a focused text field. A plain module, so
// commands.ts reaches it without importing Monaco.
import type { CodeEditorHandle } from './monaco-editor.ts';

let active: CodeEditorHandle | null = null;

export function setActiveCodeEditor(editor: CodeEditorHandle | null): void {
  active = editor;
}

/** The code editor, if the keyboard is in it. */
export function focusedCodeEditor(): CodeEditorHandle | null {
  return active?.hasTextFocus() ? active : null;
}

/** True for a key press or focus inside the code editor (Monaco types into its own elements). */
export const inCodeEditor = (target: EventTarget | null): boolean => target instanceof Element && target.closest('.monaco-editor') !== null;
