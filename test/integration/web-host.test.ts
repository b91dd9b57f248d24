// The web host for real: an HTTP server on 127.0.0.1 (port 0), a temp workspace and a temp
// static folder. Checks the token, Host and Origin rules, static files and path escapes, the
// WebSocket protocol, a real short training run streamed as pushes, and the browser client
// (renderer/src/host/web-host.ts) against it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket, type ClientOptions } from 'ws';
import { HostError, type HostApi, type HostPush } from '../../app/api/contract.ts';
import type { RunEvent, Summary } from '../../app/runtime/events.ts';
import type { RunHandle } from '../../app/runtime/node/start-run.ts';
import { createWebHost, type WebHost } from '../../main/web/server.ts';
import { connectWebHost } from '../../renderer/src/host/web-host.ts';

const SECRET = 'TOP-SECRET-CONTENT-42';
const INDEX = '<!doctype html><title>EBM Studio test</title><script type="module" src="./app.js"></script>';

let root: string;
let workspace: string;
let staticDir: string;
let host: WebHost;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'ebm-web-host-'));
  workspace = join(root, 'workspace');
  staticDir = join(root, 'static');
  await mkdir(workspace);
  await mkdir(join(staticDir, 'assets'), { recursive: true });
  await writeFile(join(staticDir, 'index.html'), INDEX);
  await writeFile(join(staticDir, 'app.js'), 'console.log("hi");');
  await writeFile(join(staticDir, 'assets', 'style.css'), 'body{}');
  await writeFile(join(staticDir, 'assets', 'kernel.wasm'), Buffer.from([0, 97, 115, 109]));
  await writeFile(join(root, 'secret.txt'), SECRET);
  await symlink(join(root, 'secret.txt'), join(staticDir, 'leak.txt'));
  await writeFile(join(root, 'outside.ebm.json'), await readFile('examples/gaussian-ml.ebm.json'));
  host = await createWebHost({ workspace, staticDir, port: 0 });
});

after(async () => {
  await host?.close();
  await rm(root, { recursive: true, force: true });
});

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A raw HTTP GET (node:http, so the Host header and the path go out exactly as given). */
function get(path: string, headers: Record<string, string> = {}, port = host.port): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { Host: `127.0.0.1:${port}`, ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const cookie = () => `ebm_studio_token=${host.token}`;

test('HTTP: no token, a wrong token or a wrong cookie is 403', async () => {
  for (const [path, headers] of [
    ['/', {}],
    ['/app.js', {}],
    ['/?token=wrong', {}],
    [`/?token=${host.token}x`, {}],
    [`/?token=${host.token.slice(0, -1)}`, {}],
    ['/', { Cookie: 'ebm_studio_token=wrong' }],
    ['/', { Cookie: `other=${host.token}` }],
  ] as const) {
    const r = await get(path, headers);
    assert.equal(r.status, 403, `${path} ${JSON.stringify(headers)}`);
    assert.match(r.headers['content-type'] ?? '', /^text\/plain/);
    assert.match(r.body, /Forbidden/);
    assert.doesNotMatch(r.body, /EBM Studio test/);
  }
});

test('HTTP: ?token= sets the cookie and redirects (303) to the address without it; the cookie then works', async () => {
  const r = await get(`/?token=${host.token}`);
  assert.equal(r.status, 303);
  assert.equal(r.headers.location, '/');
  assert.deepEqual(r.headers['set-cookie'], [`ebm_studio_token=${host.token}; HttpOnly; SameSite=Strict; Path=/`]);
  const other = await get(`/app.js?v=2&token=${host.token}`);
  assert.equal(other.status, 303);
  assert.equal(other.headers.location, '/app.js?v=2', 'other parameters are kept');

  const page = await get('/', { Cookie: `theme=dark; ${cookie()}` });
  assert.equal(page.status, 200);
  assert.equal(page.body, INDEX);
  assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(page.headers['cache-control'], 'no-store');
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
  assert.equal(page.headers['referrer-policy'], 'no-referrer');
  assert.equal(
    page.headers['content-security-policy'],
    `default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self' ws://127.0.0.1:${host.port} ws://localhost:${host.port}; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'`,
  );
  for (const [path, type] of [
    ['/index.html', 'text/html; charset=utf-8'],
    ['/app.js', 'text/javascript; charset=utf-8'],
    ['/assets/style.css', 'text/css; charset=utf-8'],
    ['/assets/kernel.wasm', 'application/wasm'],
  ]) {
    const f = await get(path!, { Cookie: cookie() });
    assert.equal(f.status, 200, path);
    assert.equal(f.headers['content-type'], type, path);
    assert.ok(f.headers['content-security-policy'], `${path} carries the CSP`);
    assert.equal(f.headers['x-content-type-options'], 'nosniff');
  }
  assert.equal((await get('/nope.js', { Cookie: cookie() })).status, 404);
  assert.equal((await get('/assets', { Cookie: cookie() })).status, 404, 'a folder is not a file');
  // Errors carry the security headers too.
  assert.ok((await get('/')).headers['content-security-policy']);
});

test('HTTP: a foreign Origin or a wrong Host header is 403, even with the token', async () => {
  const ok = await get('/', { Cookie: cookie(), Origin: `http://localhost:${host.port}`, Host: `localhost:${host.port}` });
  assert.equal(ok.status, 200, 'localhost is us too');
  for (const origin of ['http://evil.example', `http://127.0.0.1:${host.port + 1}`, `https://127.0.0.1:${host.port}`, 'null']) {
    const r = await get('/', { Cookie: cookie(), Origin: origin });
    assert.equal(r.status, 403, origin);
    assert.doesNotMatch(r.body, /EBM Studio test/);
  }
  for (const h of [`evil.example:${host.port}`, 'evil.example', `127.0.0.1:${host.port + 1}`, '127.0.0.1', `[::1]:${host.port}`]) {
    const r = await get(`/?token=${host.token}`, { Host: h, Cookie: cookie() });
    assert.equal(r.status, 403, h);
    assert.equal(r.headers['set-cookie'], undefined, 'no cookie for a rebound name');
  }
});

test('HTTP: paths that try to leave the static folder never serve what is outside', async () => {
  for (const path of [
    '/../../etc/passwd',
    '/../secret.txt',
    '/..%2fsecret.txt',
    '/%2e%2e/secret.txt',
    '/%2e%2e%2fsecret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/..%5csecret.txt',
    '/%2e%2e%5csecret.txt',
    '/leak.txt',
    '/app.js%00.html',
    `/${'..%2f'.repeat(12)}etc/passwd`,
  ]) {
    const r = await get(path, { Cookie: cookie() });
    assert.ok([400, 403, 404].includes(r.status), `${path}: ${r.status}`);
    assert.doesNotMatch(r.body, new RegExp(SECRET), path);
    assert.doesNotMatch(r.body, /root:/, path);
  }
});

test('HTTP: without a built renderer, a 503 page says to run npm run build:renderer', async () => {
  const empty = join(root, 'empty-static');
  await mkdir(empty);
  const bare = await createWebHost({ workspace, staticDir: empty, port: 0 });
  try {
    const r = await get('/', { Cookie: `ebm_studio_token=${bare.token}` }, bare.port);
    assert.equal(r.status, 503);
    assert.match(r.body, /npm run build:renderer/);
    assert.match(r.headers['content-type'] ?? '', /^text\/html/);
    assert.equal((await get('/', { Cookie: cookie() }, bare.port)).status, 403, 'each launch has its own token');
  } finally {
    await bare.close();
  }
});

/** Opens a WebSocket to the host; resolves with it open, or rejects with the HTTP status of the refusal. */
function connect(options: ClientOptions & { query?: string } = {}, port = host.port): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api${options.query ?? ''}`, options);
    ws.once('open', () => resolve(ws));
    // A refused handshake is an error naming the status: "Unexpected server response: 403".
    ws.once('error', reject);
  });
}
const ours = () => ({ origin: host.origin, headers: { Cookie: cookie() } });

test('WebSocket: refused (403) without a token, with a foreign or missing Origin, or on another path', async () => {
  await assert.rejects(connect({ origin: host.origin }), /Unexpected server response: 403/);
  await assert.rejects(connect({ origin: host.origin, headers: { Cookie: 'ebm_studio_token=nope' } }), /Unexpected server response: 403/);
  await assert.rejects(connect({ origin: host.origin, query: '?token=nope' }), /Unexpected server response: 403/);
  await assert.rejects(connect({ origin: 'http://evil.example', headers: { Cookie: cookie() } }), /Unexpected server response: 403/);
  await assert.rejects(connect({ origin: `http://127.0.0.1:${host.port + 1}`, query: `?token=${host.token}` }), /Unexpected server response: 403/);
  await assert.rejects(connect({ headers: { Cookie: cookie() } }), /Unexpected server response: 403/, 'no Origin');
  await assert.rejects(connect({ ...ours(), headers: { Cookie: cookie(), Host: `evil.example:${host.port}` } }), /Unexpected server response: 403/);
  await assert.rejects(
    new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${host.port}/other`, ours());
      ws.once('open', resolve);
      ws.once('error', reject);
    }),
    /Unexpected server response: 404/,
  );
  // Both ways of carrying the token work with our Origin.
  (await connect({ origin: host.origin, query: `?token=${host.token}` })).close();
  (await connect(ours())).close();
});

/** A socket with a reader of replies by id, and of every push. */
async function client(): Promise<{ ws: WebSocket; call(method: string, args?: unknown): Promise<{ type: string; id: unknown; result?: unknown; error?: { code: string; message: string } }>; next(): Promise<Record<string, unknown>>; pushes: HostPush[]; close(): Promise<void> }> {
  const ws = await connect(ours());
  const waiting = new Map<unknown, (m: Record<string, unknown>) => void>();
  const loose: Record<string, unknown>[] = [];
  let looseWaiter: ((m: Record<string, unknown>) => void) | null = null;
  const pushes: HostPush[] = [];
  let nextId = 1;
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as Record<string, unknown>;
    if (m.type === 'push') return void pushes.push(m.push as HostPush);
    const w = waiting.get(m.id);
    if (w) {
      waiting.delete(m.id);
      return w(m);
    }
    if (looseWaiter) {
      const l = looseWaiter;
      looseWaiter = null;
      return l(m);
    }
    loose.push(m);
  });
  return {
    ws,
    pushes,
    call: (method, args = {}) =>
      new Promise((resolve) => {
        const id = nextId++;
        waiting.set(id, resolve as (m: Record<string, unknown>) => void);
        ws.send(JSON.stringify({ type: 'call', id, method, args }));
      }),
    next: () => (loose.length ? Promise.resolve(loose.shift()!) : new Promise((r) => (looseWaiter = r))),
    close: () =>
      new Promise<void>((r) => {
        if (ws.readyState === WebSocket.CLOSED) return r();
        ws.once('close', () => r());
        ws.close();
      }),
  };
}

test('WebSocket: calls work, confinement holds, bad messages get BAD_MESSAGE and the socket stays usable', async () => {
  const c = await client();
  try {
    const info = await c.call('info');
    assert.equal(info.type, 'result');
    assert.deepEqual(info.result, { host: 'web', appVersion: '0.1.0', workspace, nativeDialogs: false, initialFile: null });

    const outside = await c.call('open', { path: '../outside.ebm.json' });
    assert.equal(outside.type, 'error');
    assert.equal(outside.error?.code, 'OUTSIDE_WORKSPACE');

    const bad = await c.call('open', { path: 7 });
    assert.equal(bad.error?.code, 'INVALID_ARGUMENT');
    assert.match(bad.error?.message ?? '', /path/);
    assert.equal((await c.call('nope')).error?.code, 'UNKNOWN_METHOD');

    c.ws.send('this is not JSON');
    assert.deepEqual(await c.next(), { type: 'error', id: null, error: { code: 'BAD_MESSAGE', message: 'the message is not JSON' } });
    c.ws.send(JSON.stringify({ type: 'call', id: 99 }));
    const noMethod = await c.next();
    assert.equal(noMethod.id, 99, 'the id is echoed when there is one');
    assert.equal((noMethod.error as { code: string }).code, 'BAD_MESSAGE');
    for (const [garbage, id] of [
      ['[]', null],
      ['42', null],
      ['null', null],
      ['{"type":"result","id":1001}', 1001],
      ['{"type":"call","id":-1,"method":"info","args":{}}', null],
      ['{"type":"call","id":1.5,"method":"info"}', null],
      ['{"type":"call","id":"7","method":"info"}', null],
    ] as const) {
      c.ws.send(garbage);
      const m = await c.next();
      assert.equal(m.type, 'error', garbage);
      assert.equal((m.error as { code: string }).code, 'BAD_MESSAGE', garbage);
      assert.equal(m.id, id, garbage);
    }
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    assert.equal(((await c.next()).error as { code: string }).code, 'BAD_MESSAGE');

    // Still usable after all that.
    assert.equal(c.ws.readyState, WebSocket.OPEN);
    assert.equal((await c.call('info')).type, 'result');
  } finally {
    await c.close();
  }
});

test('WebSocket: a real short run of examples/gaussian-ml streams started → progress → finished, then is listed and replayable', async () => {
  const c = await client();
  try {
    const example = await c.call('openExample', { id: 'gaussian-ml' });
    const document = (example.result as { document: unknown }).document;
    assert.ok(document);
    const started = await c.call('run', { document, steps: 20, backend: 'cpu' });
    assert.equal(started.type, 'result', JSON.stringify(started.error));
    const { runId, folder } = started.result as { runId: string; folder: string };
    assert.match(folder, /^runs\//);

    const deadline = Date.now() + 60_000;
    const mine = () => c.pushes.flatMap((p) => (p.kind === 'runEvent' && p.runId === runId ? [p.event] : []));
    while (!mine().some((e) => e.type === 'finished' || e.type === 'failed')) {
      assert.ok(Date.now() < deadline, 'the run finished within a minute');
      await new Promise((r) => setTimeout(r, 50));
    }
    const events = mine();
    const types = events.map((e) => e.type);
    assert.equal(types[0], 'started');
    assert.equal(types.at(-1), 'finished', JSON.stringify(events.at(-1)));
    const progress = events.filter((e): e is RunEvent & { type: 'progress' } => e.type === 'progress');
    assert.deepEqual(
      progress.map((e) => e.step),
      [10, 20],
    );
    const startedEvent = events[0] as RunEvent & { type: 'started' };
    assert.equal(startedEvent.backend, 'cpu');
    assert.equal(startedEvent.totalSteps, 20);
    const summary = (events.at(-1) as RunEvent & { type: 'finished' }).summary;
    assert.equal(summary.status, 'completed');
    assert.equal(summary.steps, 20);

    const runs = await c.call('listRuns');
    const record = (runs.result as { runId: string; state: string; folder: string }[]).find((r) => r.runId === runId);
    assert.equal(record?.state, 'completed');
    assert.equal(record?.folder, folder);

    const opened = await c.call('openRun', { runId });
    assert.equal(opened.type, 'result', JSON.stringify(opened.error));
    const data = opened.result as { metrics: Record<string, number>[]; totalSteps: number; document: unknown };
    assert.deepEqual(
      data.metrics.map((row) => row.step),
      [10, 20],
    );
    assert.ok(data.metrics.every((row) => Number.isFinite(row.loss)), JSON.stringify(data.metrics));
    assert.equal(data.totalSteps, 20);
    assert.ok(data.document);
    // The run folder is inside the workspace's runs/.
    assert.equal(folder, `runs/${runId}`);
    assert.ok(existsSync(join(workspace, 'runs', runId, 'summary.json')));
    assert.ok(existsSync(join(workspace, 'runs', runId, 'metrics.jsonl')));
  } finally {
    await c.close();
  }
});

test('WebSocket: a message over 32 MB closes that socket (1009), and the host keeps serving', async () => {
  const big = await connect(ours());
  const closed = new Promise<number>((r) => big.once('close', (code) => r(code)));
  big.on('error', () => undefined);
  big.send('x'.repeat(32 * 1024 * 1024 + 1));
  assert.equal(await closed, 1009);
  const c = await client();
  try {
    assert.equal((await c.call('info')).type, 'result');
  } finally {
    await c.close();
  }
});

test('close() cancels a live run (its folder ends complete, as cancelled) and stops serving', async () => {
  const ws = await mkdtemp(join(root, 'closing-'));
  const h = await createWebHost({ workspace: ws, staticDir, port: 0 });
  const sock = await connect({ origin: h.origin, headers: { Cookie: `ebm_studio_token=${h.token}` } }, h.port);
  const messages: { type: string; id?: number; result?: { runId: string; document?: unknown }; push?: HostPush }[] = [];
  sock.on('message', (d) => messages.push(JSON.parse(String(d))));
  const reply = async (id: number) => {
    for (let i = 0; i < 200 && !messages.some((m) => m.id === id); i++) await new Promise((r) => setTimeout(r, 25));
    return messages.find((m) => m.id === id)!;
  };
  sock.send(JSON.stringify({ type: 'call', id: 1, method: 'openExample', args: { id: 'gaussian-ml' } }));
  const document = (await reply(1)).result?.document;
  sock.send(JSON.stringify({ type: 'call', id: 2, method: 'run', args: { document, steps: 1_000_000, backend: 'cpu' } }));
  const runId = (await reply(2)).result!.runId;
  const progressed = () => messages.some((m) => m.push?.kind === 'runEvent' && m.push.event.type === 'progress');
  for (let i = 0; i < 1200 && !progressed(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(progressed(), 'the run was under way');

  const closed = new Promise<number>((r) => sock.once('close', (code) => r(code)));
  await h.close();
  assert.equal(await closed, 1001, 'the socket was closed as "going away"');
  const summary = JSON.parse(await readFile(join(ws, 'runs', runId, 'summary.json'), 'utf8')) as Summary;
  assert.equal(summary.status, 'cancelled');
  assert.ok(summary.steps < 1_000_000);
  await assert.rejects(get('/', { Cookie: `ebm_studio_token=${h.token}` }, h.port), /ECONNREFUSED/);
});

/** A WebSocket as a browser on our page would open it: our Origin, and the cookie. */
function browserWebSocket(origin: string, cookieHeader: string, sockets: BrowserSocket[]) {
  return class extends WebSocket {
    dropSends = false;
    constructor(url: string) {
      super(url, { origin, headers: { Cookie: cookieHeader } });
      sockets.push(this as unknown as BrowserSocket);
    }
    override send(data: unknown): void {
      if (this.dropSends) return;
      super.send(data as string);
    }
  };
}
type BrowserSocket = WebSocket & { dropSends: boolean };

function summary(status: Summary['status']): Summary {
  return { status, title: 't', seed: 0, backend: 'cpu', steps: 1, totalSteps: 1, seconds: 0, stepsPerSecond: 0, final: {}, readouts: {}, truth: {}, knownAnswers: [] };
}

test('the browser client (renderer web-host.ts): calls, HostError replies, pushes to every socket, disconnect and reconnect', async () => {
  // A fake run that reports started then finished as soon as it begins.
  const fakeStart = (): RunHandle => {
    const events: RunEvent[] = [
      { type: 'started', runId: 'x', backend: 'cpu', backendNotes: [], totalSteps: 1, plots: [] },
      { type: 'finished', summary: summary('completed') },
    ];
    return {
      events: (async function* () {
        await new Promise((r) => setTimeout(r, 20));
        yield* events;
      })(),
      cancel() {},
      done: Promise.resolve({ summary: summary('completed') }),
    };
  };
  const h = await createWebHost({ workspace: await mkdtemp(join(root, 'ws-')), staticDir, port: 0, startRun: fakeStart });
  const g = globalThis as { WebSocket?: unknown };
  const saved = g.WebSocket;
  const sockets: BrowserSocket[] = [];
  g.WebSocket = browserWebSocket(h.origin, `ebm_studio_token=${h.token}`, sockets);
  try {
    const location = { protocol: 'http:', host: `127.0.0.1:${h.port}`, search: '' };
    const api: HostApi = await connectWebHost(location);
    const other: HostApi = await connectWebHost(location);
    assert.equal(sockets.length, 2);
    assert.equal((await api.info({})).host, 'web');

    const refusedCall = await api.open({ path: '../outside.ebm.json' }).then(
      () => assert.fail('open outside the workspace succeeded'),
      (e: unknown) => e,
    );
    assert.ok(refusedCall instanceof HostError);
    assert.equal(refusedCall.code, 'OUTSIDE_WORKSPACE');
    await assert.rejects(api.open({ path: 3 as unknown as string }), (e: unknown) => e instanceof HostError && e.code === 'INVALID_ARGUMENT');

    // Pushes reach every connected page, through onPush, until unsubscribed.
    const seen: HostPush[] = [];
    const seenByOther: HostPush[] = [];
    const unsubscribe = api.onPush((p) => seen.push(p));
    other.onPush((p) => seenByOther.push(p));
    const doc = (await api.openExample({ id: 'gaussian-ml' })).document!;
    const { runId } = await api.run({ document: doc });
    const until = Date.now() + 5000;
    while (seen.length < 2 || seenByOther.length < 2) {
      assert.ok(Date.now() < until, 'pushes arrived');
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.deepEqual(
      seen.map((p) => (p.kind === 'runEvent' ? `${p.runId}:${p.event.type}` : p.kind)),
      [`${runId}:started`, `${runId}:finished`],
    );
    assert.deepEqual(seenByOther, seen);
    unsubscribe();
    await api.run({ document: doc });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(seenByOther.length, 4, 'the other page saw the second run');
    assert.equal(seen.length, 2, 'an unsubscribed listener hears nothing more');

    // The socket drops with a call in flight: the call fails with HOST_DISCONNECTED...
    const first = sockets[0]!;
    first.dropSends = true;
    const inFlight = api.info({});
    await new Promise((r) => setTimeout(r, 20));
    first.terminate();
    await assert.rejects(inFlight, (e: unknown) => e instanceof HostError && e.code === 'HOST_DISCONNECTED' && /lost the connection/.test(e.message));
    // ...and the next call reconnects.
    assert.equal((await api.listExamples({})).some((e) => e.id === 'gaussian-ml'), true);
    assert.equal(sockets.length, 3, 'a new socket was opened');

    // The host goes away: the next call tries once, and fails clearly.
    await h.close();
    await assert.rejects(api.info({}), (e: unknown) => e instanceof HostError && e.code === 'HOST_DISCONNECTED');
    // A page that connects to a host that is not there is told so.
    await assert.rejects(connectWebHost(location), (e: unknown) => e instanceof HostError && /refused the connection/.test(e.message));
  } finally {
    g.WebSocket = saved;
    await h.close();
  }
});

test('the browser client is refused without the token', async () => {
  const g = globalThis as { WebSocket?: unknown };
  const saved = g.WebSocket;
  g.WebSocket = browserWebSocket(host.origin, 'ebm_studio_token=wrong', []);
  try {
    const location = { protocol: 'http:', host: `127.0.0.1:${host.port}`, search: '' };
    await assert.rejects(connectWebHost(location), (e: unknown) => e instanceof HostError && e.code === 'HOST_DISCONNECTED' && /refused/.test(e.message));
    // The token still in the page's address is passed on.
    const withToken = { protocol: 'http:', host: `127.0.0.1:${host.port}`, search: `?token=${host.token}` };
    const api = await connectWebHost(withToken);
    assert.equal((await api.info({})).workspace, workspace);
  } finally {
    g.WebSocket = saved;
  }
});
