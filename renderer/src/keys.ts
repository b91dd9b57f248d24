// Keyboard shortcuts as a pure function of the key press: no DOM, no React, so node tests
// import it (test/unit/editor/keys.test.ts). commands.ts re-exports it.
import type { MenuCommand } from '../../app/api/contract.ts';

export type CommandId = Extract<MenuCommand, { command: string }>['command'];

/** What the mapping reads of a KeyboardEvent. */
export interface KeyPress {
  readonly key: string;
  /** The physical key (KeyZ…), for layouts whose letters are not Latin. */
  readonly code?: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly shiftKey: boolean;
}

/** Keyboard shortcuts of the web app (Electron's menus carry the same accelerators). */
export function commandForKey(e: KeyPress): CommandId | null {
  const mod = e.ctrlKey || e.metaKey;
  // On non-Latin layouts the letter comes from the key's position (Ctrl+Z is Ctrl+Я on Russian).
  const key = e.key.length === 1 && e.key.charCodeAt(0) > 0x7f && e.code?.startsWith('Key') ? e.code.slice(3).toLowerCase() : e.key.toLowerCase();
  if (e.key === 'F5') return e.shiftKey ? 'runStop' : 'runStart';
  if (!mod) {
    if (e.key === 'Delete' || e.key === 'Backspace') return 'delete';
    return null;
  }
  if (e.shiftKey && key === 'z') return 'redo';
  if (e.shiftKey && key === 's') return 'saveAs';
  if (e.shiftKey && key === 'l') return 'autoLayout';
  if (e.shiftKey) return null;
  switch (key) {
    case 'z':
      return 'undo';
    case 'y':
      return 'redo';
    case 'x':
      return 'cut';
    case 'c':
      return 'copy';
    case 'v':
      return 'paste';
    case 'd':
      return 'duplicate';
    case 'a':
      return 'selectAll';
    case 's':
      return 'save';
    case 'e':
      return 'export';
    case 'o':
      return 'open';
    case 'n':
      return 'new';
    case 'enter':
      return 'runStart';
    default:
      return null;
  }
}
