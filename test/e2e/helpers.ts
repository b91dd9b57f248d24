// What a user does on the canvas, as steps the specs share.
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { expect, type Studio } from './fixtures.ts';

/** Drags a node type from the palette to a point of the canvas (relative to its top left). */
export async function dragFromPalette(page: Page, type: string, at: { x: number; y: number }): Promise<void> {
  const canvas = page.getByTestId('canvas');
  const before = await page.locator('.react-flow__node').count();
  await page.getByTestId(`palette-${type}`).dragTo(canvas, { targetPosition: at });
  await expect(page.locator('.react-flow__node')).toHaveCount(before + 1);
}

export function handle(page: Page, nodeId: string, port: string, side: 'source' | 'target'): Locator {
  return page.locator(`.react-flow__handle.${side}[data-nodeid="${nodeId}"][data-handleid="${port}"]`);
}

/** Drags a wire from an output port to an input port, as a person does with the mouse. */
export async function drawWire(page: Page, from: [node: string, port: string], to: [node: string, port: string]): Promise<void> {
  const a = await center(handle(page, from[0], from[1], 'source'));
  const b = await center(handle(page, to[0], to[1], 'target'));
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 6 });
  await page.mouse.move(b.x, b.y, { steps: 6 });
  await page.mouse.up();
}

export async function center(locator: Locator): Promise<{ x: number; y: number }> {
  const box = await locator.boundingBox();
  if (!box) throw new Error(`${locator.toString()} is not on screen`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Selects a node by clicking its title. */
export async function selectNode(page: Page, nodeId: string): Promise<void> {
  await page.getByTestId(`node-${nodeId}`).locator('.ebm-node__title').click();
  await expect(page.getByTestId('inspector').locator('.inspector__id code')).toHaveText(nodeId);
}

/** Types a value into an inspector field and applies it (Enter). */
export async function setParam(page: Page, nodeId: string, param: string, value: string): Promise<void> {
  await selectNode(page, nodeId);
  const field = page.getByTestId(`param-${param}`);
  if ((await field.evaluate((el) => el.nodeName)) === 'SELECT') await field.selectOption(value);
  else {
    await field.fill(value);
    await field.press('Enter');
  }
}

export const edgeCount = (page: Page): Promise<number> => page.locator('.react-flow__edge').count();

/**
 * Picks a file of the workspace (a path relative to it, with /) in the dialog that `opens` brings
 * up (a click on Open or Save as, and whatever the app asks first). The web host shows the app's
 * own file browser: enter the folders, then click the file or type the name. Electron shows a
 * native dialog no test can drive: its answer is set in the main process before the click, once.
 */
export async function chooseFile(page: Page, studio: Studio, mode: 'open' | 'save', relativePath: string, opens: () => Promise<unknown>): Promise<void> {
  const parts = relativePath.split('/');
  const name = parts.pop()!;
  if (studio.kind === 'electron') {
    const path = join(studio.workspace, ...parts, name);
    // main/electron/main.ts reads { canceled, filePaths[0] } and { canceled, filePath }.
    await studio.electron.evaluate(
      ({ dialog }, { mode, path }) => {
        const g = globalThis as { e2eDialogPending?: boolean };
        g.e2eDialogPending = true;
        if (mode === 'open') {
          const original = dialog.showOpenDialog;
          dialog.showOpenDialog = async () => {
            dialog.showOpenDialog = original;
            g.e2eDialogPending = false;
            return { canceled: false, filePaths: [path] };
          };
        } else {
          const original = dialog.showSaveDialog;
          dialog.showSaveDialog = async () => {
            dialog.showSaveDialog = original;
            g.e2eDialogPending = false;
            return { canceled: false, filePath: path };
          };
        }
      },
      { mode, path },
    );
    await opens();
    await expect
      .poll(() => studio.electron.evaluate(() => (globalThis as { e2eDialogPending?: boolean }).e2eDialogPending), { message: `the app asked for a file to ${mode}` })
      .toBe(false);
    return;
  }
  await opens();
  const dialog = page.getByTestId('file-dialog');
  await expect(dialog).toBeVisible();
  for (let i = 0; i < parts.length; i++) {
    await dialog.getByTestId(`file-${parts[i]}`).click();
    await expect(dialog.locator('.files__folder code')).toHaveText(parts.slice(0, i + 1).join('/'));
  }
  if (mode === 'open') await dialog.getByTestId(`file-${name}`).click();
  else {
    await dialog.getByTestId('save-name').fill(name);
    await dialog.getByTestId('save-confirm').click();
  }
}
