// The desktop app as a host for the specs: whether it can run here (Electron's binary and a
// display), its bundles built once per worker, and a launch on a fresh user data folder.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { _electron, type ElectronApplication } from '@playwright/test';

const root = join(import.meta.dirname, '..', '..');
const mainBundle = join(root, 'dist', 'electron', 'main.cjs');

/** Why the Electron app cannot run here, or null when it can. */
export function electronUnavailable(): string | null {
  let path: unknown;
  try {
    path = createRequire(import.meta.url)('electron');
  } catch (e) {
    return `Electron's binary is not installed (require('electron') threw: ${e instanceof Error ? e.message : String(e)})`;
  }
  if (typeof path !== 'string' || !existsSync(path)) return `Electron's binary is not installed (no file at ${String(path)})`;
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY)
    return 'no display to open a window on (neither DISPLAY nor WAYLAND_DISPLAY is set; run under xvfb-run)';
  return null;
}

let built = false;

/** Bundles main, preload and runner (scripts/build-electron.mjs) once per worker; the renderer must be built already. */
function buildOnce(): void {
  if (built) return;
  const result = spawnSync(process.execPath, [join(root, 'scripts', 'build-electron.mjs')], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`building the Electron bundles failed:\n${result.stderr}`);
  if (!existsSync(join(root, 'dist', 'renderer', 'index.html'))) throw new Error('dist/renderer is not built: run npm run build:renderer first');
  built = true;
}

/** Starts the app with its user data (settings, recent files, runs/) in `userData`. */
export async function launchElectron(userData: string): Promise<ElectronApplication> {
  buildOnce();
  // Playwright starts require('electron') with its loader. Chromium refuses to sandbox as root
  // (CI containers); the page's own sandbox flag is still set.
  const runningAsRoot = process.getuid?.() === 0;
  return _electron.launch({
    args: [...(runningAsRoot ? ['--no-sandbox'] : []), mainBundle],
    cwd: root,
    env: { ...process.env, EBM_STUDIO_USER_DATA: userData } as Record<string, string>,
  });
}

/**
 * Quits the app. A document with unsaved changes would ask (a native message box) before the
 * window closes: the answer is "Don't Save". A quit that hangs ends with the process killed.
 */
export async function closeElectron(app: ElectronApplication): Promise<void> {
  await app
    .evaluate(({ dialog }) => {
      // CLOSE_PROMPT_BUTTONS of main/electron/window-state.ts: Save, Don't Save, Cancel.
      dialog.showMessageBox = async () => ({ response: 1, checkboxChecked: false });
    })
    .catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([
    app.close().then(() => true),
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), 30_000))),
  ]);
  clearTimeout(timer);
  if (!closed) app.process().kill('SIGKILL');
}
