// Training never freezes the UI: while a run streams its events, a node is dragged across the
// canvas and the page's long tasks (the browser's Long Tasks API: any task of 50 ms or more) are
// counted. The numbers are reported in the test's output.
import { expect, screenshot, test } from './fixtures.ts';
import { center, setParam } from './helpers.ts';

// Playwright's trace recorder snapshots the DOM inside the page after every action (each mouse
// move), in tasks of 20-60 ms of its own: it would measure the recorder, not the app.
test.use({ trace: 'off' });

test('a node drags smoothly while a run streams: no long task of 50 ms or more', async ({ app: page }) => {
  await page.getByTestId('examples').click();
  await page.getByTestId('example-8gaussians-pcd').click();
  await expect(page.locator('.react-flow__node')).toHaveCount(8);
  // Snapshots often, so that heat maps and samples arrive during the drag.
  await setParam(page, 'trainer', 'snapshotEvery', '20');

  await page.getByTestId('run').click();
  const curves = page.getByTestId('curves-plot');
  await expect.poll(async () => Number(await curves.getAttribute('data-points')), { timeout: 120_000 }).toBeGreaterThan(2);
  await expect(page.getByTestId('samples-plot')).toHaveAttribute('data-step', /\d+/, { timeout: 120_000 });

  await page.evaluate(() => {
    const w = window as unknown as { longTasks: number[]; frameGaps: number[] };
    w.longTasks = [];
    w.frameGaps = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) w.longTasks.push(entry.duration);
    }).observe({ type: 'longtask' });
    let last = performance.now();
    const tick = (now: number) => {
      w.frameGaps.push(now - last);
      last = now;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const stepBefore = Number(await page.getByTestId('samples-plot').getAttribute('data-step'));

  // Drag the energy node around for a few seconds, as a person would (inside the canvas, so that
  // React Flow does not pan the view).
  const node = page.getByTestId('node-energy');
  const start = await node.boundingBox();
  const grip = await center(node.locator('.ebm-node__title'));
  await page.mouse.move(grip.x, grip.y);
  await page.mouse.down();
  await page.mouse.move(grip.x + 150, grip.y + 60, { steps: 10 });
  const began = Date.now();
  for (let i = 0; Date.now() - began < 6000; i++) {
    const a = (i / 30) * Math.PI;
    await page.mouse.move(grip.x + 150 + 120 * Math.sin(a), grip.y + 60 + 50 * Math.sin(2 * a));
    await page.waitForTimeout(16);
  }
  await page.mouse.move(grip.x + 150, grip.y + 40);
  await page.mouse.up();
  const end = await node.boundingBox();
  expect(end!.x - start!.x, 'the node followed the mouse').toBeGreaterThan(100);

  const { longTasks, frameGaps } = await page.evaluate(() => {
    const w = window as unknown as { longTasks: number[]; frameGaps: number[] };
    return { longTasks: [...w.longTasks], frameGaps: [...w.frameGaps] };
  });
  const stepAfter = Number(await page.getByTestId('samples-plot').getAttribute('data-step'));
  const sorted = [...frameGaps].sort((a, b) => a - b);
  const p95 = sorted[Math.floor(sorted.length * 0.95)] ?? 0;
  const report = `while dragging for 6 s during the run (snapshots step ${stepBefore} → ${stepAfter}): long tasks ≥ 50 ms: ${longTasks.length}${
    longTasks.length ? ` (longest ${Math.max(...longTasks).toFixed(0)} ms)` : ''
  }; frames: ${frameGaps.length}, 95th percentile gap ${p95.toFixed(1)} ms, longest ${Math.max(...frameGaps).toFixed(1)} ms`;
  console.log(report);
  test.info().annotations.push({ type: 'responsiveness', description: report });
  await screenshot(page, 'dragging-during-run');
  await page.getByTestId('stop').click();
  await expect(page.getByTestId('run-progress')).toHaveAttribute('data-state', 'cancelled', { timeout: 60_000 });

  expect(stepAfter, 'the run kept streaming during the drag').toBeGreaterThan(stepBefore);
  expect(longTasks, report).toEqual([]);
});
