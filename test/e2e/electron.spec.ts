// The desktop app itself: Electron launches the bundled main process, the window opens on our
// page, and the page sees exactly the host contract on window.ebmStudio (no require, no process).
// Runs in the electron project only (the chromium project ignores this file), where Electron's
// binary and a display exist; anywhere else the studio fixture skips it and says why.
import { HOST_METHOD_NAMES } from '../../app/api/methods.ts';
import { expect, test } from './fixtures.ts';

test('the window opens on our page with exactly the host contract, and no Node', async ({ app: page, studio }) => {
  if (studio.kind !== 'electron') throw new Error('electron.spec.ts runs in the electron project');
  const app = studio.electron;
  expect(page.url()).toMatch(/^app:\/\/ebm-studio\//);

  await expect.poll(() => app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().map((w) => w.getTitle()))).toEqual([expect.stringContaining('EBM Studio')]);

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
