// The built bundles, without the Electron binary: build dist/electron, check the preload bundle
// (it may require only electron, and exposes exactly the contract), then load main.cjs against a
// stand-in `electron` (fake-electron.ts) and drive it as Electron would: the window's options, the
// app:// protocol, navigation and permissions, the IPC channel, a real run in a forked process
// running runner.cjs, Open Recent, a second launch, quitting and the unsaved-changes prompt.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import vm from 'node:vm';
import { MENU_COMMANDS, type HostPush } from '../../../app/api/contract.ts';
import { HOST_CALL_CHANNEL, HOST_METHOD_NAMES, HOST_PUSH_CHANNEL } from '../../../app/api/methods.ts';
import { APP_ENTRY_URL, CONTENT_SECURITY_POLICY, secureWebPreferences } from '../../../main/electron/security.ts';
import { createFakeElectron, fakeEvent, type FakeWebContents } from './fake-electron.ts';

const root = process.cwd();
const tmp = mkdtempSync(join(tmpdir(), 'ebm-electron-'));
const dist = join(tmp, 'dist');
const { electron, recorded } = createFakeElectron(tmp);
type Envelope = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };

before(() => {
  const built = spawnSync(process.execPath, ['scripts/build-electron.mjs'], { encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  for (const name of ['main.cjs', 'preload.cjs', 'runner.cjs']) assert.match(built.stdout, new RegExp(`dist/electron/${name.replace('.', '\\.')}`), `the build reports ${name}`);
  // An app folder laid out as in dev: the bundles in dist/electron, a renderer in dist/renderer,
  // and the repository's sources and packages beside them.
  cpSync(join(root, 'dist', 'electron'), join(dist, 'electron'), { recursive: true });
  for (const dir of ['node_modules', 'app', 'nodes', 'examples']) symlinkSync(join(root, dir), join(tmp, dir), 'junction');
  mkdirSync(join(dist, 'renderer', 'assets'), { recursive: true });
  writeFileSync(join(dist, 'renderer', 'index.html'), '<!doctype html><title>EBM Studio</title><script type="module" src="./assets/app.js"></script>');
  writeFileSync(join(dist, 'renderer', 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(dist, 'secret.txt'), 'not for the page');
  mkdirSync(join(tmp, 'graphs'));
  cpSync(join(root, 'examples', 'moons-cd.ebm.json'), join(tmp, 'graphs', 'moons.ebm.json'));

  process.env.EBM_STUDIO_USER_DATA = join(tmp, 'userData');
  const modules = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const load = modules._load;
  modules._load = function (request: string, ...rest: unknown[]) {
    return request === 'electron' ? electron : load.call(this, request, ...rest);
  };
  createRequire(import.meta.url)(join(dist, 'electron', 'main.cjs'));
});

after(() => {
  for (const child of recorded.children) child.kill();
  rmSync(tmp, { recursive: true, force: true });
});

async function until<T>(what: string, probe: () => T | undefined | null | false, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const window = () => recorded.windows[0]!;
const ours = (contents: FakeWebContents = window().webContents) => ({ sender: contents, senderFrame: { url: APP_ENTRY_URL, parent: null } });

async function call(method: string, args: unknown = {}, event: unknown = ours()): Promise<Envelope> {
  const handler = await until('the IPC handler', () => recorded.ipcHandlers.get(HOST_CALL_CHANNEL));
  return structuredClone((await handler(event, method, args)) as Envelope);
}

const pushes = (): HostPush[] => window().webContents.sent.filter(([channel]) => channel === HOST_PUSH_CHANNEL).map(([, p]) => p as HostPush);

test('the preload bundle requires only electron and exposes exactly the bridge as window.ebmStudio, replies untouched', async () => {
  const code = readFileSync(join(dist, 'electron', 'preload.cjs'), 'utf8');
  const required = [...code.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
  assert.deepEqual([...new Set(required)], ['electron'], 'a sandboxed preload can require nothing else');
  assert.doesNotMatch(code, /zod/, 'no schemas in the preload');
  const exposed = new Map<string, Record<string, unknown>>();
  const invoked: unknown[][] = [];
  const failed = { ok: false, error: { code: 'NEEDS_PATH', message: 'name the file to open' } };
  const fakeElectron = {
    contextBridge: { exposeInMainWorld: (key: string, api: Record<string, unknown>) => exposed.set(key, api) },
    ipcRenderer: {
      invoke: async (...args: unknown[]) => (invoked.push(args), args[1] === 'open' ? failed : { ok: true, result: 'r' }),
      on() {},
      removeListener() {},
    },
  };
  const sandbox = { require: (id: string) => (id === 'electron' ? fakeElectron : assert.fail(`preload required ${id}`)), module: { exports: {} }, exports: {}, console };
  vm.runInNewContext(code, sandbox, { filename: 'preload.cjs' });
  assert.deepEqual([...exposed.keys()], ['ebmStudio']);
  const api = exposed.get('ebmStudio')!;
  assert.deepEqual(Object.keys(api).sort(), [...HOST_METHOD_NAMES, 'onPush'].sort());
  // The envelope reaches the page as it came (contextBridge would strip a rejected error's code).
  assert.deepEqual(await (api.info as () => Promise<unknown>)(), { ok: true, result: 'r' });
  assert.equal(await (api.open as (a: unknown) => Promise<unknown>)({}), failed, 'a failure resolves with its envelope');
  assert.deepEqual(invoked, [
    [HOST_CALL_CHANNEL, 'info', undefined],
    [HOST_CALL_CHANNEL, 'open', {}],
  ]);
});

test('one window with the security baseline, loading our entry page; app:// registered; menus set', async () => {
  await until('the window', () => recorded.windows.length === 1);
  assert.equal(recorded.windows.length, 1);
  const preload = join(dist, 'electron', 'preload.cjs');
  assert.ok(existsSync(preload));
  assert.deepEqual((window().options as { webPreferences: unknown }).webPreferences, secureWebPreferences(preload));
  assert.equal(window().url, APP_ENTRY_URL);
  assert.match(window().getTitle(), /EBM Studio/);
  assert.deepEqual(recorded.schemes.map((s) => [s.scheme, s.privileges.standard, s.privileges.secure]), [['app', true, true]]);
  assert.equal(recorded.paths.get('userData'), join(tmp, 'userData'));
  const menu = await until('the menu', () => recorded.menus.at(-1));
  assert.deepEqual(menu.map((m) => (m as { label?: string }).label?.replace('&', '')), ['File', 'Edit', 'Run', 'View', 'Help']);
});

test('app:// serves the renderer folder with the CSP on every response, and nothing outside it', async () => {
  const handle = recorded.protocolHandlers.get('app')!;
  const get = (url: string, method = 'GET') => handle(new Request(url, { method }));
  const index = await get('app://ebm-studio/index.html');
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type')!, /text\/html/);
  assert.equal(index.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
  assert.match(await index.text(), /<title>EBM Studio<\/title>/);
  const script = await get('app://ebm-studio/assets/app.js');
  assert.equal(script.status, 200);
  assert.match(script.headers.get('content-type')!, /text\/javascript/);
  assert.equal(await script.text(), 'console.log(1)');
  for (const [url, status] of [
    ['app://ebm-studio/..%2fsecret.txt', 403],
    ['app://ebm-studio/assets/..%2f..%2fsecret.txt', 403],
    ['app://ebm-studio/missing.js', 404],
  ] as const) {
    const r = await get(url);
    assert.equal(r.status, status, url);
    assert.equal(r.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY, url);
    assert.doesNotMatch(await r.text(), /not for the page/);
  }
  assert.equal((await get('app://ebm-studio/index.html', 'POST')).status, 405);
});

test('navigation off our origin and new windows are refused; web links go to the system browser', () => {
  const contents = window().webContents;
  const navigate = (name: string, url: string) => {
    const event = fakeEvent({ url });
    contents.emit(name, event, url);
    return event.defaultPrevented;
  };
  assert.equal(navigate('will-navigate', 'app://ebm-studio/index.html'), false);
  assert.equal(navigate('will-navigate', 'https://evil.example/'), true);
  assert.equal(navigate('will-navigate', 'file:///etc/passwd'), true);
  assert.equal(navigate('will-navigate', 'app://ebm-studio.evil/'), true);
  assert.equal(navigate('will-redirect', 'https://evil.example/'), true);
  assert.equal(navigate('will-redirect', 'app://ebm-studio/index.html'), false);
  assert.equal(navigate('will-attach-webview', 'app://ebm-studio/'), true);
  assert.deepEqual(contents.windowOpenHandler!({ url: 'https://arxiv.org/abs/2101.03288' }), { action: 'deny' });
  assert.deepEqual(contents.windowOpenHandler!({ url: 'file:///etc/passwd' }), { action: 'deny' });
  assert.deepEqual(recorded.opened, ['https://evil.example/', 'https://arxiv.org/abs/2101.03288'], 'only http(s) links are opened outside');
});

test('permission requests are denied, except the clipboard for our page', () => {
  const ask = (permission: string, requestingUrl: string) => {
    let granted: boolean | null = null;
    recorded.permissionRequest!(window().webContents, permission, (g: boolean) => (granted = g), { requestingUrl, isMainFrame: true });
    return granted;
  };
  assert.equal(ask('media', APP_ENTRY_URL), false);
  assert.equal(ask('notifications', APP_ENTRY_URL), false);
  assert.equal(ask('clipboard-read', APP_ENTRY_URL), true);
  assert.equal(ask('clipboard-read', 'https://evil.example/'), false);
  assert.equal(recorded.permissionCheck!(window().webContents, 'geolocation', 'app://ebm-studio', {}), false);
  assert.equal(recorded.permissionCheck!(window().webContents, 'clipboard-sanitized-write', 'app://ebm-studio', {}), true);
});

test('host calls: served to our window, refused to anyone else, errors keep their codes', async () => {
  const info = await call('info');
  assert.ok(info.ok);
  assert.equal((info.result as { host: string }).host, 'electron');
  assert.equal((info.result as { nativeDialogs: boolean }).nativeDialogs, true);
  const refused = async (event: unknown) => {
    const r = await call('info', {}, event);
    assert.ok(!r.ok && r.error.code === 'UNTRUSTED_SENDER');
  };
  await refused({ sender: {}, senderFrame: { url: APP_ENTRY_URL, parent: null } });
  await refused({ ...ours(), senderFrame: { url: APP_ENTRY_URL, parent: {} } });
  await refused({ ...ours(), senderFrame: { url: 'https://evil.example/', parent: null } });
  await refused({ ...ours(), senderFrame: null });
  const unknown = await call('shutdown');
  assert.ok(!unknown.ok && unknown.error.code === 'UNKNOWN_METHOD');
  const bad = await call('open', { path: 7 });
  assert.ok(!bad.ok && bad.error.code === 'INVALID_ARGUMENT');
  const cancelled = await call('open', {});
  assert.deepEqual(cancelled, { ok: true, result: null }, 'the (fake) open dialog was cancelled');
});

test('a run trains in a separate process running runner.cjs, and its events are pushed to the window', async () => {
  const example = await call('openExample', { id: 'gaussian-ml' });
  assert.ok(example.ok);
  const document = (example.result as { document: unknown }).document;
  const started = await call('run', { document, steps: 20, backend: 'cpu' });
  assert.ok(started.ok, JSON.stringify(started));
  const { runId } = started.result as { runId: string; folder: string };
  assert.equal(recorded.children.length, 1, 'one utility process per run');
  const events = await until('the run to finish', () => {
    const mine = pushes().flatMap((p) => (p.kind === 'runEvent' && p.runId === runId ? [p.event] : []));
    return mine.some((e) => e.type === 'finished' || e.type === 'failed') && mine;
  });
  assert.equal(events[0]?.type, 'started');
  assert.equal(events.at(-1)?.type, 'finished', JSON.stringify(events.at(-1)));
  assert.ok(existsSync(join(tmp, 'userData', 'runs', runId, 'summary.json')));
  const runs = await call('listRuns');
  assert.ok(runs.ok && (runs.result as { runId: string; state: string }[]).some((r) => r.runId === runId && r.state === 'completed'));
  await until('the runner process to be ended', () => recorded.children[0]!.exitCode !== null || recorded.children[0]!.signalCode !== null);
});

test('Open Recent follows opened files and clears', async () => {
  const path = join(tmp, 'graphs', 'moons.ebm.json');
  const opened = await call('open', { path });
  assert.ok(opened.ok && (opened.result as { path: string }).path === path);
  type Item = { label?: string; click?: () => void; submenu?: Item[] };
  const recentMenu = () => (recorded.menus.at(-1) as Item[])[0]!.submenu!.find((i) => i.label === 'Open Recent')!.submenu!;
  await until('the menu to list the file', () => recentMenu().some((i) => i.label === path));
  recentMenu().find((i) => i.label === path)!.click!();
  assert.deepEqual(pushes().at(-1), { kind: 'command', command: { command: 'openPath', path } });
  recentMenu().find((i) => /clear/i.test(i.label ?? ''))!.click!();
  await until('the menu to be cleared', () => !recentMenu().some((i) => i.label === path));
  assert.deepEqual(await call('recentFiles'), { ok: true, result: [] });
  assert.deepEqual(JSON.parse(readFileSync(join(tmp, 'userData', 'recent-files.json'), 'utf8')), []);
});

test('menu items send their commands to the window', () => {
  type Item = { click?: () => void; submenu?: Item[] };
  const flat = (items: Item[]): Item[] => items.flatMap((i) => [i, ...flat(i.submenu ?? [])]);
  const before = pushes().length;
  for (const item of flat(recorded.menus.at(-1) as Item[])) item.click?.();
  const sent = pushes().slice(before).flatMap((p) => (p.kind === 'command' ? [p.command.command] : []));
  assert.deepEqual([...new Set(sent)].sort(), [...MENU_COMMANDS].sort());
});

test('a second launch with a file asks the window to open it', () => {
  recorded.windows[0]!.webContents.sent.length = 0;
  electron.app.emit('second-instance', fakeEvent(), ['/usr/bin/ebm-studio', '--flag', 'graphs/x.ebm.json'], '/home/u');
  assert.deepEqual(pushes(), [{ kind: 'command', command: { command: 'openPath', path: resolve('/home/u', 'graphs/x.ebm.json') } }]);
});

test('the title follows the document; closing with unsaved changes prompts; Save closes once saved', async () => {
  await call('setDocumentState', { name: 'moons.ebm.json', dirty: true });
  assert.equal(window().getTitle(), process.platform === 'darwin' ? 'moons.ebm.json — EBM Studio' : '• moons.ebm.json — EBM Studio');

  recorded.messageBoxResponse = 2; // Cancel
  window().close();
  await until('the prompt', () => recorded.messageBoxes.length === 1);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(window().isDestroyed(), false);
  assert.deepEqual((recorded.messageBoxes[0] as { buttons: string[] }).buttons, ['Save', "Don't Save", 'Cancel']);

  recorded.messageBoxResponse = 0; // Save
  window().close();
  await until('saveAndClose', () => pushes().some((p) => p.kind === 'command' && p.command.command === 'saveAndClose'));
  assert.equal(window().isDestroyed(), false, 'still open while the renderer saves');
  await call('setDocumentState', { name: 'moons.ebm.json', dirty: false });
  assert.equal(window().isDestroyed(), true, 'closed once the document is saved');
});

test('quitting waits for the services to shut down, then quits', async () => {
  const quits = recorded.quits;
  const event = fakeEvent();
  electron.app.emit('will-quit', event);
  assert.equal(event.defaultPrevented, true);
  await until('the quit', () => recorded.quits > quits);
  const again = fakeEvent();
  electron.app.emit('will-quit', again);
  assert.equal(again.defaultPrevented, false, 'the second will-quit goes through');
});
