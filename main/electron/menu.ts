// The native menus, as a pure function of what they show. Every app item sends a MenuCommand to
// the renderer, which carries it out (it owns the document and the selection, and knows whether a
// text field has focus, in which case it does the native edit for Cut, Copy, Paste, Undo, Redo and
// Select All). Only window and zoom items use Electron's roles.
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../../app/api/contract.ts';

export interface MenuOptions {
  platform: NodeJS.Platform;
  /** Absolute paths, most recent first. */
  recentFiles: readonly string[];
  send(command: MenuCommand): void;
  /** Empties File > Open Recent. */
  clearRecent?(): void;
  /** Adds Toggle Developer Tools. */
  isDev: boolean;
}

export const APP_NAME = 'EBM Studio';

const separator: MenuItemConstructorOptions = { type: 'separator' };

/** On Windows `&` marks a mnemonic in a label; a path must show it literally. */
function literalLabel(text: string, platform: NodeJS.Platform): string {
  return platform === 'win32' ? text.replaceAll('&', '&&') : text;
}

export function menuTemplate({ platform, recentFiles, send, clearRecent, isDev }: MenuOptions): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin';
  const item = (label: string, command: MenuCommand, accelerator?: string, extra: Partial<MenuItemConstructorOptions> = {}): MenuItemConstructorOptions => ({
    label,
    ...(accelerator ? { accelerator } : {}),
    ...extra,
    click: () => send(command),
  });

  const openRecent: MenuItemConstructorOptions[] = [
    ...recentFiles.map((path) => ({ label: literalLabel(path, platform), click: () => send({ command: 'openPath', path }) })),
    ...(recentFiles.length ? [separator] : []),
    { label: 'Clear Recently Opened', enabled: recentFiles.length > 0, click: () => clearRecent?.() },
  ];

  const file: MenuItemConstructorOptions = {
    label: '&File',
    submenu: [
      item('New', { command: 'new' }, 'CmdOrCtrl+N'),
      item('Open…', { command: 'open' }, 'CmdOrCtrl+O'),
      { label: 'Open Recent', submenu: openRecent },
      separator,
      item('Save', { command: 'save' }, 'CmdOrCtrl+S'),
      item('Save As…', { command: 'saveAs' }, 'CmdOrCtrl+Shift+S'),
      item('Export…', { command: 'export' }, 'CmdOrCtrl+E'),
      separator,
      mac ? { role: 'close' } : { role: 'quit' },
    ],
  };

  const edit: MenuItemConstructorOptions = {
    label: '&Edit',
    submenu: [
      item('Undo', { command: 'undo' }, 'CmdOrCtrl+Z'),
      item('Redo', { command: 'redo' }, 'CmdOrCtrl+Shift+Z'),
      // The Windows and Linux habit; a hidden item still answers its accelerator there.
      ...(mac ? [] : [item('Redo', { command: 'redo' }, 'Ctrl+Y', { visible: false, acceleratorWorksWhenHidden: true })]),
      separator,
      item('Cut', { command: 'cut' }, 'CmdOrCtrl+X'),
      item('Copy', { command: 'copy' }, 'CmdOrCtrl+C'),
      item('Paste', { command: 'paste' }, 'CmdOrCtrl+V'),
      item('Duplicate', { command: 'duplicate' }, 'CmdOrCtrl+D'),
      // Delete is shown but not registered: the renderer handles the key itself, so that it keeps
      // working in text fields (macOS cannot show an unregistered accelerator, so none there).
      item('Delete', { command: 'delete' }, mac ? undefined : 'Delete', mac ? {} : { registerAccelerator: false }),
      separator,
      item('Select All', { command: 'selectAll' }, 'CmdOrCtrl+A'),
    ],
  };

  const run: MenuItemConstructorOptions = {
    label: '&Run',
    submenu: [item('Start', { command: 'runStart' }, 'F5'), item('Stop', { command: 'runStop' }, 'Shift+F5')],
  };

  const view: MenuItemConstructorOptions = {
    label: '&View',
    submenu: [
      item('Fit View', { command: 'fitView' }),
      item('Auto Layout', { command: 'autoLayout' }, 'CmdOrCtrl+Shift+L'),
      item('Toggle Minimap', { command: 'toggleMinimap' }),
      separator,
      item('Examples…', { command: 'examples' }),
      separator,
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      separator,
      { role: 'togglefullscreen' },
      ...(isDev ? [separator, { role: 'toggleDevTools' } as const] : []),
    ],
  };

  const help: MenuItemConstructorOptions = {
    role: 'help',
    label: '&Help',
    submenu: [item('Documentation', { command: 'help' }), ...(mac ? [] : [separator, { role: 'about', label: `About ${APP_NAME}` } as const])],
  };

  const appMenu: MenuItemConstructorOptions = {
    label: APP_NAME,
    submenu: [
      { role: 'about', label: `About ${APP_NAME}` },
      separator,
      { role: 'services' },
      separator,
      { role: 'hide' },
      { role: 'hideOthers' },
      { role: 'unhide' },
      separator,
      { role: 'quit' },
    ],
  };

  return mac ? [appMenu, file, edit, run, view, { role: 'windowMenu' }, help] : [file, edit, run, view, help];
}
