// A picture of a run dropped on the canvas reopens its experiment (the graph rides in the PNG:
// app/graph/png-text.ts); a picture without a graph says so and changes nothing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { parseGraph } from '../../app/graph/parse.ts';
import { renderPng } from '../../app/plot/node/png.ts';
import { expect, screenshot, test } from './fixtures.ts';
import { dragFromPalette, edgeCount } from './helpers.ts';

const example = parseGraph(readFileSync(join(import.meta.dirname, '..', '..', 'examples', '8gaussians-pcd.ebm.json'), 'utf8')).document!;
const graph = { ...example, metadata: { ...example.metadata, title: 'Dropped σ² picture' } };

/** A small figure, as a run folder writes them; with the graph in it when one is given. */
const picture = (withGraph: boolean) =>
  renderPng(
    120,
    80,
    (ctx) => {
      ctx.fillStyle = '#3060c0';
      ctx.fillRect(10, 10, 60, 30);
    },
    { scale: 1, ...(withGraph ? { graph } : {}) },
  );

/** Drops a file from the desktop on the canvas, as the browser delivers it: dragenter, dragover, drop. */
async function dropFile(page: Page, bytes: Buffer, name: string): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    ({ base64, name }) => {
      const data = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([data], name, { type: 'image/png' }));
      return transfer;
    },
    { base64: bytes.toString('base64'), name },
  );
  const pane = page.locator('.react-flow__pane');
  for (const type of ['dragenter', 'dragover', 'drop']) await pane.dispatchEvent(type, { dataTransfer });
  await dataTransfer.dispose();
}

test('a PNG carrying a graph dropped on the canvas opens the graph; one without a graph changes nothing', async ({ app: page }) => {
  // Work in progress: one node, unsaved.
  await dragFromPalette(page, 'data.toy2d', { x: 60, y: 60 });
  await expect(page.getByTestId('file-state')).toContainText('unsaved');

  // A picture from elsewhere: its problem is shown, no question asked, the work stays.
  await dropFile(page, picture(false), 'holiday.png');
  const problems = page.getByTestId('file-problems');
  await expect(problems).toContainText('holiday.png');
  await expect(problems).toContainText('without an EBM Studio graph');
  await expect(page.getByTestId('unsaved-dialog')).toHaveCount(0);
  await problems.getByRole('button', { name: 'Close' }).click();
  await expect(page.locator('.react-flow__node')).toHaveCount(1);
  await expect(page.getByTestId('node-toy2d')).toBeVisible();

  // A run's picture: the unsaved work is asked about first, then the graph in the picture opens.
  await dropFile(page, picture(true), 'loss.png');
  await page.getByTestId('unsaved-dialog').getByRole('button', { name: 'Don’t save' }).click();
  await expect(page.locator('.react-flow__node')).toHaveCount(graph.nodes.length);
  for (const node of graph.nodes) await expect(page.getByTestId(`node-${node.id}`)).toBeVisible();
  expect(await edgeCount(page)).toBe(graph.edges.length);
  await expect(page.getByTestId('node-toy2d')).toHaveCount(0);
  await expect(page.getByTestId('file-state')).toHaveText('loss.png');
  await expect(page.getByTestId('run')).toBeEnabled();
  await screenshot(page, 'png-dropped');
});

test('a file dropped outside the canvas is refused, so the browser does not leave the app for it', async ({ app: page }) => {
  const refused = await page.getByTestId('palette').evaluate((palette) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File(['{}'], 'g.ebm.json'));
    const drop = new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: transfer });
    palette.dispatchEvent(drop);
    return drop.defaultPrevented;
  });
  expect(refused, 'the drop’s default action (opening the file) is prevented').toBe(true);
  await expect(page.getByTestId('file-problems')).toHaveCount(0);
});
