import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  etaSeconds,
  formatCount,
  formatDuration,
  formatMetric,
  formatRate,
  formatStartTime,
  fractionDone,
  keyFigures,
  knownAnswerLines,
} from '../../../renderer/src/runs/format.ts';
import { summary } from './fixtures.ts';

test('progress numbers: counts, rates, time left', () => {
  assert.equal(formatCount(12345), '12,345');
  assert.equal(formatCount(1234567.4), '1,234,567');
  assert.equal(formatCount(999), '999');
  assert.equal(formatCount(-1000), '−1,000');
  assert.equal(formatCount(0), '0');
  assert.equal(formatRate(14.83), '15 steps/s');
  assert.equal(formatRate(0.52), '0.52 steps/s');
  assert.equal(formatRate(0), '– steps/s');
  assert.equal(etaSeconds(250, 1000, 15), 50);
  assert.equal(etaSeconds(250, 1000, 0), null);
  assert.equal(formatDuration(42.4), '42 s');
  assert.equal(formatDuration(185), '3 min 05 s');
  assert.equal(formatDuration(3720), '1 h 02 min');
  assert.equal(fractionDone(250, 1000), 0.25);
  assert.equal(fractionDone(5, 0), 0);
  assert.equal(fractionDone(1200, 1000), 1);
});

test('metric values keep four significant digits and say NaN', () => {
  assert.equal(formatMetric(0.123456), '0.1235');
  assert.equal(formatMetric(-2.5), '−2.5');
  assert.equal(formatMetric(NaN), 'NaN');
  assert.equal(formatMetric(undefined), '–');
});

test('start times: today as a time, other days with the date', () => {
  const now = new Date(2025, 0, 2, 15, 0);
  assert.equal(formatStartTime(new Date(2025, 0, 2, 9, 5).toISOString(), now), 'today 09:05');
  assert.equal(formatStartTime(new Date(2024, 11, 31, 23, 59).toISOString(), now), '2024-12-31 23:59');
  assert.equal(formatStartTime('garbage', now), 'garbage');
});

test('key figures: final loss, NLL − H rather than NLL when known, MMD², per trainer; known answers against the truth', () => {
  assert.deepEqual(
    keyFigures({ loss: 0.31, nll: 3.02, nll_minus_entropy: 0.18, mmd2: 0.0031, grad_norm: 2 }).map((f) => `${f.label} ${f.value}`),
    ['loss 0.31', 'NLL − H 0.18', 'MMD² 0.0031'],
  );
  assert.deepEqual(keyFigures({ loss: 1, nll: 2.5 }).map((f) => f.label), ['loss', 'NLL']);
  assert.deepEqual(keyFigures({ 'cd/loss': 1, 'sm/loss': 2 }).map((f) => f.label), ['cd loss', 'sm loss']);
  const lines = knownAnswerLines(
    summary({ knownAnswers: [{ quantity: 'mean', energyNode: 'gauss', dataNode: 'data', recovered: [0.98, -1.02], truth: [1, -1] }] }),
  );
  assert.deepEqual(lines.map((l) => `${l.label}: ${l.value}`), ['mean (gauss): [0.98, −1.02] vs true [1, −1]']);
});
