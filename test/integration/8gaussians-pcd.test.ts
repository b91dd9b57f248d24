// The benchmark's workload learns: held-out NLL near the entropy, samples on all eight modes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runExample } from './run-example.ts';

const CENTRES = [
  [1, 0], [-1, 0], [0, 1], [0, -1],
  [Math.SQRT1_2, Math.SQRT1_2], [Math.SQRT1_2, -Math.SQRT1_2], [-Math.SQRT1_2, Math.SQRT1_2], [-Math.SQRT1_2, -Math.SQRT1_2],
].map(([x, y]) => [(4 * x!) / 1.414, (4 * y!) / 1.414] as const);

test('examples/8gaussians-pcd: NLL − H ends below 0.25 nats and the samples cover all eight modes', async () => {
  const { summary, outDir, rows, lastSnapshot } = await runExample('8gaussians-pcd');
  assert.equal(summary.status, 'completed');
  const gaps = rows.flatMap((r) => (r.nll_minus_entropy !== undefined ? [r.nll_minus_entropy] : []));
  assert.ok(gaps.length >= 8, 'the density monitor evaluated at every snapshot');
  assert.ok(gaps.at(-1)! < 0.25, `final NLL − H = ${gaps.at(-1)} nats`);
  assert.ok(gaps.at(-1)! < gaps[0]! - 0.1, `NLL − H fell from ${gaps[0]} to ${gaps.at(-1)}`);
  // Each mode holds 1/8 of the data; a sample belongs to a mode within 1.0 (about 2.8 σ) of its centre.
  const s = lastSnapshot!.samples;
  const n = s.length / 2;
  const share = CENTRES.map(([cx, cy]) => {
    let k = 0;
    for (let i = 0; i < n; i++) if (Math.hypot(s[2 * i]! - cx, s[2 * i + 1]! - cy) < 1) k++;
    return k / n;
  });
  share.forEach((f, i) => assert.ok(f > 0.06, `mode ${i} holds ${(100 * f).toFixed(1)}% of the samples: ${share.map((x) => x.toFixed(3))}`));
  assert.ok(share.reduce((a, b) => a + b, 0) > 0.8, `most samples sit on a mode: ${share}`);
  for (const f of ['graph.ebm.json', 'metrics.jsonl', 'snapshots.jsonl', 'samples.csv', 'summary.json', 'loss.png', 'samples.png'])
    assert.ok(existsSync(join(outDir, f)), `${f} is in the run folder`);
});
