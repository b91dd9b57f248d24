// HostApi over the web host's WebSocket (main/web/server.ts, protocol in main/web/protocol.ts).
// One socket; each call carries a fresh id and waits for the reply with that id. Pushes go to
// the onPush listeners. When the socket drops, pending calls fail with HOST_DISCONNECTED and the
// next call reconnects once.
import { HostError, type HostApi, type HostPush } from '../../../app/api/contract.ts';
import { HOST_METHOD_NAMES, type HostMethodName } from '../../../app/api/methods.ts';
import { API_PATH, ServerMessageSchema, TOKEN_PARAM, decodeMessage, encodeMessage } from '../../../main/web/protocol.ts';

const DISCONNECTED = 'HOST_DISCONNECTED';

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** What is used of the page's `window.location` (a structural type, so that tests under Node,
 * which has no DOM types, can pass a plain object). */
export interface PageLocation {
  protocol: string;
  host: string;
  search: string;
}

/** Where the API socket is: same host as the page, with the token if the address still has one. */
export function apiUrl(location: PageLocation): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const token = new URLSearchParams(location.search).get(TOKEN_PARAM);
  return `${scheme}//${location.host}${API_PATH}${token ? `?${TOKEN_PARAM}=${encodeURIComponent(token)}` : ''}`;
}

/** Opens a socket; resolves once it is open, rejects with a HostError if it is refused. */
function openSocket(url: string): Promise<WebSocket> {
  const shown = url.replace(/\?.*$/, '');
  return new Promise((resolve, reject) => {
    let ws: WebSocket;
    try {
      ws = new WebSocket(url);
    } catch (e) {
      reject(new HostError(DISCONNECTED, `could not reach the EBM Studio host at ${shown}: ${e instanceof Error ? e.message : String(e)}`));
      return;
    }
    const onOpen = () => {
      ws.removeEventListener('error', onFail);
      ws.removeEventListener('close', onFail);
      resolve(ws);
    };
    const onFail = () => {
      ws.removeEventListener('open', onOpen);
      ws.removeEventListener('error', onFail);
      ws.removeEventListener('close', onFail);
      reject(
        new HostError(
          DISCONNECTED,
          `the EBM Studio host refused the connection at ${shown}. Is it still running? Open the address it printed when it started (it carries the access token).`,
        ),
      );
    };
    ws.addEventListener('open', onOpen);
    ws.addEventListener('error', onFail);
    ws.addEventListener('close', onFail);
  });
}

export async function connectWebHost(location: PageLocation): Promise<HostApi> {
  const url = apiUrl(location);
  const listeners = new Set<(push: HostPush) => void>();
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let socket: WebSocket | null = null;
  let connecting: Promise<WebSocket> | null = null;

  const settle = (id: number, outcome: { result: unknown } | { error: HostError }) => {
    const call = pending.get(id);
    if (!call) return;
    pending.delete(id);
    if ('error' in outcome) call.reject(outcome.error);
    else call.resolve(outcome.result);
  };

  const onMessage = (event: MessageEvent) => {
    if (typeof event.data !== 'string') return;
    let raw: unknown;
    try {
      raw = decodeMessage(event.data);
    } catch {
      return;
    }
    const parsed = ServerMessageSchema.safeParse(raw);
    if (!parsed.success) {
      // A reply we cannot read still ends its call; a push we cannot read (a newer host) is
      // reported in the console and otherwise ignored.
      const id = typeof raw === 'object' && raw !== null && 'id' in raw && typeof raw.id === 'number' ? raw.id : null;
      if (id !== null) settle(id, { error: new HostError('BAD_REPLY', `the EBM Studio host sent a reply this page cannot read: ${parsed.error.issues[0]?.message ?? 'malformed'}`) });
      else console.error(`the EBM Studio host sent a message this page cannot read: ${JSON.stringify(parsed.error.issues.slice(0, 3))}`);
      return;
    }
    const message = parsed.data;
    if (message.type === 'push') {
      for (const listener of [...listeners]) {
        try {
          listener(message.push);
        } catch (e) {
          console.error('a host push listener failed', e);
        }
      }
    } else if (message.id === null) {
      if (message.type === 'error') console.error(`the EBM Studio host could not read a message: ${message.error.code}: ${message.error.message}`);
    } else if (message.type === 'result') {
      settle(message.id, { result: message.result });
    } else {
      settle(message.id, { error: new HostError(message.error.code, message.error.message) });
    }
  };

  const attach = (ws: WebSocket) => {
    socket = ws;
    ws.addEventListener('message', onMessage);
    ws.addEventListener('close', () => {
      if (socket === ws) socket = null;
      const lost = [...pending.values()];
      pending.clear();
      for (const call of lost) call.reject(new HostError(DISCONNECTED, 'lost the connection to the EBM Studio host (it may have stopped); try again, or restart it.'));
    });
  };

  /** The open socket; when it was lost, one attempt to open a new one. */
  const ready = (): Promise<WebSocket> => {
    if (socket && socket.readyState === WebSocket.OPEN) return Promise.resolve(socket);
    connecting ??= openSocket(url).then(
      (ws) => {
        connecting = null;
        attach(ws);
        return ws;
      },
      (e: unknown) => {
        connecting = null;
        throw e;
      },
    );
    return connecting;
  };

  await ready();

  const call = async (method: HostMethodName, args: unknown): Promise<unknown> => {
    const ws = await ready();
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      try {
        ws.send(encodeMessage({ type: 'call', id, method, args: args ?? {} }));
      } catch (e) {
        pending.delete(id);
        reject(new HostError(DISCONNECTED, `could not send ${method} to the EBM Studio host: ${e instanceof Error ? e.message : String(e)}`));
      }
    });
  };

  const api: Record<string, unknown> = {
    onPush(listener: (push: HostPush) => void): () => void {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
  for (const method of HOST_METHOD_NAMES) api[method] = (args: unknown) => call(method, args);
  return api as HostApi;
}
