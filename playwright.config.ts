// End-to-end tests: Playwright drives the real UI (test/e2e/*.spec.ts) in two projects. chromium:
// Debian's Chromium against the web host (every spec but electron.spec.ts, which is about the
// desktop app). electron: every spec in the desktop app, through Playwright's Electron support
// (test/e2e/fixtures.ts builds and launches it); where Electron's binary or a display is missing,
// each test is skipped and the output says why.
import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';

/** Debian's Chromium (never a downloaded browser); EBM_STUDIO_CHROMIUM names another. */
const chromium = process.env.EBM_STUDIO_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(chromium))
  throw new Error(`The end-to-end tests need Chromium at ${chromium}: install Debian's package (apt-get install chromium) or set EBM_STUDIO_CHROMIUM to a Chromium binary.`);

export default defineConfig({
  testDir: 'test/e2e',
  outputDir: 'test-results',
  // Training takes one core and the browser the other: one test at a time.
  workers: 1,
  fullyParallel: false,
  timeout: 180_000,
  expect: { timeout: 20_000 },
  reporter: [['list']],
  use: {
    viewport: { width: 1600, height: 1000 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      testIgnore: /electron\.spec\.ts/,
      use: {
        browserName: 'chromium',
        launchOptions: {
          executablePath: chromium,
          // As root Chromium needs --no-sandbox; the rest keep it off this machine's closed network.
          args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
        },
      },
    },
    // No browser: the fixtures launch the app with _electron (and build its bundles once per worker).
    { name: 'electron' },
  ],
});
