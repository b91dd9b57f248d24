// The MCMC diagnostics monitor's energy traces in the run panel: a short run of the HMC example
// shows the "Energy traces" plot with its chains drawn at each evaluation, and the run reopened
// from its folder after a reload shows them again.
import { CHAIN_COLORS } from '../../app/plot/trace.ts';
import { expect, screenshot, test } from './fixtures.ts';
import { setParam } from './helpers.ts';

/** How many of the colours appear on a canvas (blended at the chains' 85% opacity over white or
 * the burn-in's grey, within a tolerance): chains drawn, not just axes and text. */
const coloursOnCanvas = (canvas: HTMLCanvasElement, colours: string[]): number => {
  const data = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data;
  if (!data) return 0;
  const rgb = colours.map((c) => [1, 3, 5].map((i) => 0.85 * parseInt(c.slice(i, i + 2), 16) + 0.15 * 240));
  const found = new Set<number>();
  for (let i = 0; i < data.length; i += 4)
    rgb.forEach((c, k) => {
      if (Math.abs(data[i]! - c[0]!) < 25 && Math.abs(data[i + 1]! - c[1]!) < 25 && Math.abs(data[i + 2]! - c[2]!) < 25) found.add(k);
    });
  return found.size;
};
/** The chains' colours but black, which axes and text share. */
const CHAINS = CHAIN_COLORS.filter((c) => c !== '#000000');

test('a run with an MCMC monitor shows its chains’ energy traces, live and reopened', async ({ app: page }) => {
  await page.getByTestId('examples').click();
  await page.getByTestId('example-8gaussians-hmc').click();
  // A short run: two evaluations of the monitor (at steps 100 and 200).
  await setParam(page, 'trainer', 'steps', '200');
  await setParam(page, 'trainer', 'snapshotEvery', '100');
  await page.getByTestId('run').click();

  const traces = page.getByRole('figure', { name: 'Energy traces' });
  await expect(traces).toBeVisible();
  const drawn = traces.locator('[data-drawn-step]');
  await expect(drawn).toHaveAttribute('data-drawn-step', '100', { timeout: 120_000 });
  await expect(drawn).toHaveAttribute('data-chains-drawn', '8');
  // Nearly every chain's colour is on the canvas (one may hide under the others).
  expect(await traces.locator('canvas').evaluate(coloursOnCanvas, CHAINS), 'the chains are on the canvas').toBeGreaterThanOrEqual(CHAINS.length - 1);
  const first = await traces.locator('canvas').screenshot();
  await expect(drawn).toHaveAttribute('data-drawn-step', '200', { timeout: 120_000 });
  expect((await traces.locator('canvas').screenshot()).equals(first), 'redrawn with the new evaluation').toBe(false);
  await expect(page.getByTestId('run-progress')).toHaveAttribute('data-state', 'completed', { timeout: 60_000 });
  await screenshot(page, 'run-traces');

  // Reopened from the runs folder after a reload: the last traces again.
  await page.reload();
  await expect(page.getByRole('figure', { name: 'Energy traces' })).toHaveCount(0);
  await page.getByTestId('tab-runs').click();
  await page.getByTestId('runs-list').locator('[data-run-id]').first().click();
  await expect(traces.locator('[data-drawn-step]')).toHaveAttribute('data-drawn-step', '200');
  await expect(traces.locator('[data-drawn-step]')).toHaveAttribute('data-chains-drawn', '8');
  expect(await traces.locator('canvas').evaluate(coloursOnCanvas, CHAINS)).toBeGreaterThanOrEqual(CHAINS.length - 1);
});
