// The Electron security baseline (DESIGN §7), as plain data and pure functions so that tests can
// hold every part of it: the window's web preferences, the CSP, which URLs are ours, which IPC
// senders are trusted, how an app:// request maps to a file, and which permissions are granted.
import * as nodePath from 'node:path';
import type { Privileges, WebPreferences } from 'electron';
import { contentSecurityPolicy, contentType } from '../renderer-assets.ts';

export const APP_SCHEME = 'app';
export const APP_HOST = 'ebm-studio';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** The page the window loads. */
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * How app:// is registered (before `ready`): a standard, secure scheme, so pages on it have a real
 * origin (app://ebm-studio), count as a secure context, and can fetch their own files (module
 * scripts, wasm, workers). No service workers, no access from other schemes.
 */
export const APP_SCHEME_PRIVILEGES: Privileges = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
  // Vite emits `<script type="module" crossorigin>`: module scripts are fetched in CORS mode,
  // which Chromium allows only on schemes marked CORS-enabled. Our responses carry no
  // Access-Control-Allow-Origin header, so no other origin can read them.
  corsEnabled: true,
  codeCache: true,
  allowServiceWorkers: false,
  bypassCSP: false,
};

/** Served on every app:// response. */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

/** The one window's web preferences: isolated, sandboxed, no Node, no webviews. */
export function secureWebPreferences(preload: string): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
  };
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * True for a URL on our origin, app://ebm-studio/ exactly: not app://ebm-studio.evil/, not
 * app://evil/, no user info, no port, no other scheme. The path does not matter here (the
 * protocol handler refuses paths that leave the renderer folder).
 */
export function isOurUrl(url: string): boolean {
  const u = parse(url);
  return u !== null && u.protocol === `${APP_SCHEME}:` && u.hostname === APP_HOST && u.port === '' && u.username === '' && u.password === '';
}

/** Links the app may hand to the system browser (never file:, app: or custom schemes). */
export function isExternalLink(url: string): boolean {
  const u = parse(url);
  return u !== null && (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== '';
}

/** What the IPC handler knows of a call's origin (a subset of IpcMainInvokeEvent). */
export interface SenderLike {
  readonly sender: unknown;
  readonly senderFrame: { readonly url: string; readonly parent: unknown } | null;
}

/**
 * A host call is served only when it comes from our window's own web contents, from its top
 * frame, on our origin: not from another window, a subframe, or a page navigated elsewhere.
 */
export function isTrustedSender(event: SenderLike, ourWebContents: unknown): boolean {
  if (ourWebContents === null || ourWebContents === undefined || event.sender !== ourWebContents) return false;
  const frame = event.senderFrame;
  return frame !== null && frame.parent === null && isOurUrl(frame.url);
}

export type AppFileResolution = { ok: true; file: string } | { ok: false; status: 400 | 403 | 404 };

/**
 * Maps an app:// request to a file in the renderer folder. Refuses other origins, undecodable
 * paths, NUL characters and anything that would resolve outside `root` (including encoded `..`,
 * `%2f` and, on Windows, `%5c`). `path` is swappable so tests can check Windows rules anywhere.
 */
export function resolveAppFile(requestUrl: string, root: string, path: nodePath.PlatformPath = nodePath): AppFileResolution {
  const u = parse(requestUrl);
  if (u === null) return { ok: false, status: 400 };
  if (!isOurUrl(u.href)) return { ok: false, status: 403 };
  let pathname: string;
  try {
    pathname = decodeURIComponent(u.pathname);
  } catch {
    return { ok: false, status: 400 };
  }
  if (pathname.includes('\0')) return { ok: false, status: 400 };
  if (pathname === '' || pathname.endsWith('/')) pathname += 'index.html';
  const base = path.resolve(root);
  const file = path.resolve(base, `.${pathname.startsWith('/') ? '' : '/'}${pathname}`);
  const rel = path.relative(base, file);
  if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) return { ok: false, status: 403 };
  return { ok: true, file };
}



/** The headers of every app:// response. */
export function responseHeaders(file: string): Record<string, string> {
  return {
    'Content-Type': contentType(file),
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-cache',
  };
}

/**
 * Permission requests and checks: everything is denied, except the clipboard for our own page.
 * The menus send Copy and Paste to the renderer as commands (it owns the selection); without a key
 * event there is no user gesture, so copying nodes needs the clipboard permissions. Our origin
 * runs only our own scripts (the CSP above), so this grants nothing to anyone else.
 */
const CLIPBOARD_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-read', 'clipboard-sanitized-write']);

export function isPermissionAllowed(permission: string, requestingUrl: string): boolean {
  return CLIPBOARD_PERMISSIONS.has(permission) && isOurUrl(requestingUrl);
}
