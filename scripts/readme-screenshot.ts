// Takes the README's picture of the app: the 8-Gaussians example trained to the end in the real
// UI (web host + Debian's Chromium), written to docs/app-editor.png. Run: npm run screenshot.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { createWebHost } from '../main/web/server.ts';

const out = join(import.meta.dirname, '..', 'docs', 'app-editor.png');
const workspace = mkdtempSync(join(tmpdir(), 'ebm-screenshot-'));
const host = await createWebHost({ workspace });
const browser = await chromium.launch({
  executablePath: process.env.EBM_STUDIO_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 }, deviceScaleFactor: 1 });
  await page.goto(host.url);
  await page.getByTestId('examples').click();
  await page.getByTestId('example-8gaussians-pcd').click();
  await page.getByTestId('layout').click();
  await page.getByTestId('run').click();
  console.error('training the 8-Gaussians example to the end (a few minutes)…');
  await page.getByTestId('run-progress').and(page.locator('[data-state="completed"]')).waitFor({ timeout: 30 * 60_000 });
  await page.getByTestId('node-sampler').locator('.ebm-node__title').click();
  await page.waitForTimeout(500);
  await page.screenshot({ path: out });
  console.error(`wrote ${out}`);
} finally {
  await browser.close();
  await host.close();
  rmSync(workspace, { recursive: true, force: true });
}
