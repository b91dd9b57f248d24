import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  finiteExtent,
  formatTick,
  formatValue,
  linearScale,
  linearTicks,
  logDomain,
  logScale,
  logTicks,
  niceLinearDomain,
  niceStep,
} from '../../../app/plot/scale.ts';

const labels = (lo: number, hi: number, count: number) => {
  const { values, step } = linearTicks(lo, hi, count);
  return values.map((v) => formatTick(v, step));
};

test('niceStep picks 1-2-5 steps', () => {
  assert.equal(niceStep(2000, 5).step, 500);
  assert.equal(niceStep(1, 5).step, 0.2);
  assert.equal(niceStep(10, 10).step, 1);
  assert.equal(niceStep(8, 5).step, 2);
  assert.equal(niceStep(7, 5).step, 1, 'below √2 per interval rounds down');
  assert.equal(niceStep(0.003, 5).step, 0.0005);
  assert.equal(niceStep(3e7, 4).step, 1e7);
  assert.equal(niceStep(0, 5).step, 1, 'a zero span still gives a usable step');
});

test('linear ticks fall on exact multiples of the step, without float noise', () => {
  assert.deepEqual(linearTicks(0, 1, 5).values, [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(linearTicks(0.1, 0.7, 6).values, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
  assert.deepEqual(linearTicks(-3.2, 7.9, 5).values, [-2, 0, 2, 4, 6]);
  assert.deepEqual(linearTicks(0.00001, 0.00003, 4).values, [0.00001, 0.000015, 0.00002, 0.000025, 0.00003]);
  assert.deepEqual(linearTicks(7.9, -3.2, 5).values, [-2, 0, 2, 4, 6], 'a reversed range gives the same ticks');
  assert.ok(!linearTicks(-1, 1, 4).values.some((v) => Object.is(v, -0)), 'no negative zero');
});

test('tick labels are compact and consistent along an axis', () => {
  assert.deepEqual(labels(0, 2000, 5), ['0', '500', '1k', '1.5k', '2k']);
  assert.deepEqual(labels(0, 1, 5), ['0.0', '0.2', '0.4', '0.6', '0.8', '1.0']);
  assert.deepEqual(labels(-3.2, 7.9, 5), ['\u22122', '0', '2', '4', '6']);
  assert.deepEqual(labels(0.0001, 0.00042, 4), ['1e-4', '2e-4', '3e-4', '4e-4']);
  assert.deepEqual(labels(0.00001, 0.00003, 4), ['1e-5', '1.5e-5', '2e-5', '2.5e-5', '3e-5']);
  assert.deepEqual(labels(0, 2e6, 4), ['0', '500k', '1M', '1.5M', '2M']);
  assert.deepEqual(labels(10000, 14000, 4), ['10k', '11k', '12k', '13k', '14k']);
  assert.deepEqual(labels(995, 1005, 5), ['996', '998', '1000', '1002', '1004'], 'no "1.002k"');
  assert.deepEqual(labels(-0.5, 0.5, 4), ['\u22120.4', '\u22120.2', '0.0', '0.2', '0.4']);
  assert.equal(formatTick(0.001, 0.001), '0.001');
  assert.equal(formatTick(0.1 + 0.2, 0.1), '0.3');
  assert.equal(formatTick(NaN, 1), 'NaN');
  assert.equal(formatTick(Infinity, 1), '\u221e');
  assert.equal(formatTick(-Infinity, 1), '\u2212\u221e');
});

test('single values format to three significant digits', () => {
  assert.equal(formatValue(2.8379), '2.84');
  assert.equal(formatValue(0.000123), '1.23e-4');
  assert.equal(formatValue(12345), '12.3k');
  assert.equal(formatValue(999.96), '1k');
  assert.equal(formatValue(999950), '1M');
  assert.equal(formatValue(-0.5), '\u22120.5');
  assert.equal(formatValue(0), '0');
});

test('finiteExtent ignores NaN and infinities, and can keep only positive values', () => {
  assert.deepEqual(finiteExtent([NaN, 3, Infinity, -1, -Infinity]), [-1, 3]);
  assert.equal(finiteExtent([NaN, Infinity]), null);
  assert.equal(finiteExtent([]), null);
  assert.deepEqual(finiteExtent([-2, 0, 0.5, 4], true), [0.5, 4]);
  assert.deepEqual(finiteExtent([7]), [7, 7], 'a single point');
});

test('nice domains round out to ticks and survive degenerate input', () => {
  assert.deepEqual(niceLinearDomain(0.13, 4.87, 5), [0, 5]);
  assert.deepEqual(niceLinearDomain(1, 1999, 5), [0, 2000]);
  // All values equal: a non-empty range around the value.
  for (const v of [5, -3, 1e-6, 1e9]) {
    const [lo, hi] = niceLinearDomain(v, v, 5);
    assert.ok(lo < v && v < hi, `[${lo}, ${hi}] holds ${v}`);
    assert.ok(linearTicks(lo, hi, 5).values.length >= 2, `ticks for the all-${v} domain`);
  }
  assert.deepEqual(niceLinearDomain(0, 0, 5), [-1, 1]);
  // Non-finite ends: the finite one is kept, and nothing non-finite comes out.
  const [lo, hi] = niceLinearDomain(NaN, 3, 5);
  assert.ok(lo < 3 && 3 < hi && Number.isFinite(lo) && Number.isFinite(hi));
  assert.deepEqual(niceLinearDomain(-Infinity, Infinity, 5), [0, 1]);
  assert.deepEqual(niceLinearDomain(NaN, NaN, 5), [0, 1]);
});

test('log ticks label decades, thin them over many decades, and fall back on narrow ranges', () => {
  const wide = logTicks(1e-4, 10, 5);
  const labelled = wide.filter((t) => t.label);
  assert.ok(labelled.length >= 2);
  for (const t of labelled) assert.equal(Math.log10(t.value) % 1 === 0 || Math.abs(Math.log10(t.value) - Math.round(Math.log10(t.value))) < 1e-9, true, `${t.value} is a decade`);
  assert.ok(labelled.some((t) => t.label === '1e-4') && labelled.some((t) => t.label === '1'));
  assert.ok(wide.every((t) => t.value >= 1e-4 * (1 - 1e-9) && t.value <= 10 * (1 + 1e-9)));
  assert.ok(wide.some((t) => t.minor && t.label === '' && Math.abs(t.value - 0.002) < 1e-12), 'minor ticks at 2..9 × 10^k');
  assert.deepEqual(
    wide.map((t) => t.value),
    [...wide.map((t) => t.value)].sort((a, b) => a - b),
  );

  const many = logTicks(1e-8, 1e6, 5).filter((t) => t.label);
  assert.ok(many.length <= 6, `${many.length} labels over 14 decades`);
  assert.ok(logTicks(1e-8, 1e6, 5).every((t) => !t.minor || t.label === ''));

  assert.deepEqual(
    logTicks(0.4, 25, 5).filter((t) => t.label).map((t) => t.label),
    ['0.5', '1', '2', '5', '10', '20'],
    'two decades: 1-2-5 labels',
  );
  assert.deepEqual(logTicks(3, 30, 5).map((t) => t.value), [5, 10, 20]);
  assert.deepEqual(logTicks(2, 7, 5).map((t) => t.value), [2, 5]);
  const narrow = logTicks(0.9, 1.1, 5);
  assert.ok(narrow.length >= 2 && narrow.every((t) => t.value >= 0.9 && t.value <= 1.1), 'linear ticks inside a narrow range');
  assert.deepEqual(logTicks(0, 10, 5), []);
  assert.deepEqual(logTicks(NaN, 10, 5), []);
});

test('logDomain pads in log space and repairs non-positive ends', () => {
  const [lo, hi] = logDomain(0.1, 10);
  assert.ok(lo < 0.1 && lo > 0.05 && hi > 10 && hi < 20);
  const [a, b] = logDomain(-1, 10);
  assert.ok(a > 0 && a < 10 && b >= 10);
  const [c, d] = logDomain(5, 5);
  assert.ok(c < 5 && d > 5);
});

test('scales map, invert, and refuse what they cannot show', () => {
  const x = linearScale([0, 10], [100, 200]);
  assert.equal(x.map(5), 150);
  assert.equal(x.invert(150), 5);
  assert.ok(Number.isNaN(x.map(NaN)));
  assert.ok(Number.isNaN(x.map(Infinity)));
  const y = logScale([1, 100], [300, 100]);
  assert.equal(y.map(10), 200);
  assert.ok(Math.abs(y.invert(200) - 10) < 1e-9);
  assert.ok(Number.isNaN(y.map(0)));
  assert.ok(Number.isNaN(y.map(-5)));
  const flat = linearScale([3, 3], [0, 100]);
  assert.equal(flat.map(3), 0, 'a zero-width domain maps without dividing by zero');
});
