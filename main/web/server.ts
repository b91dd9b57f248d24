// The web host: the same host services as Electron (app/api/node/services.ts), served to a
// browser on 127.0.0.1. Static files of the built renderer over HTTP, host calls and pushes over
// one WebSocket (`/api`, see ./protocol.ts). No service logic lives here.
//
// Security: it listens on the loopback interface only, every request must carry the per-launch
// token (in the printed address once, then in an HttpOnly SameSite=Strict cookie), the Host
// header must name us (DNS rebinding) and any Origin must be ours (cross-site requests and
// cross-site WebSockets). Responses carry a strict CSP.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { HostError, type HostPush } from '../../app/api/contract.ts';
import { createServices, dispatch, type Services } from '../../app/api/node/services.ts';
import { startRun as defaultStartRun, type RunHandle, type RunRequest } from '../../app/runtime/node/start-run.ts';
import { contentSecurityPolicy, contentType } from '../renderer-assets.ts';
import {
  API_PATH,
  BAD_MESSAGE,
  CallMessageSchema,
  decodeMessage,
  encodeMessage,
  MAX_MESSAGE_BYTES,
  TOKEN_COOKIE,
  TOKEN_PARAM,
  type ErrorMessage,
  type PushMessage,
  type ResultMessage,
} from './protocol.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface WebHostOptions {
  /** The folder every file stays inside (absolute). */
  workspace: string;
  /** 0 picks any free port. */
  port?: number;
  /** The built renderer; default dist/renderer at the repository root. */
  staticDir?: string;
  examplesDir?: string;
  /** Default `<workspace>/runs`. */
  runsDir?: string;
  /** The per-launch secret; default 32 random bytes, hex. */
  token?: string;
  /** How runs start; default a worker thread (tests pass a fake). */
  startRun?: (request: RunRequest) => RunHandle;
  /** A file (relative to the workspace) for the UI to open at start. */
  initialFile?: string | null;
  /** The JSON file of trusted custom code, shared with the CLI; in memory only when absent (tests). */
  codeTrustStore?: string;
}

export interface WebHost {
  /** The address to open, with the token: `http://127.0.0.1:PORT/?token=TOKEN`. */
  url: string;
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  token: string;
  port: number;
  services: Services;
  /** Cancels live runs, closes every socket and the server. */
  close(): Promise<void>;
}


/** How long close() lets sockets say goodbye before cutting them. */
const CLOSE_GRACE_MS = 1000;

export async function createWebHost(options: WebHostOptions): Promise<WebHost> {
  if (!isAbsolute(options.workspace)) throw new Error(`the workspace must be an absolute path, not "${options.workspace}"`);
  const workspace = resolve(options.workspace);
  const staticDir = resolve(options.staticDir ?? join(REPO_ROOT, 'dist', 'renderer'));
  const token = options.token ?? randomBytes(32).toString('hex');
  if (token.length === 0) throw new Error('the token must not be empty');
  const tokenBytes = Buffer.from(token, 'utf8');

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  const broadcast = (push: HostPush) => {
    const text = encodeMessage({ type: 'push', push } satisfies PushMessage);
    for (const ws of wss.clients) if (ws.readyState === WebSocket.OPEN) ws.send(text);
  };

  const services = createServices({
    host: 'web',
    workspace,
    runsDir: resolve(options.runsDir ?? join(workspace, 'runs')),
    examplesDir: resolve(options.examplesDir ?? join(REPO_ROOT, 'examples')),
    startRun: options.startRun ?? defaultStartRun,
    initialFile: options.initialFile ?? null,
    ...(options.codeTrustStore ? { codeTrustStore: options.codeTrustStore } : {}),
    push: broadcast,
  });

  const server = createServer();
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  const allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  const securityHeaders: Record<string, string> = {
    'Content-Security-Policy': contentSecurityPolicy([`ws://127.0.0.1:${port}`, `ws://localhost:${port}`]),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };

  const tokenMatches = (candidate: string | undefined | null): boolean => {
    if (typeof candidate !== 'string') return false;
    const bytes = Buffer.from(candidate, 'utf8');
    return bytes.length === tokenBytes.length && timingSafeEqual(bytes, tokenBytes);
  };

  /** Why a request may not be served, or null when it may. */
  function refusal(req: IncomingMessage, url: URL, { originRequired }: { originRequired: boolean }): string | null {
    if (!allowedHosts.has(req.headers.host ?? '')) return 'Forbidden: this server answers only to 127.0.0.1 and localhost on its own port.';
    const from = req.headers.origin;
    if (from === undefined ? originRequired : !allowedOrigins.has(from)) return 'Forbidden: requests from other sites are refused.';
    if (!tokenMatches(readCookie(req.headers.cookie, TOKEN_COOKIE)) && !tokenMatches(url.searchParams.get(TOKEN_PARAM)))
      return 'Forbidden: open EBM Studio with the address it printed when it started (it carries the access token).';
    return null;
  }

  function send(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string> = {}, head = false): void {
    res.writeHead(status, { ...securityHeaders, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers, 'Content-Length': String(Buffer.byteLength(body)) });
    res.end(head ? undefined : body);
  }

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const head = req.method === 'HEAD';
    let url: URL;
    try {
      url = new URL(req.url ?? '/', origin);
    } catch {
      return send(res, 400, 'Bad request.\n');
    }
    const why = refusal(req, url, { originRequired: false });
    if (why) return send(res, 403, `${why}\n`, {}, head);
    if (req.method !== 'GET' && !head) return send(res, 405, 'Method not allowed.\n', { Allow: 'GET, HEAD' });

    if (url.searchParams.has(TOKEN_PARAM)) {
      // Trade the token in the address for a cookie, and drop it from the address (and history).
      url.searchParams.delete(TOKEN_PARAM);
      const location = `${url.pathname}${url.search}`;
      return send(res, 303, `See ${location}\n`, { Location: location, 'Set-Cookie': `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/` }, head);
    }
    if (url.pathname === API_PATH) return send(res, 426, 'This is the WebSocket endpoint.\n', { Upgrade: 'websocket' }, head);
    await serveStatic(url.pathname, res, head);
  }

  async function serveStatic(pathname: string, res: ServerResponse, head: boolean): Promise<void> {
    const indexFile = join(staticDir, 'index.html');
    let rel: string;
    try {
      rel = decodeURIComponent(pathname);
    } catch {
      return send(res, 400, 'Bad request: the path is not valid.\n', {}, head);
    }
    const segments = rel.split('/');
    if (rel.includes('\0') || rel.includes('\\') || segments.some((s) => s === '..')) return send(res, 403, 'Forbidden path.\n', {}, head);
    if (!(await isFile(indexFile))) {
      return send(
        res,
        503,
        '<!doctype html><meta charset="utf-8"><title>EBM Studio</title><h1>EBM Studio is not built yet</h1><p>The user interface has not been built. Run <code>npm run build:renderer</code> (or start with <code>npm run web</code>, which builds it), then reload.</p>\n',
        { 'Content-Type': 'text/html; charset=utf-8' },
        head,
      );
    }
    const file = rel === '/' || rel === '' ? indexFile : resolve(staticDir, `.${rel}`);
    if (!within(staticDir, file)) return send(res, 403, 'Forbidden path.\n', {}, head);
    // A link inside the folder must not lead out of it either.
    const real = await fsp.realpath(file).catch(() => null);
    const realRoot = await fsp.realpath(staticDir).catch(() => staticDir);
    if (real === null || !(await isFile(real))) return send(res, 404, 'Not found.\n', {}, head);
    if (!within(realRoot, real)) return send(res, 403, 'Forbidden path.\n', {}, head);
    let body: Buffer;
    try {
      body = await fsp.readFile(real);
    } catch {
      return send(res, 404, 'Not found.\n', {}, head);
    }
    const type = contentType(real);
    send(res, 200, body, { 'Content-Type': type, 'Cache-Control': file === indexFile ? 'no-store' : 'no-cache' }, head);
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handleRequest(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, `Internal error: ${e instanceof Error ? e.message : String(e)}\n`);
      else res.destroy();
    });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    let url: URL;
    try {
      url = new URL(req.url ?? '/', origin);
    } catch {
      return refuseUpgrade(socket, 400, 'Bad Request', 'Bad request.');
    }
    if (url.pathname !== API_PATH) return refuseUpgrade(socket, 404, 'Not Found', `No WebSocket endpoint here; it is ${API_PATH}.`);
    const why = refusal(req, url, { originRequired: true });
    if (why) return refuseUpgrade(socket, 403, 'Forbidden', why);
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws: WebSocket) => {
    // Errors (a message over maxPayload, a broken socket) close the socket; they must not end the host.
    ws.on('error', () => ws.terminate());
    ws.on('message', (data: RawData, isBinary: boolean) => void handleMessage(ws, data, isBinary));
  });
  wss.on('error', () => undefined);

  async function handleMessage(ws: WebSocket, data: RawData, isBinary: boolean): Promise<void> {
    const reply = (message: ResultMessage | ErrorMessage) => {
      if (ws.readyState !== WebSocket.OPEN) return;
      let text: string;
      try {
        text = encodeMessage(message);
      } catch (e) {
        text = JSON.stringify({ type: 'error', id: message.id, error: { code: 'HOST_FAILURE', message: `the reply could not be encoded: ${e instanceof Error ? e.message : String(e)}` } } satisfies ErrorMessage);
      }
      ws.send(text);
    };
    const bad = (id: number | null, message: string) => reply({ type: 'error', id, error: { code: BAD_MESSAGE, message } });

    if (isBinary) return bad(null, 'messages are JSON text, not binary');
    let raw: unknown;
    try {
      raw = decodeMessage(rawText(data));
    } catch {
      return bad(null, 'the message is not JSON');
    }
    const call = CallMessageSchema.safeParse(raw);
    if (!call.success) {
      const id = typeof raw === 'object' && raw !== null && 'id' in raw && Number.isSafeInteger(raw.id) && (raw.id as number) >= 0 ? (raw.id as number) : null;
      const issues = call.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'message'}: ${i.message}`).join('; ');
      return bad(id, `not a call ({type:'call', id, method, args}): ${issues}`);
    }
    const { id, method, args } = call.data;
    try {
      reply({ type: 'result', id, result: await dispatch(services, method, args) });
    } catch (e) {
      const error = e instanceof HostError ? e.toJSON() : { code: 'HOST_FAILURE', message: e instanceof Error ? e.message : String(e) };
      reply({ type: 'error', id, error });
    }
  }

  let closing: Promise<void> | null = null;
  async function close(): Promise<void> {
    closing ??= (async () => {
      await services.shutdown();
      const sockets = [...wss.clients];
      for (const ws of sockets) ws.close(1001, 'EBM Studio is shutting down');
      await Promise.race([
        Promise.all(sockets.map((ws) => (ws.readyState === WebSocket.CLOSED ? null : new Promise((r) => ws.once('close', r))))),
        new Promise((r) => setTimeout(r, CLOSE_GRACE_MS).unref()),
      ]);
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await closed;
    })();
    return closing;
  }

  return { url: `${origin}/?${TOKEN_PARAM}=${token}`, origin, token, port, services, close };
}

function refuseUpgrade(socket: Duplex, status: number, statusText: string, reason: string): void {
  const body = `${reason}\n`;
  // Destroy once the answer is flushed (as ws's own abortHandshake does).
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

function within(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

async function isFile(path: string): Promise<boolean> {
  return fsp.stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
