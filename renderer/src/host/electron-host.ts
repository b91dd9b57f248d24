// HostApi over the Electron preload's window.ebmStudio (a HostBridge, main/electron/bridge.ts).
// Each bridge call resolves with the main process's envelope; here it becomes the call's result,
// or a real HostError with the host's code (app/api/envelope.ts says why errors do not cross
// contextBridge themselves). No DOM here, so tests under Node can use it with a fake bridge.
import { HostError, type HostApi, type HostPush } from '../../../app/api/contract.ts';
import { unwrapEnvelope, type HostBridge } from '../../../app/api/envelope.ts';
import { HOST_METHOD_NAMES, type HostMethodName } from '../../../app/api/methods.ts';

/** The code of a bridge call that failed before any reply came (IPC itself failed). */
export const IPC_FAILURE = 'IPC_FAILURE';

export function hostFromBridge(bridge: HostBridge): HostApi {
  const call = async (method: HostMethodName, args: unknown): Promise<unknown> => {
    let reply: unknown;
    try {
      reply = await (bridge[method] as (a: unknown) => Promise<unknown>)(args);
    } catch (e) {
      // contextBridge delivers such a rejection as a bare Error: give the UI a code to key on.
      throw new HostError(IPC_FAILURE, `${method}: ${e instanceof Error ? e.message : String(e)}`);
    }
    return unwrapEnvelope(reply);
  };

  const api: Record<string, unknown> = {
    onPush: (listener: (push: HostPush) => void): (() => void) => bridge.onPush(listener),
  };
  for (const method of HOST_METHOD_NAMES) api[method] = (args: unknown) => call(method, args);
  return Object.freeze(api) as HostApi;
}
