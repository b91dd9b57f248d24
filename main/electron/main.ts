// The Electron main process: one window with the security baseline (security.ts), the renderer
// served over app://ebm-studio/, the host contract over one IPC channel (the shared services,
// app/api/node/services.ts), native menus and dialogs, and runs in utility processes (runner.ts).
// Everything that can be decided without Electron lives in the pure modules beside this one.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, shell, type WebContents } from 'electron';
import type { HostPush, MenuCommand } from '../../app/api/contract.ts';
import { failure, settle } from '../../app/api/envelope.ts';
import { HOST_CALL_CHANNEL, HOST_PUSH_CHANNEL } from '../../app/api/methods.ts';
import { createServices, dispatch, type Dialogs, type HostServices, type Services } from '../../app/api/node/services.ts';
import { APP_VERSION } from '../../app/graph/document.ts';
import { writeTextFileAtomic } from '../../app/graph/node/file.ts';
import { TRUST_FILE, userDataDir } from '../../app/api/node/trust.ts';
import { APP_NAME, menuTemplate } from './menu.ts';
import { RecentFiles } from './recent.ts';
import { checkCustomCodeInUtilityProcess, startRunInUtilityProcess } from './runner.ts';
import {
  APP_ENTRY_URL,
  APP_SCHEME,
  APP_SCHEME_PRIVILEGES,
  CONTENT_SECURITY_POLICY,
  isExternalLink,
  isOurUrl,
  isPermissionAllowed,
  isTrustedSender,
  resolveAppFile,
  responseHeaders,
  secureWebPreferences,
} from './security.ts';
import { choiceAt, CLOSE_PROMPT_BUTTONS, CloseGuard, documentTitle, graphFileFromArgv, openDialogFilters, saveDialogFilters } from './window-state.ts';

const platform = process.platform;
const isDev = !app.isPackaged;
/** How long quitting waits for live runs to stop before it goes anyway. */
const SHUTDOWN_WAIT_MS = 10_000;

// Where things are: the bundles sit in dist/electron; the renderer and the examples are resources
// when packaged (electron-builder.yml), and dist/renderer and examples/ of the repository in dev.
const paths = {
  preload: join(__dirname, 'preload.cjs'),
  renderer: app.isPackaged ? join(process.resourcesPath, 'renderer') : join(__dirname, '..', 'renderer'),
  examples: app.isPackaged ? join(process.resourcesPath, 'examples') : join(__dirname, '..', '..', 'examples'),
};

// Before anything reads it (the single-instance lock lives there): the user data folder, named for
// the app even in dev (where Electron would call it "Electron"), and the same folder the CLI and the
// web host use (trusted code is shared); EBM_STUDIO_USER_DATA isolates tests.
app.setName(APP_NAME);
app.setPath('userData', userDataDir());
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);

if (!app.requestSingleInstanceLock()) {
  // The first instance gets our argv in 'second-instance' and opens the file.
  app.quit();
} else {
  main();
}

function main(): void {
  let window: BrowserWindow | null = null;
  let guard = new CloseGuard();
  let documentName = 'Untitled';
  let services: Services | null = null;
  let recent: RecentFiles | null = null;
  let quitRequested = false;
  let shutdownComplete = false;
  /** Pushes wait while the page loads (a second launch during start-up, a reload). */
  const waiting: HostPush[] = [];
  let initialFile = graphFileFromArgv(process.argv.slice(1), process.cwd());

  const liveContents = (): WebContents | null => (window && !window.isDestroyed() ? window.webContents : null);

  function push(p: HostPush): void {
    const contents = liveContents();
    if (!contents) return;
    if (contents.isLoading()) waiting.push(p);
    else contents.send(HOST_PUSH_CHANNEL, p);
  }

  function command(c: MenuCommand): void {
    if (!liveContents()) createWindow();
    push({ kind: 'command', command: c });
  }

  function openFromOutside(path: string): void {
    if (!app.isReady()) {
      initialFile = path;
      return;
    }
    command({ command: 'openPath', path });
    if (window) {
      if (window.isMinimized()) window.restore();
      window.show();
      window.focus();
    }
  }

  function openExternally(url: string): void {
    if (isExternalLink(url)) void shell.openExternal(url);
  }

  async function rebuildMenu(): Promise<void> {
    const recentFiles = (await recent?.visible().catch(() => [])) ?? [];
    const template = menuTemplate({
      platform,
      recentFiles,
      isDev,
      send: command,
      clearRecent: () => {
        if (platform === 'darwin' || platform === 'win32') app.clearRecentDocuments();
        void recent?.clear().finally(rebuildMenu);
      },
    });
    Menu.setApplicationMenu(Menu.buildFromTemplate(template));
  }

  async function fileTouched(result: unknown): Promise<void> {
    const path = typeof result === 'object' && result !== null && 'path' in result ? result.path : null;
    if (typeof path !== 'string' || !recent) return;
    await recent.touched(path).catch(() => undefined);
    if (platform === 'darwin' || platform === 'win32') app.addRecentDocument(path);
    await rebuildMenu();
  }

  function onDocumentState(state: { name: string; dirty: boolean }): void {
    if (!window || window.isDestroyed()) return;
    documentName = state.name;
    window.setTitle(documentTitle(state, platform));
    if (platform === 'darwin') window.setDocumentEdited(state.dirty);
    if (guard.documentState(state.dirty) === 'close') window.close();
  }

  function createWindow(): BrowserWindow {
    const win = new BrowserWindow({
      width: 1440,
      height: 900,
      minWidth: 800,
      minHeight: 500,
      title: APP_NAME,
      show: false,
      webPreferences: secureWebPreferences(paths.preload),
    });
    window = win;
    guard = new CloseGuard();
    documentName = 'Untitled';

    win.once('ready-to-show', () => win.show());
    // The title is ours (document name and unsaved mark), not the page's <title>.
    win.on('page-title-updated', (event) => event.preventDefault());
    win.webContents.on('did-finish-load', () => {
      for (const p of waiting.splice(0)) win.webContents.send(HOST_PUSH_CHANNEL, p);
    });
    // A reloaded or crashed page has lost its document: nothing is left to save.
    const forgetDocument = () => {
      guard = new CloseGuard();
      if (!win.isDestroyed()) {
        win.setTitle(APP_NAME);
        if (platform === 'darwin') win.setDocumentEdited(false);
      }
    };
    win.webContents.on('did-navigate', forgetDocument);
    win.webContents.on('render-process-gone', forgetDocument);

    win.on('close', (event) => {
      const action = guard.closeRequested();
      if (action === 'allow') return;
      event.preventDefault();
      if (action === 'ignore') return;
      dialog
        .showMessageBox(win, {
          type: 'warning',
          buttons: [...CLOSE_PROMPT_BUTTONS],
          defaultId: 0,
          cancelId: 2,
          noLink: true,
          message: `Do you want to save the changes you made to ${documentName}?`,
          detail: "Your changes will be lost if you don't save them.",
        })
        .then(({ response }) => choiceAt(response))
        .catch(() => 'cancel' as const)
        .then((choice) => {
          const next = guard.chosen(choice);
          if (next === 'saveAndClose') push({ kind: 'command', command: { command: 'saveAndClose' } });
          else if (next === 'close') win.close();
          else quitRequested = false;
        });
    });
    win.on('closed', () => {
      if (window === win) window = null;
      if (quitRequested) app.quit();
    });

    void win.loadURL(APP_ENTRY_URL);
    return win;
  }

  // Every web contents (there is one) gets the same rules: no navigation off our origin, no new
  // windows, no webviews. Links to the web open in the system browser.
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event) => {
      if (isOurUrl(event.url)) return;
      event.preventDefault();
      openExternally(event.url);
    });
    contents.on('will-redirect', (event) => {
      if (!isOurUrl(event.url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      openExternally(url);
      return { action: 'deny' };
    });
  });

  app.on('second-instance', (_event, argv, workingDirectory) => {
    const file = graphFileFromArgv(argv.slice(1), workingDirectory);
    if (file) openFromOutside(file);
    else if (window) {
      if (window.isMinimized()) window.restore();
      window.focus();
    } else if (app.isReady()) createWindow();
  });

  // macOS hands files (Finder, the Dock, the file association) to a running app here, not in argv.
  app.on('open-file', (event, path) => {
    event.preventDefault();
    openFromOutside(path);
  });

  app.on('activate', () => {
    if (app.isReady() && !window) createWindow();
  });

  app.on('before-quit', () => {
    quitRequested = true;
  });

  app.on('window-all-closed', () => {
    if (platform !== 'darwin') app.quit();
  });

  // Live runs are cancelled (their folders end complete) before the app exits.
  app.on('will-quit', (event) => {
    if (shutdownComplete || !services) return;
    event.preventDefault();
    const stopped = services.shutdown();
    const waited = new Promise<void>((r) => setTimeout(r, SHUTDOWN_WAIT_MS).unref());
    void Promise.race([stopped, waited])
      .catch(() => undefined)
      .finally(() => {
        shutdownComplete = true;
        app.quit();
      });
  });

  void app.whenReady().then(async () => {
    protocol.handle(APP_SCHEME, async (request) => {
      const plain = { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Security-Policy': CONTENT_SECURITY_POLICY };
      if (request.method !== 'GET' && request.method !== 'HEAD') return new Response('method not allowed', { status: 405, headers: plain });
      const found = resolveAppFile(request.url, paths.renderer);
      if (!found.ok) return new Response(null, { status: found.status, headers: plain });
      try {
        const body = await readFile(found.file);
        return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers: responseHeaders(found.file) });
      } catch {
        const missing = !existsSync(join(paths.renderer, 'index.html'));
        return new Response(missing ? `The app's pages are not built: run \`npm run build:renderer\` (looked in ${paths.renderer}).` : 'not found', { status: 404, headers: plain });
      }
    });

    const defaultSession = session.defaultSession;
    defaultSession.setPermissionRequestHandler((_contents, permission, callback, details) => callback(isPermissionAllowed(permission, details.requestingUrl)));
    defaultSession.setPermissionCheckHandler((_contents, permission, requestingOrigin) => isPermissionAllowed(permission, requestingOrigin));

    app.setAboutPanelOptions({ applicationName: APP_NAME, applicationVersion: APP_VERSION });

    const userData = app.getPath('userData');
    const recentFilesStore = join(userData, 'recent-files.json');
    const dialogs: Dialogs = {
      async chooseOpenPath() {
        const options = { properties: ['openFile' as const], filters: openDialogFilters(platform) };
        const r = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
        return r.canceled ? null : (r.filePaths[0] ?? null);
      },
      async chooseSavePath(suggestedName) {
        const options = {
          defaultPath: join(app.getPath('documents'), basename(suggestedName)),
          filters: saveDialogFilters(platform),
          properties: ['createDirectory' as const, 'showOverwriteConfirmation' as const],
        };
        const r = window ? await dialog.showSaveDialog(window, options) : await dialog.showSaveDialog(options);
        return r.canceled || !r.filePath ? null : r.filePath;
      },
      async chooseExportFolder(suggestedName) {
        // A save dialog names the new project folder, as "Export…" does elsewhere.
        const options = { title: 'Export a project', buttonLabel: 'Export', defaultPath: join(app.getPath('documents'), basename(suggestedName)), properties: ['createDirectory' as const] };
        const r = window ? await dialog.showSaveDialog(window, options) : await dialog.showSaveDialog(options);
        return r.canceled || !r.filePath ? null : r.filePath;
      },
    };
    const live = createServices({
      host: 'electron',
      workspace: null,
      runsDir: join(userData, 'runs'),
      examplesDir: paths.examples,
      startRun: startRunInUtilityProcess,
      checkCustomCode: checkCustomCodeInUtilityProcess,
      dialogs,
      recentFilesStore,
      codeTrustStore: join(userData, TRUST_FILE),
      initialFile,
      push,
      onDocumentState,
    });
    services = live;
    const recentFiles = new RecentFiles({
      list: () => live.recentFiles({}),
      persist: (list) => writeTextFileAtomic(recentFilesStore, `${JSON.stringify(list, null, 2)}\n`),
    });
    recent = recentFiles;
    // What the renderer calls: the services, with File > Open Recent's Clear applied to the list.
    const hostServices: HostServices = { ...live, recentFiles: () => recentFiles.visible() };

    ipcMain.handle(HOST_CALL_CHANNEL, async (event, method: unknown, args: unknown) => {
      if (!isTrustedSender(event, liveContents())) return failure('UNTRUSTED_SENDER', 'host calls are served only to the EBM Studio window');
      const reply = await settle(() => dispatch(hostServices, method, args));
      if (reply.ok && (method === 'open' || method === 'save' || method === 'saveAs')) void fileTouched(reply.result);
      return reply;
    });

    await rebuildMenu();
    createWindow();
  });
}
