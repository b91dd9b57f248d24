// A Custom energy's code in the code panel (Monaco): typed, marked as you type, completed, applied
// and checked, then trained; and a graph whose custom code comes from elsewhere, which opens
// restricted until the user trusts it. Runs are kept short (tens of steps).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { DEFAULT_ENERGY_CODE } from '../../nodes/energy-custom/node.ts';
import { expect, screenshot, test } from './fixtures.ts';
import { chooseFile, dragFromPalette, drawWire, selectNode, setParam } from './helpers.ts';

function example(name: string): { nodes: { id: string; type: string; typeVersion: number; label?: string; params: Record<string, unknown> }[] } {
  return JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'examples', `${name}.ebm.json`), 'utf8'));
}

/** Goes to a line of the code editor, at its end. */
async function goToLineEnd(page: Page, line: number): Promise<void> {
  await page.keyboard.press('ControlOrMeta+Home');
  for (let i = 1; i < line; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('End');
}

test('a custom energy edited in Monaco: a type error is marked, fixed, completed, applied and checked, and the graph trains', async ({ app: page }) => {
  // Maximum likelihood on Gaussian data, with a Custom energy from the palette in place of the example's.
  await page.getByTestId('examples').click();
  await page.getByTestId('example-gaussian-ml').click();
  await selectNode(page, 'energy');
  await page.keyboard.press('Delete');
  await expect(page.getByTestId('node-energy')).toHaveCount(0);
  await dragFromPalette(page, 'energy.custom', { x: 120, y: 120 });
  await drawWire(page, ['custom', 'energy'], ['sampler', 'energy']);
  await drawWire(page, ['custom', 'energy'], ['objective', 'energy']);
  await setParam(page, 'trainer', 'steps', '60');
  await expect(page.getByTestId('statusbar')).toContainText('0 errors');

  // Its code, in the code panel.
  await page.getByTestId('node-custom').dblclick();
  const panel = page.getByTestId('code-panel');
  const editor = panel.locator('.monaco-editor');
  await expect(editor).toBeVisible();
  await expect(editor).toContainText('export function energy');

  // A type error is marked while typing: a squiggle in the code, and the problem at its line under it.
  const energyLine = DEFAULT_ENERGY_CODE.split('\n').findIndex((l) => l.startsWith('export function energy')) + 1;
  await editor.locator('.view-lines').click();
  await goToLineEnd(page, energyLine);
  await page.keyboard.press('Enter');
  await page.keyboard.type("const scale: number = 'a';");
  await expect(panel.getByTestId('code-unapplied')).toBeVisible();
  const typeError = panel.locator('.code-problems__item[data-source="typescript"]', { hasText: "Type 'string' is not assignable to type 'number'" });
  await expect(typeError).toHaveAttribute('data-line', String(energyLine + 1));
  await expect(editor.locator('.squiggly-error')).toHaveCount(1);
  await expect(panel.locator('.code-problems__item--error')).toHaveCount(1);
  await screenshot(page, 'code-type-error');

  // Fixed: no mark left.
  await page.keyboard.press('Shift+Home');
  await page.keyboard.type('const scale = 0.5;');
  await expect(editor.locator('.squiggly-error')).toHaveCount(0);
  await expect(panel.locator('.code-problems__item--error')).toHaveCount(0);

  // Completions know the node's own parameters (from its params, as typed) and tf's ops.
  await page.keyboard.press('Enter');
  await page.keyboard.type('p.');
  const suggestions = page.locator('.suggest-widget.visible .monaco-list-row');
  await expect(suggestions).toHaveCount(6);
  for (const name of ['W1', 'b1', 'W2', 'b2', 'W3', 'b3']) await expect(suggestions.filter({ hasText: new RegExp(`^${name}\\b`) })).toHaveCount(1);
  await screenshot(page, 'code-completions');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Shift+Home');
  await page.keyboard.type('tf.matM');
  await expect(page.locator('.suggest-widget.visible .monaco-list-row').first()).toContainText('matMul');
  await page.keyboard.press('Escape');
  // Delete the line (Ctrl/Cmd+Shift+K).
  await page.keyboard.press('ControlOrMeta+Shift+K');
  await expect(editor.locator('.squiggly-error')).toHaveCount(0);

  // Apply (Ctrl/Cmd+S in the editor): the code goes into the node and is checked on a small batch.
  await page.keyboard.press('ControlOrMeta+S');
  await expect(panel.getByTestId('code-check')).toHaveAttribute('data-state', 'ok', { timeout: 60_000 });
  await expect(panel.getByTestId('code-params')).toHaveText('Parameters: W1 [2, 64], b1 [64], W2 [64, 64], b2 [64], W3 [64, 1], b3 [1]');
  await expect(panel.getByTestId('code-second-order')).toHaveAttribute('data-ok', 'true');
  await expect(panel.getByTestId('code-unapplied')).toHaveCount(0);
  const lines = DEFAULT_ENERGY_CODE.split('\n').length + 1;
  await expect(page.getByTestId('node-custom')).toContainText(`code ${lines} lines`);
  await screenshot(page, 'code-checked');

  // It trains.
  await page.getByTestId('run').click();
  await expect(page.getByTestId('run-progress')).toHaveAttribute('data-state', 'completed', { timeout: 120_000 });
  await expect.poll(async () => Number(await page.getByTestId('curves-plot').getAttribute('data-points'))).toBeGreaterThan(0);

  // The applied code is an edit of the graph like any other: undo takes it back, in the panel too.
  await page.getByTestId('undo').click();
  await expect(page.getByTestId('node-custom')).not.toContainText('lines');
  await expect(editor).toContainText('const h1 = tf.softplus');
  await expect(editor).not.toContainText('const scale');
});

test('a graph with custom code written elsewhere opens restricted: it can be read, and runs only once trusted', async ({ app: page, studio }) => {
  const graph = example('gaussian-ml');
  const energy = graph.nodes.find((n) => n.id === 'energy')!;
  const theirs = `// Written on another machine.\n${DEFAULT_ENERGY_CODE.replaceAll('64', '8')}`;
  Object.assign(energy, { type: 'energy.custom', typeVersion: 1, label: 'Their energy', params: { inputDim: 2, code: theirs } });
  graph.nodes.find((n) => n.id === 'trainer')!.params.steps = 30;
  writeFileSync(join(studio.workspace, 'their-energy.ebm.json'), `${JSON.stringify(graph, null, 2)}\n`);

  await chooseFile(page, studio, 'open', 'their-energy.ebm.json', () => page.getByTestId('open').click());
  const banner = page.getByTestId('trust-banner');
  await expect(banner).toContainText('This graph has custom code that was not written on this machine: read it before you trust it.');
  await expect(page.getByTestId('run')).toBeDisabled();

  // It can be read (and edited) in the code panel; it is not checked.
  await banner.getByTestId('trust-read-energy').click();
  const panel = page.getByTestId('code-panel');
  await expect(panel.locator('.monaco-editor')).toContainText('Written on another machine.');
  await expect(panel.getByTestId('code-restricted')).toBeVisible();
  await expect(panel.getByTestId('code-apply')).toHaveText('Apply (not checked)');
  await panel.getByTestId('code-apply').click();
  await expect(panel.getByTestId('code-check')).toHaveAttribute('data-state', 'restricted');
  await screenshot(page, 'code-restricted');

  // Trusted: the restriction lifts, the code is checked and the graph trains.
  await banner.getByTestId('trust-code').click();
  await expect(banner).toHaveCount(0);
  await expect(page.getByTestId('run')).toBeEnabled();
  await panel.getByTestId('code-apply').click();
  await expect(panel.getByTestId('code-check')).toHaveAttribute('data-state', 'ok', { timeout: 60_000 });
  await page.getByTestId('run').click();
  await expect(page.getByTestId('run-progress')).toHaveAttribute('data-state', 'completed', { timeout: 120_000 });
});
