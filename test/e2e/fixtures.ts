// Each test gets its own web host on a fresh workspace, and a page opened at its address.
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';
import { createWebHost, type WebHost } from '../../main/web/server.ts';

/** Screenshots worth looking at are kept here (and uploaded by CI as artifacts). */
export const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');

export interface Studio {
  host: WebHost;
  workspace: string;
}

export const test = base.extend<{ studio: Studio; app: Page }>({
  // eslint-disable-next-line no-empty-pattern
  studio: async ({}, use) => {
    const workspace = mkdtempSync(join(tmpdir(), 'ebm-e2e-'));
    cpSync(join(import.meta.dirname, '..', 'fixtures', 'broken'), join(workspace, 'broken'), { recursive: true });
    const host = await createWebHost({ workspace });
    await use({ host, workspace });
    await host.close();
    rmSync(workspace, { recursive: true, force: true });
  },
  app: async ({ page, studio }, use) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(studio.host.url);
    await expect(page.getByTestId('palette')).toBeVisible();
    await use(page);
    expect(errors, 'no uncaught errors in the page').toEqual([]);
  },
});

export { expect };

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}
