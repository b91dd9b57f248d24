// The API the preload puts on window.ebmStudio: exactly HostBridge (one function per host call,
// and onPush), built from two functions the preload passes in, so that it is pure and testable and
// never hands out ipcRenderer itself. A call resolves with the main process's envelope untouched:
// an Error rejected through contextBridge reaches the page as `new Error(message)`, without its
// name or code, whereas a plain object crosses intact. The renderer unwraps it
// (renderer/src/host/electron-host.ts). Only types are imported from app/api/contract.ts and
// app/api/envelope.ts: the sandboxed preload bundle carries no zod.
import type { HostArgs, HostPush } from '../../app/api/contract.ts';
import type { Envelope, HostBridge } from '../../app/api/envelope.ts';
import { HOST_CALL_CHANNEL, HOST_PUSH_CHANNEL, type HostMethodName } from '../../app/api/methods.ts';

/** ipcRenderer.invoke, narrowed to the one call channel. */
export type Invoke = (channel: typeof HOST_CALL_CHANNEL, method: HostMethodName, args: unknown) => Promise<unknown>;
/** ipcRenderer.on on the push channel; returns a function that removes the handler. */
export type Subscribe = (channel: typeof HOST_PUSH_CHANNEL, handler: (event: unknown, payload: unknown) => void) => () => void;

export function createBridge(invoke: Invoke, subscribe: Subscribe): HostBridge {
  // The reply is passed on as it came: the page checks that it is an envelope (unwrapEnvelope).
  const call =
    <M extends HostMethodName>(method: M) =>
    (args: HostArgs<M>): Promise<Envelope> =>
      invoke(HOST_CALL_CHANNEL, method, args) as Promise<Envelope>;

  const api = {
    info: call('info'),
    newDocument: call('newDocument'),
    listFiles: call('listFiles'),
    open: call('open'),
    save: call('save'),
    saveAs: call('saveAs'),
    recentFiles: call('recentFiles'),
    listExamples: call('listExamples'),
    openExample: call('openExample'),
    validate: call('validate'),
    run: call('run'),
    cancel: call('cancel'),
    listRuns: call('listRuns'),
    openRun: call('openRun'),
    setDocumentState: call('setDocumentState'),
    checkCustomCode: call('checkCustomCode'),
    codeTrust: call('codeTrust'),
    trustCode: call('trustCode'),
    exportProject: call('exportProject'),
    onPush(listener: (push: HostPush) => void): () => void {
      // The IpcRendererEvent stays here: it carries the sender and ports, which the page must not see.
      const unsubscribe = subscribe(HOST_PUSH_CHANNEL, (_event, payload) => listener(payload as HostPush));
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        unsubscribe();
      };
    },
  } satisfies HostBridge;
  return Object.freeze(api);
}
