// A check's answer (the host's checkCustomCode) as marks in the code: each problem at its line and
// column, over the word it points at. Plain data in Monaco's marker shape, so the editor takes
// them as they are and node tests check the mapping (test/unit/editor/code-markers.test.ts).
import type { CodeCheckResultInfo } from '../../../../app/api/contract.ts';

/** The owner of the check's markers in Monaco, apart from its TypeScript worker's ('typescript'). */
export const CHECK_MARKER_OWNER = 'ebm-check';

export interface CodeMarker {
  severity: 'error' | 'warning';
  message: string;
  /** The problem's stable code (CODE_OUTPUT…); SECOND_ORDER for what score-based objectives refuse. */
  code: string;
  startLineNumber: number;
  startColumn: number;
  endLineNumber: number;
  endColumn: number;
}

export const SECOND_ORDER = 'SECOND_ORDER';

/** The check's problems, then what score-based objectives refuse (as warnings), in `text`. */
export function checkMarkers(result: CodeCheckResultInfo, text: string): CodeMarker[] {
  const lines = text.split('\n');
  const problems = result.diagnostics.map((d) => ({ severity: d.severity, message: d.message, code: d.code, line: d.line, column: d.column }));
  const secondOrder = result.secondOrder.problems.map((p) => ({
    severity: 'warning' as const,
    message: `Score-based objectives refuse this code: ${p.message}`,
    code: SECOND_ORDER,
    line: p.line,
    column: p.column,
  }));
  return [...problems, ...secondOrder].map(({ line, column, ...rest }) => ({ ...rest, ...rangeAt(lines, line, column) }));
}

/**
 * The range to mark at a 1-based line and column: the word (identifier or number) that starts
 * there, one character when none does, the whole line when the column is past its end. Positions
 * outside the text are moved to its nearest line.
 */
export function rangeAt(lines: readonly string[], line: number, column: number): Pick<CodeMarker, 'startLineNumber' | 'startColumn' | 'endLineNumber' | 'endColumn'> {
  const lineNumber = Math.min(Math.max(1, Math.trunc(line) || 1), Math.max(1, lines.length));
  const text = lines[lineNumber - 1] ?? '';
  const start = Math.max(1, Math.trunc(column) || 1);
  if (start > text.length) {
    const first = text.search(/\S/);
    return { startLineNumber: lineNumber, startColumn: first < 0 ? 1 : first + 1, endLineNumber: lineNumber, endColumn: Math.max(text.length + 1, 2) };
  }
  const word = /^[\w$]+/.exec(text.slice(start - 1));
  return { startLineNumber: lineNumber, startColumn: start, endLineNumber: lineNumber, endColumn: start + (word ? word[0].length : 1) };
}
