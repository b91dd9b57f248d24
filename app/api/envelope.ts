// What crosses IPC for an Electron host call: an envelope rather than a thrown error. Electron
// keeps only the message of an error thrown in an ipcMain.handle handler, and again of an error
// rejected from a function exposed through contextBridge (the page gets `new Error(message)`),
// while the UI keys on the error's code. So the main process settles every call into an envelope
// (`settle`), the preload hands it to the page untouched (a plain object crosses contextBridge
// intact; main/electron/bridge.ts), and the renderer unwraps it (`unwrapEnvelope`, in
// renderer/src/host/electron-host.ts) into the result or a real HostError with its code.
// Pure: no node:*, no electron. The preload may import only types from here (no zod in it).
import { HostError, type HostArgs, type HostPush } from './contract.ts';
import type { HostMethodName } from './methods.ts';

export type Envelope = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };

/** What the preload puts on window.ebmStudio: one function per host call, resolving with the call's
 * envelope (never rejecting for a host failure), and the pushes. */
export type HostBridge = { [M in HostMethodName]: (args: HostArgs<M>) => Promise<Envelope> } & {
  onPush(listener: (push: HostPush) => void): () => void;
};

/** The code of a reply that is not an envelope. */
export const IPC_PROTOCOL = 'IPC_PROTOCOL';

export function failure(code: string, message: string): Envelope {
  return { ok: false, error: { code, message } };
}

/** Runs a call and reports how it went; never rejects. */
export async function settle(call: () => Promise<unknown>): Promise<Envelope> {
  try {
    return { ok: true, result: await call() };
  } catch (e) {
    if (e instanceof HostError) return failure(e.code, e.message);
    return failure('HOST_FAILURE', e instanceof Error ? e.message : String(e));
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** The result of an envelope; a failure throws HostError(code, message), and anything that is not
 * an envelope throws HostError('IPC_PROTOCOL', …). */
export function unwrapEnvelope(reply: unknown): unknown {
  if (isRecord(reply) && reply.ok === true && 'result' in reply) return reply.result;
  if (isRecord(reply) && reply.ok === false && isRecord(reply.error)) {
    const { code, message } = reply.error;
    if (typeof code === 'string' && typeof message === 'string') throw new HostError(code, message);
  }
  throw new HostError(IPC_PROTOCOL, 'the app received a reply from its host that it does not understand');
}
