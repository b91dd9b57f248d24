// File > Export from the UI: the experiment as a TypeScript project or a PyTorch script, written by
// the host into a new folder (the web host: a folder of the workspace named in the dialog; Electron
// asks with its own dialog, which a test cannot click, so this runs on the web host).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, screenshot, test } from './fixtures.ts';

test('Export writes a TypeScript project of the open example, says where and how to run it; a second export to the same folder is refused', async ({ app: page, studio }) => {
  test.skip(studio.kind !== 'web', 'Electron picks the folder with its native dialog, which a test cannot drive; the host call is the same');
  await page.getByTestId('examples').click();
  await page.getByTestId('example-gaussian-ml').click();

  await page.getByTestId('export').click();
  const dialog = page.getByTestId('export-dialog');
  await expect(dialog).toBeVisible();
  await expect(page.getByTestId('export-folder')).toHaveValue(/^exports\/.+-typescript$/);
  await page.getByTestId('export-folder').fill('exports/gaussian-ts');
  await screenshot(page, 'export-dialog');
  await page.getByTestId('export-go').click();

  const done = page.getByTestId('exported-dialog');
  await expect(done).toContainText('exports/gaussian-ts');
  await expect(done).toContainText('npm install && npm start');
  await screenshot(page, 'export-done');
  const train = join(studio.workspace, 'exports', 'gaussian-ts', 'train.ts');
  expect(existsSync(train)).toBe(true);
  expect(readFileSync(train, 'utf8')).toContain('energyGaussianNode.build(');
  await done.getByRole('button', { name: 'Close' }).click();

  // PyTorch: the target changes the suggested folder.
  await page.getByTestId('export').click();
  await page.getByTestId('export-pytorch').check();
  await expect(page.getByTestId('export-folder')).toHaveValue(/-pytorch$/);
  await page.getByTestId('export-folder').fill('exports/gaussian-ts');
  await page.getByTestId('export-go').click();
  // The folder is not empty: the host refuses and the UI says why; the project already there stays.
  await expect(page.getByTestId('notice')).toContainText(/empty/);
  expect(existsSync(join(studio.workspace, 'exports', 'gaussian-ts', 'train.py'))).toBe(false);
  expect(existsSync(train)).toBe(true);
});
