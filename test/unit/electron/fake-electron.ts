// A stand-in for the parts of the `electron` module that main.cjs uses, recording what it is asked
// to do, so that the bundled main process can be driven without the Electron binary. The utility
// process is a real Node child process running the bundled runner, with process.parentPort made
// from Node's IPC channel (structured clone, as Electron's is).
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface FakeEvent {
  url?: string;
  defaultPrevented: boolean;
  preventDefault(): void;
}
export const fakeEvent = (fields: Partial<FakeEvent> = {}): FakeEvent => ({
  defaultPrevented: false,
  preventDefault() {
    this.defaultPrevented = true;
  },
  ...fields,
});

type Handler = (...args: unknown[]) => unknown;

export class FakeWebContents extends EventEmitter {
  readonly sent: [string, unknown][] = [];
  windowOpenHandler: Handler | null = null;
  isLoading(): boolean {
    return false;
  }
  send(channel: string, payload: unknown): void {
    this.sent.push([channel, structuredClone(payload)]);
  }
  setWindowOpenHandler(handler: Handler): void {
    this.windowOpenHandler = handler;
  }
}

export function createFakeElectron(tmp: string) {
  const recorded = {
    schemes: [] as { scheme: string; privileges: Record<string, unknown> }[],
    protocolHandlers: new Map<string, (request: Request) => Promise<Response>>(),
    ipcHandlers: new Map<string, Handler>(),
    windows: [] as FakeBrowserWindow[],
    menus: [] as unknown[][],
    permissionRequest: null as Handler | null,
    permissionCheck: null as Handler | null,
    opened: [] as string[],
    messageBoxes: [] as Record<string, unknown>[],
    /** The button the next unsaved-changes prompt answers with. */
    messageBoxResponse: 2,
    paths: new Map<string, string>(),
    quits: 0,
    children: [] as ChildProcess[],
  };

  const app = Object.assign(new EventEmitter(), {
    isPackaged: false,
    name: 'Electron',
    setName(name: string) {
      app.name = name;
    },
    setPath(key: string, value: string) {
      recorded.paths.set(key, value);
    },
    getPath(key: string) {
      return recorded.paths.get(key) ?? join(tmp, key);
    },
    requestSingleInstanceLock: () => true,
    quit() {
      recorded.quits++;
    },
    whenReady: () => Promise.resolve(),
    isReady: () => true,
    setAboutPanelOptions() {},
    addRecentDocument() {},
    clearRecentDocuments() {},
  });

  class FakeBrowserWindow extends EventEmitter {
    readonly webContents = new FakeWebContents();
    title = '';
    url = '';
    destroyed = false;
    constructor(readonly options: Record<string, unknown>) {
      super();
      this.title = String(options.title ?? '');
      recorded.windows.push(this);
      app.emit('web-contents-created', fakeEvent(), this.webContents);
    }
    loadURL(url: string) {
      this.url = url;
      return Promise.resolve();
    }
    setTitle(title: string) {
      this.title = title;
    }
    getTitle() {
      return this.title;
    }
    isDestroyed() {
      return this.destroyed;
    }
    close() {
      const event = fakeEvent();
      this.emit('close', event);
      if (event.defaultPrevented) return;
      this.destroyed = true;
      this.emit('closed');
    }
    show() {}
    focus() {}
    restore() {}
    isMinimized() {
      return false;
    }
    setDocumentEdited() {}
  }

  const shim = join(tmp, 'utility-process-shim.cjs');
  writeFileSync(
    shim,
    [
      "const { EventEmitter } = require('node:events');",
      'const port = new EventEmitter();',
      'port.postMessage = (m) => process.send(m);',
      "process.on('message', (data) => port.emit('message', { data }));",
      'process.parentPort = port;',
      'require(process.argv[2]);',
    ].join('\n'),
  );

  const utilityProcess = {
    fork(modulePath: string, _args: string[], _options: unknown) {
      const child = fork(shim, [modulePath], { serialization: 'advanced', stdio: 'ignore' });
      recorded.children.push(child);
      const wrapper = Object.assign(new EventEmitter(), {
        postMessage: (m: unknown) => child.send(m as never),
        kill: () => child.kill(),
      });
      child.on('message', (m) => wrapper.emit('message', m));
      child.on('exit', (code) => wrapper.emit('exit', code ?? -1));
      return wrapper;
    },
  };

  const electron = {
    app,
    BrowserWindow: FakeBrowserWindow,
    dialog: {
      async showMessageBox(_window: unknown, options: Record<string, unknown>) {
        recorded.messageBoxes.push(options);
        return { response: recorded.messageBoxResponse, checkboxChecked: false };
      },
      async showOpenDialog() {
        return { canceled: true, filePaths: [] };
      },
      async showSaveDialog() {
        return { canceled: true };
      },
    },
    ipcMain: {
      handle(channel: string, handler: Handler) {
        recorded.ipcHandlers.set(channel, handler);
      },
    },
    Menu: {
      buildFromTemplate: (template: unknown[]) => template,
      setApplicationMenu: (menu: unknown[]) => recorded.menus.push(menu),
    },
    protocol: {
      registerSchemesAsPrivileged(schemes: { scheme: string; privileges: Record<string, unknown> }[]) {
        recorded.schemes.push(...schemes);
      },
      handle(scheme: string, handler: (request: Request) => Promise<Response>) {
        recorded.protocolHandlers.set(scheme, handler);
      },
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (h: Handler) => (recorded.permissionRequest = h),
        setPermissionCheckHandler: (h: Handler) => (recorded.permissionCheck = h),
      },
    },
    shell: {
      async openExternal(url: string) {
        recorded.opened.push(url);
      },
    },
    utilityProcess,
  };
  return { electron, recorded };
}
