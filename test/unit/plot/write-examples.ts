// Writes example figures for a look by eye:
//   node --import tsx test/unit/plot/write-examples.ts [dir]   (default /tmp/plot-examples)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricsRow } from '../../../app/plot/curves.ts';
import { lossPng, samplesPng } from '../../../app/plot/node/png.ts';
import { ENTROPY, eightGaussiansSnapshot, syntheticMetrics } from './fixtures.ts';

const dir = process.argv[2] ?? '/tmp/plot-examples';
mkdirSync(dir, { recursive: true });
const write = (name: string, png: Buffer) => {
  writeFileSync(join(dir, name), png);
  console.log(`${join(dir, name)}  ${(png.length / 1024).toFixed(0)} KB`);
};
write('loss.png', lossPng(syntheticMetrics(), { entropy: ENTROPY, subtitle: '8 gaussians · MLP energy · seed 7' }));
write('loss-diverged.png', lossPng(syntheticMetrics({ divergeAt: 1430 }), { entropy: ENTROPY }));
write('loss-few.png', lossPng(syntheticMetrics({ steps: 300, every: 10 }).map(({ step, loss }) => ({ step, loss }))));
// A run that blows up: the loss climbs by orders of magnitude, then turns NaN; odd metrics too.
const exploding = syntheticMetrics({ steps: 800, every: 4, divergeAt: 760 }).map((row): MetricsRow => {
  const { step } = row;
  const blow = step > 700 && step < 760 ? 10 ** ((step - 700) / 10) : 1;
  return { ...row, loss: typeof row.loss === 'number' ? row.loss * blow : row.loss, lr: 1e-4 * Math.min(1, step / 200), temperature: 12000 + step * 3 };
});
write('loss-exploding.png', lossPng(exploding.map((r) => ({ step: r.step, loss: r.loss, grad_norm: r.grad_norm, lr: r.lr, temperature: r.temperature }))));
write('samples.png', samplesPng(eightGaussiansSnapshot()));
write('samples-early.png', samplesPng(eightGaussiansSnapshot({ step: 0, gridSize: 40 })));
// A wide box with a NaN patch in the energy and samples escaping the box.
const wide = eightGaussiansSnapshot({ step: 120, gridSize: 80 });
const n = wide.gridSize;
const energy = wide.energy.map((e, k) => (k % n > 60 && Math.floor(k / n) > 60 ? NaN : e));
write('samples-edge.png', samplesPng({ ...wide, energy, bounds: [[-4, 4], [-3, 3]], samples: [...wide.samples, 9, 9, -12, 0] }, { subtitle: 'monitor-1' }));
