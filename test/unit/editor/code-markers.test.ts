// A check's answer as marks in the code (renderer/src/editor/code/markers.ts): each problem at its
// line and column over the word there, what score-based objectives refuse as warnings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CodeCheckResultInfo } from '../../../app/api/contract.ts';
import { SECOND_ORDER, checkMarkers, rangeAt } from '../../../renderer/src/editor/code/markers.ts';

const CODE = ['export const params = { W: { shape: [2, 3], init: "torch" } };', 'export function energy(x, p) {', '  return tf.sum(x.tanh(), 1);', '}'].join('\n');
const lines = CODE.split('\n');

test('a mark covers the word at its line and column', () => {
  // "tanh" in x.tanh() at line 3.
  const column = lines[2]!.indexOf('tanh') + 1;
  assert.deepEqual(rangeAt(lines, 3, column), { startLineNumber: 3, startColumn: column, endLineNumber: 3, endColumn: column + 4 });
  // A punctuation mark: one character.
  const paren = lines[1]!.indexOf('(') + 1;
  assert.deepEqual(rangeAt(lines, 2, paren), { startLineNumber: 2, startColumn: paren, endLineNumber: 2, endColumn: paren + 1 });
});

test('a position past the end of its line marks the line; one outside the code, the nearest line', () => {
  assert.deepEqual(rangeAt(lines, 3, 200), { startLineNumber: 3, startColumn: 3, endLineNumber: 3, endColumn: lines[2]!.length + 1 });
  assert.deepEqual(rangeAt(lines, 99, 1), { startLineNumber: 4, startColumn: 1, endLineNumber: 4, endColumn: 2 });
  assert.deepEqual(rangeAt(lines, 0, 0), { startLineNumber: 1, startColumn: 1, endLineNumber: 1, endColumn: 7 });
  assert.deepEqual(rangeAt([''], 1, 1), { startLineNumber: 1, startColumn: 1, endLineNumber: 1, endColumn: 2 }, 'an empty line still gets a visible mark');
});

test('every diagnostic of a check, then each place score-based objectives refuse, becomes a mark', () => {
  const result: CodeCheckResultInfo = {
    ok: false,
    diagnostics: [
      { code: 'CODE_OUTPUT', severity: 'error', message: 'energy(x) returned shape [4, 3]; it must return one energy per row, shape [4]', line: 3, column: 10 },
      { code: 'CODE_PARAMS', severity: 'warning', message: 'parameter W is never used', line: 1, column: 25 },
    ],
    params: [{ name: 'W', shape: [2, 3] }],
    secondOrder: { ok: false, problems: [{ line: 3, column: lines[2]!.indexOf('tanh') + 1, message: 'x.tanh at line 3 is tfjs’s own tanh; write tf.tanh(x)' }] },
  };
  const marks = checkMarkers(result, CODE);
  assert.deepEqual(
    marks.map((m) => [m.severity, m.code, m.startLineNumber, m.startColumn, m.endColumn]),
    [
      ['error', 'CODE_OUTPUT', 3, 10, 12],
      ['warning', 'CODE_PARAMS', 1, 25, 26],
      ['warning', SECOND_ORDER, 3, lines[2]!.indexOf('tanh') + 1, lines[2]!.indexOf('tanh') + 5],
    ],
  );
  assert.equal(marks[0]!.message, result.diagnostics[0]!.message);
  assert.match(marks[2]!.message, /^Score-based objectives refuse this code: x\.tanh at line 3/);
});

test('a check that passed leaves no marks', () => {
  assert.deepEqual(checkMarkers({ ok: true, diagnostics: [], params: [], secondOrder: { ok: true, problems: [] } }, CODE), []);
});
