// The editor as a researcher uses it: in Chromium against the web host, and in the desktop app
// (the electron project) where it can run.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, hostKind, screenshot, skipBecause, test } from './fixtures.ts';
import { center, chooseFile, dragFromPalette, drawWire, edgeCount, handle, selectNode, setParam } from './helpers.ts';

test('builds 8 Gaussians from an empty canvas, trains it live, stops, saves and reopens the same file', async ({ app: page, studio }) => {
  await expect(page.locator('.react-flow__node')).toHaveCount(0);

  // Nodes from the palette only.
  await dragFromPalette(page, 'data.toy2d', { x: 30, y: 30 });
  await dragFromPalette(page, 'energy.mlp', { x: 30, y: 260 });
  await dragFromPalette(page, 'objective.ml', { x: 300, y: 30 });
  await dragFromPalette(page, 'sampler.langevin', { x: 300, y: 300 });
  await dragFromPalette(page, 'optimizer.adam', { x: 580, y: 30 });
  await dragFromPalette(page, 'trainer.loop', { x: 580, y: 230 });
  await dragFromPalette(page, 'monitor.training', { x: 850, y: 30 });
  await dragFromPalette(page, 'monitor.density2d', { x: 850, y: 260 });

  // Wires, port to port.
  await drawWire(page, ['toy2d', 'data'], ['ml', 'data']);
  await drawWire(page, ['mlp', 'energy'], ['ml', 'energy']);
  await drawWire(page, ['mlp', 'energy'], ['langevin', 'energy']);
  await drawWire(page, ['langevin', 'sampler'], ['ml', 'sampler']);
  await drawWire(page, ['ml', 'objective'], ['adam', 'objective']);
  await drawWire(page, ['adam', 'optimizer'], ['loop', 'optimizer']);
  await drawWire(page, ['loop', 'trainer'], ['training', 'trainer']);
  await drawWire(page, ['loop', 'trainer'], ['density2d', 'trainer']);
  await expect(page.locator('.react-flow__edge')).toHaveCount(8);

  // The inspector: the data set, and snapshots often enough to watch them change.
  await setParam(page, 'toy2d', 'dataset', '8gaussians');
  await setParam(page, 'loop', 'snapshotEvery', '40');
  await expect(page.getByTestId('param-snapshotEvery')).toHaveValue('40');
  await page.getByTestId('layout').click();
  await expect(page.getByTestId('statusbar')).toContainText('0 errors, 0 warnings');
  await screenshot(page, 'editor-built');

  // Train, and watch the plots move.
  await page.getByTestId('run').click();
  await expect(page.getByTestId('run-progress')).toHaveAttribute('data-state', 'running');
  await expect(page.getByTestId('backend-status')).toContainText(/wasm|cpu|tensorflow/);
  const curves = page.getByTestId('curves-plot');
  const samples = page.getByTestId('samples-plot');
  await expect.poll(async () => Number(await curves.getAttribute('data-points')), { timeout: 90_000 }).toBeGreaterThan(0);
  const firstPoints = Number(await curves.getAttribute('data-points'));
  // data-drawn-step is the snapshot whose picture is on the canvas (drawn by a worker).
  const drawn = samples.locator('[data-drawn-step]');
  await expect(drawn).toHaveAttribute('data-drawn-step', /\d+/, { timeout: 90_000 });
  const firstStep = Number(await drawn.getAttribute('data-drawn-step'));
  const firstPicture = await samples.locator('canvas').screenshot();
  await expect.poll(async () => Number(await drawn.getAttribute('data-drawn-step')), { timeout: 90_000 }).toBeGreaterThan(firstStep);
  expect(Number(await curves.getAttribute('data-points'))).toBeGreaterThan(firstPoints);
  const laterPicture = await samples.locator('canvas').screenshot();
  expect(laterPicture.equals(firstPicture), 'the samples plot is redrawn with the new snapshot').toBe(false);
  await screenshot(page, 'run-live');

  await page.getByTestId('stop').click();
  await expect(page.getByTestId('run-progress')).toHaveAttribute('data-state', 'cancelled', { timeout: 60_000 });
  await expect(page.getByTestId('run')).toBeVisible();

  // Save as a file of the workspace, reload the page, open it, save again: the same bytes.
  await chooseFile(page, studio, 'save', 'my-8gaussians', () => page.getByTestId('save-as').click());
  await expect(page.getByTestId('file-state')).toHaveText('my-8gaussians.ebm.json — saved');
  const file = join(studio.workspace, 'my-8gaussians.ebm.json');
  const saved = readFileSync(file, 'utf8');
  expect(JSON.parse(saved).nodes).toHaveLength(8);

  await page.reload();
  await expect(page.locator('.react-flow__node')).toHaveCount(0);
  await chooseFile(page, studio, 'open', 'my-8gaussians.ebm.json', () => page.getByTestId('open').click());
  await expect(page.locator('.react-flow__node')).toHaveCount(8);
  await expect(page.locator('.react-flow__edge')).toHaveCount(8);
  await expect(page.getByTestId('file-state')).toHaveText('my-8gaussians.ebm.json — saved');
  await page.getByTestId('save').click();
  // The web host names files relative to its workspace, the desktop app by absolute path.
  await expect(page.getByTestId('notice')).toContainText(/Saved (.*\/)?my-8gaussians\.ebm\.json/);
  expect(readFileSync(file, 'utf8')).toBe(saved);

  // The run is listed with its summary and reopens its plots.
  await page.getByTestId('tab-runs').click();
  const listed = page.getByTestId('runs-list').locator('[data-run-id]').first();
  await expect(listed).toContainText(/stopped/i);
  await listed.click();
  await expect(samples).toHaveAttribute('data-step', /\d+/);
  await expect.poll(async () => Number(await curves.getAttribute('data-points'))).toBeGreaterThan(0);
});

test('undo and redo every edit; a drag is one step', async ({ app: page }) => {
  await dragFromPalette(page, 'data.toy2d', { x: 60, y: 60 });
  await dragFromPalette(page, 'objective.ml', { x: 400, y: 60 });
  await drawWire(page, ['toy2d', 'data'], ['ml', 'data']);
  await expect(page.locator('.react-flow__edge')).toHaveCount(1);

  // One drag, many mouse moves: one undo step.
  const node = page.getByTestId('node-toy2d');
  const start = await node.boundingBox();
  const grip = await center(node.locator('.ebm-node__title'));
  await page.mouse.move(grip.x, grip.y);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(grip.x + i * 12, grip.y + i * 8);
  await page.mouse.up();
  const moved = await node.boundingBox();
  expect(moved!.x - start!.x).toBeGreaterThan(100);

  await setParam(page, 'ml', 'alpha', '0.5');
  await page.getByTestId('undo').click(); // the parameter
  await selectNode(page, 'ml');
  await expect(page.getByTestId('param-alpha')).toHaveValue('0.1');
  await page.keyboard.press('Escape');
  await page.getByTestId('undo').click(); // the whole drag
  await expect.poll(async () => (await node.boundingBox())!.x).toBeCloseTo(start!.x, 0);
  await page.getByTestId('undo').click(); // the wire
  await expect(page.locator('.react-flow__edge')).toHaveCount(0);
  await page.getByTestId('undo').click(); // the second node
  await expect(page.locator('.react-flow__node')).toHaveCount(1);

  await page.getByTestId('redo').click();
  await page.getByTestId('redo').click();
  await expect(page.locator('.react-flow__node')).toHaveCount(2);
  await expect(page.locator('.react-flow__edge')).toHaveCount(1);
  await page.getByTestId('redo').click();
  await expect.poll(async () => (await node.boundingBox())!.x).toBeCloseTo(moved!.x, 0);

  // Keyboard: delete the selection, Ctrl+Z brings it back with its wire.
  await selectNode(page, 'toy2d');
  await page.getByTestId('canvas').locator('.react-flow__pane').hover();
  await page.keyboard.press('Delete');
  await expect(page.locator('.react-flow__node')).toHaveCount(1);
  await expect(page.locator('.react-flow__edge')).toHaveCount(0);
  await page.keyboard.press('Control+z');
  await expect(page.locator('.react-flow__node')).toHaveCount(2);
  await expect(page.locator('.react-flow__edge')).toHaveCount(1);

  // Copy and paste: new ids, the wire between them comes along.
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Control+c');
  await page.keyboard.press('Control+v');
  await expect(page.locator('.react-flow__node')).toHaveCount(4);
  await expect(page.locator('.react-flow__edge')).toHaveCount(2);
  await expect(page.getByTestId('node-toy2d-2')).toBeVisible();
});

test('an invalid connection is refused, and says why', async ({ app: page }) => {
  await dragFromPalette(page, 'data.toy2d', { x: 60, y: 60 });
  await dragFromPalette(page, 'optimizer.adam', { x: 420, y: 60 });
  await drawWire(page, ['toy2d', 'data'], ['adam', 'objective']);
  await expect(page.getByTestId('notice')).toContainText('Not connected');
  await expect(page.getByTestId('notice')).toContainText('takes an objective');
  expect(await edgeCount(page)).toBe(0);
  await screenshot(page, 'invalid-connection');
});

test('a wire dropped on empty canvas offers the node types that fit', async ({ app: page }) => {
  await dragFromPalette(page, 'energy.mlp', { x: 60, y: 60 });
  const from = await center(handle(page, 'mlp', 'energy', 'source'));
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(from.x + 250, from.y + 150, { steps: 8 });
  await page.mouse.up();
  const picker = page.getByTestId('quick-add');
  await expect(picker).toBeVisible();
  await expect(picker.getByRole('option')).toContainText(['Langevin', 'Maximum likelihood (MCMC)']);
  await expect(picker.getByRole('option', { name: /Toy 2D/ })).toHaveCount(0);
  await picker.getByRole('option', { name: /^Langevin/ }).click();
  await expect(page.getByTestId('node-langevin')).toBeVisible();
  await expect(page.locator('.react-flow__edge')).toHaveCount(1);
});

test('a broken file shows its diagnostics and keeps what could be read', async ({ app: page, studio }) => {
  // Nothing readable: the current document stays, the problems are listed.
  await dragFromPalette(page, 'data.toy2d', { x: 60, y: 60 });
  const openDiscarding = async () => {
    await page.getByTestId('open').click();
    await page.getByTestId('unsaved-dialog').getByRole('button', { name: 'Don’t save' }).click();
  };
  await chooseFile(page, studio, 'open', 'broken/truncated.ebm.json', openDiscarding);
  await expect(page.getByTestId('file-problems')).toContainText('truncated.ebm.json');
  await screenshot(page, 'broken-file');
  await page.getByTestId('file-problems').getByRole('button', { name: 'Close' }).click();
  await expect(page.getByTestId('node-toy2d')).toBeVisible();

  // Salvageable: the document opens with its problems on the nodes and in the list.
  await chooseFile(page, studio, 'open', 'broken/edge-unknown-node.ebm.json', openDiscarding);
  await expect(page.getByTestId('problems')).toBeVisible();
  await expect(page.getByTestId('problems').locator('[data-code]').first()).toBeVisible();
  expect(await page.locator('.react-flow__node').count()).toBeGreaterThan(0);
  await expect(page.getByTestId('file-state')).toContainText('unsaved');
});

test('a node type this version does not know opens as a placeholder that keeps its data', async ({ app: page, studio }) => {
  const example = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'examples', '8gaussians-pcd.ebm.json'), 'utf8'));
  const energy = example.nodes.find((n: { id: string }) => n.id === 'energy');
  Object.assign(energy, { type: 'energy.transformer', typeVersion: 3, params: { heads: 8, layers: [4, 4], future: { nested: true } } });
  const text = `${JSON.stringify(example, null, 2)}\n`;
  writeFileSync(join(studio.workspace, 'from-the-future.ebm.json'), text);

  await chooseFile(page, studio, 'open', 'from-the-future.ebm.json', () => page.getByTestId('open').click());
  const placeholder = page.getByTestId('node-energy');
  await expect(placeholder).toHaveClass(/ebm-node--placeholder/);
  await expect(placeholder).toContainText('unknown type “energy.transformer”');
  await expect(page.locator('.react-flow__edge')).toHaveCount(example.edges.length);
  await expect(page.getByTestId('run')).toBeDisabled();
  await screenshot(page, 'unknown-node-type');

  // Editing elsewhere and saving keeps the unknown node exactly as it was.
  await setParam(page, 'optimizer', 'learningRate', '0.002');
  await page.getByTestId('save').click();
  await expect(page.getByTestId('notice')).toContainText('Saved');
  const saved = JSON.parse(readFileSync(join(studio.workspace, 'from-the-future.ebm.json'), 'utf8'));
  expect(saved.nodes.find((n: { id: string }) => n.id === 'energy')).toEqual(energy);
  expect(saved.nodes.find((n: { id: string }) => n.id === 'optimizer').params.learningRate).toBe(0.002);
});

test('a run that diverges shows its error on the node at fault', async ({ app: page }) => {
  await page.getByTestId('examples').click();
  await page.getByTestId('example-gaussian-ml').click();
  // A precision of 1e6 with a Langevin step of 1: the chains blow up within a few steps.
  await setParam(page, 'energy', 'initVariance', '1e-6');
  await setParam(page, 'sampler', 'stepSize', '1');
  await page.getByTestId('run').click();
  await expect(page.getByTestId('run-progress')).toHaveAttribute('data-state', 'failed', { timeout: 90_000 });
  await expect(page.getByTestId('run-failure')).toContainText('diverged');
  const sampler = page.getByTestId('node-sampler');
  await expect(sampler).toHaveAttribute('data-status', 'error');
  await expect(sampler.locator('.ebm-node__error')).toContainText('diverged');
  await screenshot(page, 'run-failed');
});

test.describe('the web host', () => {
  // In a hook, before the studio fixture: nothing is started on Electron.
  // eslint-disable-next-line no-empty-pattern
  test.beforeEach(({}, testInfo) => {
    if (hostKind(testInfo) === 'electron') skipBecause(testInfo, 'the token guards the web host; Electron has no HTTP server');
  });

  test('refuses requests without its token', async ({ studio }) => {
    if (studio.kind !== 'web') throw new Error('a web host test');
    const bare = await fetch(`${studio.host.origin}/`);
    expect(bare.status).toBe(403);
    const wrong = await fetch(`${studio.host.origin}/?token=${'0'.repeat(64)}`, { redirect: 'manual' });
    expect(wrong.status).toBe(403);
    const right = await fetch(studio.host.url, { redirect: 'manual' });
    expect(right.status).toBe(303);
  });
});
