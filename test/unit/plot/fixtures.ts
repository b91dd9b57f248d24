// Synthetic but realistic inputs for the figure tests and the example pictures.
import assert from 'node:assert/strict';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { Rng } from '../../../app/runtime/rng.ts';
import type { MetricsRow } from '../../../app/plot/curves.ts';
import type { SnapshotLike } from '../../../app/plot/samples.ts';

export const ENTROPY = 2.84;

/**
 * A 2000-step run logged every 5 steps: a decaying noisy loss, energies of data and samples and
 * their gap, a gradient norm; held-out NLL, NLL − entropy and MMD² every 100 steps (monitors log
 * less often). From `divergeAt` on, every value is NaN (null in the JSON), as in a diverged run.
 */
export function syntheticMetrics(options: { steps?: number; every?: number; divergeAt?: number; seed?: number } = {}): MetricsRow[] {
  const { steps = 2000, every = 5, divergeAt, seed = 7 } = options;
  const rng = new Rng(seed);
  const rows: MetricsRow[] = [];
  for (let step = 0; step <= steps; step += every) {
    const t = step / steps;
    const decay = Math.exp(-step / 260);
    const eData = -3.2 * (1 - decay) + 0.15 * rng.normal();
    const eSamples = eData + 0.9 * decay + 0.05 + 0.18 * rng.normal();
    const row: Record<string, number | null> = {
      step,
      loss: 2.4 * decay + 0.35 + 0.12 * rng.normal() * (0.4 + decay),
      e_data: eData,
      e_samples: eSamples,
      gap: eData - eSamples,
      grad_norm: (12 * decay + 0.8) * Math.exp(0.35 * rng.normal()),
    };
    if (step % 100 === 0) {
      const nll = ENTROPY + 1.9 * Math.exp(-step / 400) + 0.06 + 0.02 * rng.normal() + 0.03 * t;
      row.nll = nll;
      row.nll_minus_entropy = nll - ENTROPY;
      row.mmd2 = 0.35 * Math.exp(-step / 300) + 0.002 + 0.003 * Math.abs(rng.normal());
    }
    if (divergeAt !== undefined && step >= divergeAt) {
      for (const k of Object.keys(row)) if (k !== 'step') row[k] = null;
    }
    rows.push(row as MetricsRow);
  }
  return rows;
}

export const MODES: readonly (readonly [number, number])[] = Array.from({ length: 8 }, (_, k) => [
  2 * Math.cos((k * Math.PI) / 4),
  2 * Math.sin((k * Math.PI) / 4),
]);

/** E(x) = −log Σ_k N(x; μ_k, σ² I) / 8 for the 8 modes on the circle of radius 2. */
export function mixtureEnergy(x: number, y: number, sigma: number): number {
  let s = 0;
  for (const [mx, my] of MODES) s += Math.exp(-((x - mx) ** 2 + (y - my) ** 2) / (2 * sigma * sigma));
  return -Math.log(s / (8 * 2 * Math.PI * sigma * sigma));
}

/** A snapshot of a model of "8 gaussians" part-way through training, on the monitors' cell-centre grid. */
export function eightGaussiansSnapshot(options: { step?: number; gridSize?: number; samples?: number; data?: number; seed?: number } = {}): SnapshotLike & { nodeId: string } {
  const { step = 1500, gridSize = 100, samples = 512, data = 512, seed = 11 } = options;
  const rng = new Rng(seed);
  const bounds: [[number, number], [number, number]] = [[-3, 3], [-3, 3]];
  const energy: number[] = [];
  for (let j = 0; j < gridSize; j++) {
    for (let i = 0; i < gridSize; i++) {
      const x = -3 + ((i + 0.5) * 6) / gridSize;
      const y = -3 + ((j + 0.5) * 6) / gridSize;
      // The model: modes a little too wide, plus a faint ring between them.
      const ring = Math.exp(-((Math.hypot(x, y) - 2) ** 2) / 0.3);
      energy.push(mixtureEnergy(x, y, 0.32) - Math.log1p(0.05 * ring * Math.exp(mixtureEnergy(x, y, 0.32) - 1)));
    }
  }
  const draw = (n: number, sigma: number, straggle: number): number[] => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      if (rng.next() < straggle) {
        const a = rng.next() * 2 * Math.PI;
        out.push(2 * Math.cos(a) + 0.15 * rng.normal(), 2 * Math.sin(a) + 0.15 * rng.normal());
      } else {
        const [mx, my] = MODES[rng.int(8)] ?? [0, 0];
        out.push(mx + sigma * rng.normal(), my + sigma * rng.normal());
      }
    }
    return out;
  };
  return { step, nodeId: 'monitor', bounds, gridSize, energy, samples: draw(samples, 0.3, 0.08), data: draw(data, 0.2, 0) };
}

export const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Decodes a PNG (checking its signature) and returns its size and a pixel reader. */
export async function decode(png: Buffer) {
  assert.deepEqual([...png.subarray(0, 8)], SIGNATURE, 'PNG signature');
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  const { data } = ctx.getImageData(0, 0, image.width, image.height);
  const at = (x: number, y: number): [number, number, number] => {
    const i = 4 * (Math.round(y) * image.width + Math.round(x));
    return [data[i] ?? -1, data[i + 1] ?? -1, data[i + 2] ?? -1];
  };
  return { width: image.width, height: image.height, at };
}
