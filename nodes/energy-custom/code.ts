// Custom energy code, read without running it: TypeScript becomes JavaScript (sucrase, which keeps
// every line where it was and maps every token back), is parsed (acorn), checked for what the
// sandbox refuses, and scanned for the ops it calls (second order). Pure: no tensors, no node:*,
// because compile() runs it in the renderer too. Nothing here is a security boundary (the sandbox
// is, sandbox.ts); this is where people get clear messages with a line and column.
import { parse, type AnyNode, type Program } from 'acorn';
import { fullAncestor } from 'acorn-walk';
import { transform } from 'sucrase';
import { FACADE_OPS, REPLACED_OPS, SECOND_ORDER_METHODS, SECOND_ORDER_OPS, TENSOR_METHODS } from './ops.ts';

/** A problem in custom code, where Monaco (and people) can put it: 1-based line and column. */
export interface CodeDiagnostic {
  /** Stable: CODE_SYNTAX, CODE_MODULE, CODE_ASYNC, CODE_REFUSED_TEXT, CODE_UNKNOWN_OP (static);
   * CODE_EXPORTS, CODE_PARAMS, CODE_RUNTIME, CODE_OUTPUT, CODE_NOT_FINITE, CODE_NO_GRADIENT,
   * CODE_TIMEOUT (found by running it, check.ts). */
  code: string;
  severity: 'error' | 'warning';
  message: string;
  line: number;
  column: number;
}

export interface Position {
  line: number;
  column: number;
}

/** The file name custom code has in stack traces (see sandbox.ts). */
export const CODE_FILE_NAME = 'custom-energy.ts';

export interface CompiledCode {
  readonly source: string;
  /** CommonJS JavaScript (exports.energy, exports.params), line for line with the source. */
  readonly js: string;
  readonly program: Program;
  /** The source position of a position in `js` (line 1-based, column 0-based). */
  at(line: number, column0: number): Position;
}

export interface CompileOutcome {
  compiled: CompiledCode | null;
  /** Errors that stop the code from running, sorted by position. */
  diagnostics: CodeDiagnostic[];
}

const cache = new Map<string, CompileOutcome>();
const CACHE_SIZE = 8;

/** Compiles and checks custom code; the same text gives the same (cached) outcome. */
export function compileCode(source: string): CompileOutcome {
  const hit = cache.get(source);
  if (hit) return hit;
  const outcome = compileUncached(source);
  cache.set(source, outcome);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return outcome;
}

function compileUncached(source: string): CompileOutcome {
  let js: string;
  let mappings: string;
  try {
    const out = transform(source, { transforms: ['typescript', 'imports'], sourceMapOptions: { compiledFilename: 'custom-energy.js' }, filePath: CODE_FILE_NAME });
    js = out.code;
    mappings = out.sourceMap?.mappings ?? '';
  } catch (e) {
    const loc = (e as { loc?: { line: number; column: number } }).loc;
    const message = (e instanceof Error ? e.message : String(e)).replace(/\s*\(\d+:\d+\)$/, '').replace(/^Error transforming [^:]*: /, '');
    // sucrase's columns are 1-based already.
    return { compiled: null, diagnostics: [diag('CODE_SYNTAX', `syntax error: ${message}`, loc ? { line: loc.line, column: loc.column } : { line: 1, column: 1 })] };
  }
  const lines = decodeMappings(mappings);
  const at = (line: number, column0: number): Position => toSource(lines, line, column0);
  let program: Program;
  try {
    program = parse(js, { ecmaVersion: 'latest', sourceType: 'script', locations: true });
  } catch (e) {
    const loc = (e as { loc?: { line: number; column: number } }).loc;
    const message = (e instanceof Error ? e.message : String(e)).replace(/\s*\(\d+:\d+\)$/, '');
    return { compiled: null, diagnostics: [diag('CODE_SYNTAX', `syntax error: ${message}`, loc ? at(loc.line, loc.column) : { line: 1, column: 1 })] };
  }
  const compiled: CompiledCode = { source, js, program, at };
  const diagnostics = [...refusedText(js, source), ...staticProblems(compiled)].sort((a, b) => a.line - b.line || a.column - b.column);
  return { compiled, diagnostics };
}

function diag(code: string, message: string, where: Position): CodeDiagnostic {
  return { code, severity: 'error', message, line: where.line, column: where.column };
}

/** "line 3, column 5: message", for places that show diagnostics as text. */
export function formatCodeDiagnostic(d: CodeDiagnostic): string {
  return `line ${d.line}, column ${d.column}: ${d.message}`;
}

// ---------------------------------------------------------------------------------------------
// Source maps: sucrase maps every token of its output to the token it came from.

interface Segment {
  gen: number;
  line: number;
  col: number;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** The "mappings" of a version 3 source map: per generated line, its segments in order. */
function decodeMappings(mappings: string): Segment[][] {
  const lines: Segment[][] = [];
  let line = 0;
  let col = 0;
  for (const text of mappings.split(';')) {
    const segments: Segment[] = [];
    let gen = 0;
    for (const segment of text.split(',')) {
      if (!segment) continue;
      const values: number[] = [];
      let value = 0;
      let shift = 0;
      for (const ch of segment) {
        const digit = BASE64.indexOf(ch);
        value += (digit & 31) << shift;
        if (digit & 32) shift += 5;
        else {
          values.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      gen += values[0] ?? 0;
      if (values.length < 4) continue;
      line += values[2]!;
      col += values[3]!;
      segments.push({ gen, line, col });
    }
    lines.push(segments);
  }
  return lines;
}

function toSource(lines: Segment[][], line: number, column0: number): Position {
  const segments = lines[line - 1] ?? [];
  let best: Segment | undefined;
  for (const s of segments) if (s.gen <= column0) best = s;
  if (!best) return { line, column: segments.length ? 1 : column0 + 1 };
  // The token's own column: positions reported (stack frames, parse errors, AST nodes) are token
  // starts, and code sucrase adds (require for an import) maps to the token it came from.
  return { line: best.line + 1, column: best.col + 1 };
}

// ---------------------------------------------------------------------------------------------
// What the sandbox refuses, said before it runs.

/**
 * SES refuses, by pattern and anywhere in the text (comments and strings too), what looks like a
 * module import, an HTML comment or a direct eval (ses/src/transforms.js). The same patterns here
 * give the line, and a reason, before the code ever reaches it.
 */
const REFUSED_TEXT: { pattern: RegExp; what: string }[] = [
  { pattern: /(^|[^.]|\.\.\.)\bimport(\s*(?:\(|\/[/*]))/g, what: 'looks like a module import ("import(")' },
  { pattern: /(?:<!--|-->)/g, what: 'looks like an HTML comment ("<!--" or "-->")' },
  { pattern: /(^|[^.])\beval(\s*\()/g, what: 'looks like a call to eval' },
];

function refusedText(js: string, source: string): CodeDiagnostic[] {
  const found: CodeDiagnostic[] = [];
  const sourceLines = source.split('\n');
  js.split('\n').forEach((text, i) => {
    for (const { pattern, what } of REFUSED_TEXT) {
      pattern.lastIndex = 0;
      if (!pattern.test(text)) continue;
      // Comments and strings pass through unchanged, on the same line: the column is the source's.
      pattern.lastIndex = 0;
      const m = pattern.exec(sourceLines[i] ?? '');
      const column = m ? m.index + (m[1]?.length ?? 0) + 1 : 1;
      found.push(diag('CODE_REFUSED_TEXT', `this ${what}, which the sandbox refuses anywhere in the code, even in a comment or a string; reword it`, { line: i + 1, column }));
    }
  });
  return found;
}

const where = (c: CompiledCode, node: AnyNode): Position => c.at(node.loc!.start.line, node.loc!.start.column);

/** Loading modules, asynchronous code, and tf.<name> that custom code does not have. */
function staticProblems(c: CompiledCode): CodeDiagnostic[] {
  const found: CodeDiagnostic[] = [];
  fullAncestor(c.program, (node) => {
    switch (node.type) {
      case 'ImportExpression':
      case 'MetaProperty':
        found.push(diag('CODE_MODULE', 'custom code cannot load modules: tf is already in scope, and nothing else is there', where(c, node)));
        break;
      case 'CallExpression':
        if (node.callee.type === 'Identifier' && node.callee.name === 'require') {
          // sucrase turns an import into a require: point at the import itself.
          const at = where(c, node);
          const text = c.source.split('\n')[at.line - 1] ?? '';
          const keyword = /\bimport\b/.exec(text);
          found.push(
            diag('CODE_MODULE', 'custom code cannot import or require modules: tf is already in scope, and nothing else is there (import type … is fine)', {
              line: at.line,
              column: keyword && !/\brequire\s*\(/.test(text) ? keyword.index + 1 : at.column,
            }),
          );
        }
        break;
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        if (node.async) found.push(diag('CODE_ASYNC', 'custom code is synchronous: energy() must return its tensor, so async functions are not allowed', where(c, node)));
        break;
      case 'AwaitExpression':
      case 'ForOfStatement':
        if (node.type === 'AwaitExpression' || node.await) found.push(diag('CODE_ASYNC', 'custom code is synchronous: await is not allowed', where(c, node)));
        break;
      case 'MemberExpression': {
        if (node.object.type !== 'Identifier' || node.object.name !== 'tf') break;
        const name = propertyName(node);
        if (name !== null && !FACADE_OPS.has(name))
          found.push(diag('CODE_UNKNOWN_OP', `tf.${name} is not available in custom code${unknownOpHint(name)}`, where(c, node)));
        break;
      }
    }
  });
  return found;
}

function unknownOpHint(name: string): string {
  if (/^random|^truncatedNormal|^multinomial|^dropout/.test(name)) return ': an energy is a function of x and the parameters, with no randomness of its own';
  return ': it has the deterministic tensor ops of tfjs-core (see the list in the node’s help)';
}

/** The name of `obj.name` or `obj['name']`; null when it is computed. */
function propertyName(node: AnyNode & { type: 'MemberExpression' }): string | null {
  if (!node.computed && node.property.type === 'Identifier') return node.property.name;
  if (node.computed && node.property.type === 'Literal' && typeof node.property.value === 'string') return node.property.value;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Second order: the ops the code calls, and whether each has verified nested derivatives.

/** Global objects whose methods are not tensor ops (Math.exp is a number). */
const NOT_TENSORS = new Set(['Math', 'Number', 'Object', 'Array', 'JSON', 'Reflect', 'String', 'Symbol', 'BigInt', 'Date', 'Boolean']);

export interface SecondOrderProblem extends Position {
  message: string;
}

/**
 * Every tf.<name> the code names, and every tensor method it names (x.tanh()), must be in the
 * verified sets of ops.ts, and tf must be used only as tf.<name> (an alias could call anything).
 * A scan of the text: it catches honest mistakes; it does not run the code.
 */
export function secondOrderProblems(c: CompiledCode): SecondOrderProblem[] {
  const found: SecondOrderProblem[] = [];
  const add = (node: AnyNode, message: (line: number) => string) => {
    const p = where(c, node);
    found.push({ ...p, message: message(p.line) });
  };
  const text = (node: AnyNode): string => {
    const s = c.js.slice(node.start, node.end);
    return s.length <= 32 && !s.includes('\n') ? s : 'x';
  };
  fullAncestor(c.program, (node, _state, ancestors, type) => {
    const parent = ancestors[ancestors.length - 2];
    if (node.type === 'Identifier' && node.name === 'tf') {
      const asObject = parent?.type === 'MemberExpression' && parent.object === node;
      if (type === 'VariablePattern') add(node, (line) => `tf is declared again at line ${line}; keep the name tf for the ops, so that the check can follow them`);
      else if (!asObject) add(node, (line) => `tf is used at line ${line} other than as tf.<name>(…); call the ops directly, so that the check can follow them`);
      return;
    }
    if (node.type !== 'MemberExpression') return;
    const called = parent?.type === 'CallExpression' && parent.callee === node;
    const name = propertyName(node);
    if (node.object.type === 'Identifier' && node.object.name === 'tf') {
      if (name === null) add(node, (line) => `tf[…] at line ${line} is computed, so the check cannot tell which op it is; write tf.<name>(…)`);
      else if (!SECOND_ORDER_OPS.has(name)) add(node, (line) => `tf.${name} at line ${line} has no verified second derivative; ${VERIFIED_HINT}`);
      return;
    }
    if (name === null) {
      if (called) add(node, (line) => `a computed call at line ${line}, ${text(node.object)}[…](), is one the check cannot follow; call tf.<name>(…) directly`);
      return;
    }
    if (!TENSOR_METHODS.has(name) || SECOND_ORDER_METHODS.has(name)) return;
    if (node.object.type === 'Identifier' && NOT_TENSORS.has(node.object.name)) return;
    const object = text(node.object);
    if ((REPLACED_OPS as readonly string[]).includes(name))
      add(node.property, (line) =>
        called
          ? `${name} at line ${line} is called as a method, ${object}.${name}(); write tf.${name}(${object}), whose derivatives are verified`
          : `${object}.${name} at line ${line} is tfjs’s own ${name}; write tf.${name}(${object}), whose derivatives are verified`,
      );
    else add(node.property, (line) => `${object}.${name}${called ? '()' : ''} at line ${line} has no verified second derivative; ${VERIFIED_HINT}`);
  });
  return found.sort((a, b) => a.line - b.line || a.column - b.column);
}

const VERIFIED_HINT = `score-based objectives accept ${[...REPLACED_OPS, 'add', 'sub', 'mul', 'div', 'square', 'matMul', 'sum', 'mean', 'log', 'sqrt', 'sin', 'cos'].map((n) => `tf.${n}`).join(', ')} and the other ops listed as verified in the node’s help`;

// ---------------------------------------------------------------------------------------------
// Where things are declared, for diagnostics found by running the code.

/** The position of `export function energy` (or `export const energy = …`), if there is one. */
export function energyPosition(c: CompiledCode): Position | null {
  return declarationPosition(c, 'energy');
}

/** The positions of the keys of `export const params = { … }`, by name. */
export function paramPositions(c: CompiledCode): Map<string, Position> {
  const found = new Map<string, Position>();
  for (const statement of c.program.body) {
    if (statement.type !== 'VariableDeclaration') continue;
    for (const d of statement.declarations) {
      if (d.id.type !== 'Identifier' || d.id.name !== 'params' || d.init?.type !== 'ObjectExpression') continue;
      for (const p of d.init.properties) {
        if (p.type !== 'Property') continue;
        const key = p.key.type === 'Identifier' && !p.computed ? p.key.name : p.key.type === 'Literal' ? String(p.key.value) : null;
        if (key !== null) found.set(key, where(c, p));
      }
    }
  }
  return found;
}

/** The position of the top-level declaration of `name`. */
export function declarationPosition(c: CompiledCode, name: string): Position | null {
  for (const statement of c.program.body) {
    if (statement.type === 'FunctionDeclaration' && statement.id?.name === name) return where(c, statement);
    if (statement.type === 'VariableDeclaration')
      for (const d of statement.declarations) if (d.id.type === 'Identifier' && d.id.name === name) return where(c, d);
  }
  return null;
}
