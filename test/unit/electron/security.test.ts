// The security baseline as data: web preferences, the CSP, which URLs are ours, which IPC senders
// are served, how app:// requests map to files, and which permissions are granted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import {
  APP_ENTRY_URL,
  APP_SCHEME_PRIVILEGES,
  CONTENT_SECURITY_POLICY,
  isExternalLink,
  isOurUrl,
  isPermissionAllowed,
  isTrustedSender,
  resolveAppFile,
  responseHeaders,
  secureWebPreferences,
} from '../../../main/electron/security.ts';
import { contentType } from '../../../main/renderer-assets.ts';

test('the window is isolated, sandboxed, without Node, webviews or spellcheck, with our preload', () => {
  const prefs = secureWebPreferences('/x/preload.cjs');
  assert.equal(prefs.preload, '/x/preload.cjs');
  for (const [key, value] of Object.entries({
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
  }))
    assert.equal(prefs[key as keyof typeof prefs], value, key);
});

test('app:// is registered standard and secure, without bypassing the CSP', () => {
  assert.equal(APP_SCHEME_PRIVILEGES.standard, true);
  assert.equal(APP_SCHEME_PRIVILEGES.secure, true);
  assert.notEqual(APP_SCHEME_PRIVILEGES.bypassCSP, true);
  assert.notEqual(APP_SCHEME_PRIVILEGES.allowServiceWorkers, true);
});

test('the CSP is the strict policy, directive by directive', () => {
  assert.equal(
    CONTENT_SECURITY_POLICY,
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  );
  const directives = new Map(CONTENT_SECURITY_POLICY.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
  assert.deepEqual(directives.get('script-src'), ["'self'", "'wasm-unsafe-eval'"], 'no unsafe-eval, no inline scripts, no remote scripts');
  assert.deepEqual(directives.get('object-src'), ["'none'"]);
  assert.deepEqual(directives.get('frame-ancestors'), ["'none'"]);
  assert.ok(![...directives.values()].flat().some((v) => /^https?:|^\*$/.test(v)), 'nothing is loaded from the network');
});

test('every app:// response carries the CSP, nosniff and its content type', () => {
  const h = responseHeaders('/r/assets/index-abc.js');
  assert.equal(h['Content-Security-Policy'], CONTENT_SECURITY_POLICY);
  assert.equal(h['X-Content-Type-Options'], 'nosniff');
  assert.match(h['Content-Type']!, /^text\/javascript/);
  assert.equal(contentType('/r/tfjs-backend-wasm.wasm'), 'application/wasm', 'wasm streams only with its own type');
  assert.match(contentType('/r/index.html'), /^text\/html/);
  assert.equal(contentType('/r/unknown.bin'), 'application/octet-stream');
});

test('isOurUrl accepts our origin only', () => {
  for (const url of [APP_ENTRY_URL, 'app://ebm-studio/', 'app://ebm-studio/assets/x.js?v=1#top', 'app://ebm-studio/../x'])
    assert.equal(isOurUrl(url), true, url);
  for (const url of [
    'app://ebm-studio.evil/',
    'app://evil/',
    'app://evil.ebm-studio/',
    'app://ebm-studio%2eevil/',
    'app://ebm-studio:8080/',
    'app://user@ebm-studio/',
    'app://ebm-studio@evil/',
    'app://ebm-studio\\@evil/',
    'app:ebm-studio',
    'file:///etc/passwd',
    'file:///home/u/ebm-studio/index.html',
    'https://ebm-studio/',
    'http://localhost:5173/',
    'javascript:alert(1)',
    'data:text/html,<script>1</script>',
    'about:blank',
    'ebm-studio',
    '',
  ])
    assert.equal(isOurUrl(url), false, url);
});

test('only http(s) links go to the system browser', () => {
  assert.equal(isExternalLink('https://arxiv.org/abs/2101.03288'), true);
  assert.equal(isExternalLink('http://example.com/'), true);
  for (const url of ['file:///etc/passwd', 'app://ebm-studio/', 'javascript:alert(1)', 'smb://host/share', 'ms-settings:', 'https:/', 'not a url'])
    assert.equal(isExternalLink(url), false, url);
});

test('app:// requests map into the renderer folder and never out of it', () => {
  const root = path.resolve('/srv/renderer');
  const ok = (url: string) => {
    const r = resolveAppFile(url, root);
    assert.ok(r.ok, `${url} is served`);
    return r.file;
  };
  assert.equal(ok('app://ebm-studio/'), path.join(root, 'index.html'));
  assert.equal(ok('app://ebm-studio/index.html'), path.join(root, 'index.html'));
  assert.equal(ok('app://ebm-studio/assets/a%20b.js'), path.join(root, 'assets', 'a b.js'));
  assert.equal(ok('app://ebm-studio/../x'), path.join(root, 'x'), 'dot segments resolve inside the origin');
  assert.equal(ok('app://ebm-studio/%2e%2e/%2e%2e/etc/passwd'), path.join(root, 'etc', 'passwd'));

  const refused = (url: string, status: number) => assert.deepEqual(resolveAppFile(url, root), { ok: false, status }, url);
  refused('app://ebm-studio/..%2f..%2fetc/passwd', 403);
  refused('app://ebm-studio/assets/..%2f..%2f..%2fetc/passwd', 403);
  refused('app://ebm-studio/%2e%2e%2f', 403);
  refused('app://ebm-studio/a%00.html', 400);
  refused('app://ebm-studio/%E0%A4%A', 400);
  refused('app://ebm-studio.evil/index.html', 403);
  refused('app://evil/index.html', 403);
  refused('file:///srv/renderer/index.html', 403);
  refused('not a url', 400);
});

test('on Windows, encoded backslashes and drive letters do not escape either', () => {
  const root = 'C:\\app\\renderer';
  assert.deepEqual(resolveAppFile('app://ebm-studio/..%5c..%5cwindows%5cwin.ini', root, path.win32), { ok: false, status: 403 });
  assert.deepEqual(resolveAppFile('app://ebm-studio/C:%5cwindows%5cwin.ini', root, path.win32), { ok: false, status: 403 }, 'a drive path is refused');
  const unc = resolveAppFile('app://ebm-studio/%5c%5cserver%5cshare%5cx', root, path.win32);
  assert.ok(unc.ok && unc.file.startsWith(`${root}\\`), 'a UNC-looking name stays inside the folder');
  const fine = resolveAppFile('app://ebm-studio/assets/index.js', root, path.win32);
  assert.ok(fine.ok && fine.file === `${root}\\assets\\index.js`);
  assert.deepEqual(resolveAppFile('app://ebm-studio/assets%5c..%5c..%5cx', root, path.win32), { ok: false, status: 403 });
});

test('whatever the URL, a served file is inside the renderer folder', () => {
  const root = path.resolve('/srv/renderer');
  const pieces = ['..', '.', '%2e%2e', '%2E%2E', '%2f', '%5c', '..%2f', '%00', 'a', '', '//', '\\', '%252e%252e'];
  let served = 0;
  for (const a of pieces)
    for (const b of pieces)
      for (const c of pieces) {
        const r = resolveAppFile(`app://ebm-studio/${a}/${b}${c}/f`, root);
        if (!r.ok) continue;
        served++;
        assert.ok(r.file.startsWith(root + path.sep), `${a}/${b}${c}/f -> ${r.file}`);
      }
  assert.ok(served > 100, 'most requests are ordinary and served');
});

test('host calls are served only to our window, its top frame, on our origin', () => {
  const ours = { id: 1 };
  const frame = (url: string, parent: unknown = null) => ({ url, parent });
  assert.equal(isTrustedSender({ sender: ours, senderFrame: frame(APP_ENTRY_URL) }, ours), true);
  assert.equal(isTrustedSender({ sender: { id: 2 }, senderFrame: frame(APP_ENTRY_URL) }, ours), false, 'another web contents');
  assert.equal(isTrustedSender({ sender: ours, senderFrame: null }, ours), false, 'a frame that is gone');
  assert.equal(isTrustedSender({ sender: ours, senderFrame: frame(APP_ENTRY_URL, {}) }, ours), false, 'a subframe');
  assert.equal(isTrustedSender({ sender: ours, senderFrame: frame('https://evil.example/') }, ours), false, 'navigated away');
  assert.equal(isTrustedSender({ sender: ours, senderFrame: frame('app://ebm-studio.evil/') }, ours), false);
  assert.equal(isTrustedSender({ sender: undefined, senderFrame: frame(APP_ENTRY_URL) }, undefined), false, 'no window yet');
  assert.equal(isTrustedSender({ sender: null, senderFrame: frame(APP_ENTRY_URL) }, null), false);
});

test('permissions: only the clipboard, only for our page', () => {
  assert.equal(isPermissionAllowed('clipboard-sanitized-write', 'app://ebm-studio'), true);
  assert.equal(isPermissionAllowed('clipboard-read', 'app://ebm-studio/index.html'), true);
  assert.equal(isPermissionAllowed('clipboard-read', 'https://evil.example'), false);
  assert.equal(isPermissionAllowed('clipboard-read', 'app://ebm-studio.evil'), false);
  for (const p of ['media', 'geolocation', 'notifications', 'openExternal', 'fileSystem', 'hid', 'serial', 'usb', 'display-capture', 'unknown'])
    assert.equal(isPermissionAllowed(p, 'app://ebm-studio'), false, p);
});
