// The desktop app itself: Electron launches the bundled main process, the window opens on our
// page, and the page sees exactly the host contract on window.ebmStudio (no require, no process).
// Runs where Electron's binary and a display exist; anywhere else it says why it was skipped.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron, expect, test, type ElectronApplication } from '@playwright/test';
import { HOST_METHOD_NAMES } from '../../app/api/methods.ts';

const root = join(import.meta.dirname, '..', '..');
const mainBundle = join(root, 'dist', 'electron', 'main.cjs');

/** The Electron binary, or why there is none. */
function electronBinary(): { path: string } | { missing: string } {
  let path: unknown;
  try {
    path = createRequire(import.meta.url)('electron');
  } catch (e) {
    return { missing: `Electron's binary is not installed (require('electron') threw: ${e instanceof Error ? e.message : String(e)})` };
  }
  if (typeof path !== 'string' || !existsSync(path)) return { missing: `Electron's binary is not installed (no file at ${String(path)})` };
  return { path };
}

function noDisplay(): string | null {
  if (process.platform !== 'linux' || process.env.DISPLAY || process.env.WAYLAND_DISPLAY) return null;
  return 'no display to open a window on (neither DISPLAY nor WAYLAND_DISPLAY is set; run under xvfb-run)';
}

test.describe('Electron app', () => {
  let app: ElectronApplication | null = null;
  let userData = '';

  test.beforeAll(() => {
    const binary = electronBinary();
    if ('missing' in binary) return;
    if (noDisplay()) return;
    const built = spawnSync(process.execPath, [join(root, 'scripts', 'build-electron.mjs')], { cwd: root, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`building the Electron bundles failed:\n${built.stderr}`);
    if (!existsSync(join(root, 'dist', 'renderer', 'index.html'))) throw new Error('dist/renderer is not built: run npm run build:renderer first');
  });

  test.beforeEach(async () => {
    const binary = electronBinary();
    // The list reporter does not print skip reasons: say it in the output too.
    if ('missing' in binary) {
      console.log(`electron spec skipped: ${binary.missing}`);
      return test.skip(true, binary.missing);
    }
    const display = noDisplay();
    if (display) {
      console.log(`electron spec skipped: ${display}`);
      return test.skip(true, display);
    }
    userData = mkdtempSync(join(tmpdir(), 'ebm-electron-e2e-'));
    const runningAsRoot = process.getuid?.() === 0;
    app = await _electron.launch({
      executablePath: binary.path,
      // Chromium refuses to sandbox as root (CI containers); the page's own sandbox flag is still set.
      args: [...(runningAsRoot ? ['--no-sandbox'] : []), mainBundle],
      cwd: root,
      env: { ...process.env, EBM_STUDIO_USER_DATA: userData } as Record<string, string>,
    });
  });

  test.afterEach(async () => {
    await app?.close();
    app = null;
    if (userData) rmSync(userData, { recursive: true, force: true });
  });

  test('the window opens on our page with exactly the host contract, and no Node', async () => {
    const page = await app!.firstWindow();
    await page.waitForLoadState('domcontentloaded');
    expect(page.url()).toMatch(/^app:\/\/ebm-studio\//);

    await expect.poll(() => app!.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().map((w) => w.getTitle()))).toEqual([expect.stringContaining('EBM Studio')]);

    const seen = await page.evaluate(() => {
      const g = globalThis as unknown as { ebmStudio?: Record<string, unknown>; require?: unknown; process?: unknown };
      const api = g.ebmStudio;
      return {
        keys: api ? Object.keys(api).sort() : null,
        functions: api ? Object.values(api).every((v) => typeof v === 'function') : false,
        require: typeof g.require,
        process: typeof g.process,
      };
    });
    expect(seen.keys).toEqual([...HOST_METHOD_NAMES, 'onPush'].sort());
    expect(seen.functions).toBe(true);
    expect(seen.require).toBe('undefined');
    expect(seen.process).toBe('undefined');

    // The bridge hands back the envelope (an Error's code would not survive contextBridge);
    // the renderer's hostFromBridge unwraps it.
    const info = await page.evaluate(() => (globalThis as unknown as { ebmStudio: { info(a: object): Promise<unknown> } }).ebmStudio.info({}));
    expect(info).toMatchObject({ ok: true, result: { host: 'electron', nativeDialogs: true } });
  });
});
