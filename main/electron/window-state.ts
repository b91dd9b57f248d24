// The window's small decisions, kept pure: its title, whether it may close with unsaved changes,
// which graph file a command line names, and the file filters of the native dialogs.
import * as nodePath from 'node:path';
import type { FileFilter } from 'electron';
import { APP_NAME } from './menu.ts';

const GRAPH_EXTENSION = '.ebm.json';

/** `name — EBM Studio`; a leading `•` marks unsaved changes (macOS marks the close button instead). */
export function documentTitle(state: { name: string; dirty: boolean }, platform: NodeJS.Platform): string {
  // eslint-disable-next-line no-control-regex
  const name = state.name.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, 200);
  const base = name ? `${name} — ${APP_NAME}` : APP_NAME;
  return state.dirty && platform !== 'darwin' ? `• ${base}` : base;
}

export type CloseChoice = 'save' | 'discard' | 'cancel';
/** The buttons of the unsaved-changes prompt, in the order `choiceAt` reads them. */
export const CLOSE_PROMPT_BUTTONS = ['Save', "Don't Save", 'Cancel'] as const;
export const choiceAt = (response: number): CloseChoice => (response === 0 ? 'save' : response === 1 ? 'discard' : 'cancel');

/**
 * Whether the window may close. Clean: it closes. Dirty: the host prompts; Save asks the renderer
 * to save (the `saveAndClose` command), and the renderer answers with setDocumentState: dirty
 * false after saving (the window then closes), dirty true when the save was cancelled or failed
 * (the close is abandoned). Don't Save closes; Cancel does nothing.
 */
export class CloseGuard {
  private dirty = false;
  private phase: 'open' | 'prompting' | 'saving' | 'closing' = 'open';

  get isDirty(): boolean {
    return this.dirty;
  }

  /** The window's 'close' event: allow it, prompt, or ignore it (a prompt or a save is under way). */
  closeRequested(): 'allow' | 'prompt' | 'ignore' {
    if (this.phase === 'closing' || (!this.dirty && this.phase === 'open')) {
      this.phase = 'closing';
      return 'allow';
    }
    if (this.phase !== 'open') return 'ignore';
    this.phase = 'prompting';
    return 'prompt';
  }

  /** The answer to the prompt: what the host does next. */
  chosen(choice: CloseChoice): 'saveAndClose' | 'close' | 'none' {
    if (this.phase !== 'prompting') return 'none';
    if (choice === 'save') {
      this.phase = 'saving';
      return 'saveAndClose';
    }
    if (choice === 'discard') {
      this.phase = 'closing';
      return 'close';
    }
    this.phase = 'open';
    return 'none';
  }

  /** The renderer's setDocumentState: 'close' when a pending save-and-close has saved. */
  documentState(dirty: boolean): 'close' | 'none' {
    this.dirty = dirty;
    if (this.phase !== 'saving') return 'none';
    this.phase = dirty ? 'open' : 'closing';
    return dirty ? 'none' : 'close';
  }
}

/**
 * The graph file a command line names (the first argument ending in .ebm.json or .png that is
 * not a switch), as an absolute path resolved against the folder it was launched from.
 */
export function graphFileFromArgv(argv: readonly string[], cwd: string, path: nodePath.PlatformPath = nodePath): string | null {
  for (const arg of argv) {
    const name = arg.toLowerCase();
    if (arg.startsWith('-') || !(name.endsWith(GRAPH_EXTENSION) || name.endsWith('.png')) || arg.includes('\0')) continue;
    return path.resolve(cwd, arg);
  }
  return null;
}

/**
 * Filters for the open dialog. macOS matches only the last part of an extension, so it gets
 * `json` (the app reports a non-graph JSON file plainly when it is opened); elsewhere `ebm.json`.
 */
export function openDialogFilters(platform: NodeJS.Platform): FileFilter[] {
  return [
    { name: 'EBM Studio graphs', extensions: [platform === 'darwin' ? 'json' : 'ebm.json'] },
    { name: 'Pictures EBM Studio wrote (they carry their graph)', extensions: ['png'] },
  ];
}

/**
 * Filters for the save dialog: none on macOS, where a `json` filter would make "name" into
 * "name.json" (the host adds .ebm.json to a name without it).
 */
export function saveDialogFilters(platform: NodeJS.Platform): FileFilter[] {
  return platform === 'darwin' ? [] : [{ name: 'EBM Studio graphs', extensions: ['ebm.json'] }];
}
