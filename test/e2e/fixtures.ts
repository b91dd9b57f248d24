// Each test gets its own host on a fresh workspace, and the app's page on it. The host follows the
// Playwright project: 'electron' starts the desktop app (where its binary and a display exist, and
// skips saying why where they do not); any other project runs the web host in its browser.
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, expect, type Browser, type BrowserContext, type ElectronApplication, type Page, type TestInfo } from '@playwright/test';
import { createWebHost, type WebHost } from '../../main/web/server.ts';
import { closeElectron, electronUnavailable, launchElectron } from './electron-host.ts';

/** Screenshots worth looking at are kept here (and uploaded by CI as artifacts). */
export const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');

/** The specs' files live in `workspace` (with a copy of test/fixtures/broken in broken/). */
export type Studio =
  | { kind: 'web'; workspace: string; host: WebHost }
  | { kind: 'electron'; workspace: string; electron: ElectronApplication; userData: string };

export const hostKind = (info: TestInfo): Studio['kind'] => (info.project.name === 'electron' ? 'electron' : 'web');

/** Skips the test, saying why in the output too (the list reporter does not print skip reasons). */
export function skipBecause(testInfo: TestInfo, reason: string): void {
  console.log(`skipped (${testInfo.project.name}): ${testInfo.title}: ${reason}`);
  testInfo.skip(true, reason);
}

export const test = base.extend<{ studio: Studio; app: Page }, { webBrowser: () => Promise<Browser> }>({
  // The web host's browser, launched on first use (with the project's launch options, as
  // Playwright's own `browser` fixture does): the electron project never starts one.
  webBrowser: [
    async ({ playwright }, use) => {
      let browser: Promise<Browser> | undefined;
      await use(() => (browser ??= playwright.chromium.launch()));
      if (browser) await (await browser).close();
    },
    { scope: 'worker' },
  ],

  // eslint-disable-next-line no-empty-pattern
  studio: async ({}, use, testInfo) => {
    const kind = hostKind(testInfo);
    if (kind === 'electron') {
      const unavailable = electronUnavailable();
      if (unavailable) return skipBecause(testInfo, unavailable);
    }
    const workspace = mkdtempSync(join(tmpdir(), 'ebm-e2e-'));
    cpSync(join(import.meta.dirname, '..', 'fixtures', 'broken'), join(workspace, 'broken'), { recursive: true });
    try {
      if (kind === 'web') {
        const host = await createWebHost({ workspace });
        try {
          await use({ kind, workspace, host });
        } finally {
          await host.close();
        }
      } else {
        const userData = mkdtempSync(join(tmpdir(), 'ebm-electron-e2e-'));
        try {
          const electron = await launchElectron(userData);
          try {
            await use({ kind, workspace, electron, userData });
          } finally {
            await closeElectron(electron);
          }
        } finally {
          rmSync(userData, { recursive: true, force: true });
        }
      }
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  },

  app: async ({ studio, webBrowser, viewport }, use) => {
    let page: Page;
    let context: BrowserContext | null = null;
    if (studio.kind === 'web') {
      // The project's context options (viewport…), tracing and screenshots apply to this context too.
      context = await (await webBrowser()).newContext();
      page = await context.newPage();
    } else {
      page = await studio.electron.firstWindow();
      // The window the specs were written for: the web project's viewport.
      if (viewport) await studio.electron.evaluate(({ BrowserWindow }, size) => BrowserWindow.getAllWindows()[0]?.setContentSize(size.width, size.height), viewport);
    }
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      if (studio.kind === 'web') await page.goto(studio.host.url);
      await expect(page.getByTestId('palette')).toBeVisible();
      await use(page);
      expect(errors, 'no uncaught errors in the page').toEqual([]);
    } finally {
      await context?.close();
    }
  },
});

export { expect };

/** Saves test/artifacts/<name>.png (<name>-electron.png from the desktop app). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const suffix = hostKind(test.info()) === 'electron' ? '-electron' : '';
  await page.screenshot({ path: join(ARTIFACTS, `${name}${suffix}.png`) });
}
