// Where custom code runs: an SES Compartment whose only global beyond JavaScript's own is `tf`.
//
// Why SES (Hardened JavaScript) and not node:vm or vm2: a vm context shares objects with the host
// realm, and the constructor chain of any host object it is given (x.constructor.constructor) is the
// host's Function, which evaluates code with require and process in scope; vm2 patched those leaks
// one by one for years and was abandoned for that reason. SES's lockdown() freezes the shared
// intrinsics and makes every Function constructor reachable from an object inert, so a compartment
// holds exactly what it is given. Here that is a frozen facade of tensor ops (facade.ts); eval,
// Function, Compartment and Promise are removed from its globals (with the names of Node's and the
// browser's, each an error saying why), and Date.now and Math.random throw in every compartment.
//
// lockdown() itself is Node-only setup and happens in the training thread, after tfjs has loaded
// (app/runtime/node/lockdown.ts). This module only uses its results, so it is pure; without a
// locked-down realm it refuses to run anything.
import { CODE_FILE_NAME, type CompiledCode, type CodeDiagnostic, type Position } from './code.ts';
import { makeFacade } from './facade.ts';

interface CompartmentLike {
  readonly globalThis: Record<string, unknown>;
  evaluate(code: string): unknown;
}
interface SesRealm {
  Compartment: new (options: { globals: Record<string, unknown>; __options__: true }) => CompartmentLike;
  harden<T>(value: T): T;
}

/** The realm's SES globals, once lockdown() has run; null before. */
function sesRealm(): SesRealm | null {
  const g = globalThis as unknown as Partial<SesRealm>;
  if (typeof g.Compartment !== 'function' || typeof g.harden !== 'function') return null;
  // lockdown() freezes the intrinsics: before it, Object.prototype is not frozen.
  if (!Object.isFrozen(Object.prototype) || !Object.isFrozen(Function.prototype)) return null;
  return g as SesRealm;
}

export const isSandboxReady = (): boolean => sesRealm() !== null;

// ---------------------------------------------------------------------------------------------
// The time limit. Custom code is synchronous, so an infinite loop blocks the thread that runs it:
// only another thread can end it. The training thread installs a watch that writes a deadline
// where the thread that started it polls (app/runtime/node/start-run.ts). The limit covers loading
// the code and each energy() call; a callback the code might queue cannot outlive its call (no
// Promise, no timers, and tensors' asynchronous reads throw inside it). What it does not cover:
// code that deliberately plants getters on tensors tfjs reads later can stall the thread outside a
// timed call. It still reaches nothing, and Cancel ends the thread after its grace period.

export type UserCallKind = 'load' | 'energy';

export interface UserCall {
  readonly nodeId: string;
  readonly kind: UserCallKind;
  readonly limitMs: number;
}

export interface CallWatch {
  enter(call: UserCall): void;
  leave(): void;
}

let watch: CallWatch | null = null;
let depth = 0;

/** Installs the watch every call into custom code reports to (null: none, no time limit). */
export function setCallWatch(w: CallWatch | null): void {
  watch = w;
}

/** True while custom code is on the stack (realm setup blocks asynchronous tensor reads then). */
export const insideUserCode = (): boolean => depth > 0;

/** Runs `fn`, which calls into custom code, under the watch. */
export function callUserCode<T>(call: UserCall, fn: () => T): T {
  if (depth++ === 0) watch?.enter(call);
  try {
    return fn();
  } finally {
    if (--depth === 0) watch?.leave();
  }
}

// ---------------------------------------------------------------------------------------------
// Evaluation.

/** Problems found while running custom code, each with its place in the code. */
export class CodeError extends Error {
  constructor(readonly diagnostics: CodeDiagnostic[]) {
    super(diagnostics.map((d) => `line ${d.line}, column ${d.column}: ${d.message}`).join('; '));
    this.name = 'CodeError';
  }
}

/** The module wrapper: custom code's JavaScript is a function of `exports`, starting on line 1. */
const PREFIX = '(function (exports) {';

let facade: Record<string, unknown> | null = null;

const NOTHING_ELSE = 'tf is in scope and nothing else (no modules, process, files or network)';
/** Globals custom code might reach for, each a clear error rather than `undefined`: a compartment
 * has JavaScript's own globals only, and of those we remove the ones that evaluate strings (eval,
 * Function, Compartment) or defer work past the call's time limit (Promise). */
const UNAVAILABLE: Record<string, string> = {
  eval: 'it evaluates no strings',
  Function: 'it evaluates no strings',
  Compartment: 'it evaluates no strings',
  lockdown: NOTHING_ELSE,
  harden: NOTHING_ELSE,
  Promise: 'it is synchronous (energy() returns its tensor)',
  process: NOTHING_ELSE,
  require: NOTHING_ELSE,
  module: NOTHING_ELSE,
  global: NOTHING_ELSE,
  Buffer: NOTHING_ELSE,
  fetch: NOTHING_ELSE,
  XMLHttpRequest: NOTHING_ELSE,
  WebSocket: NOTHING_ELSE,
  WebAssembly: NOTHING_ELSE,
  setTimeout: 'it has no timers',
  setInterval: 'it has no timers',
  setImmediate: 'it has no timers',
  queueMicrotask: 'it is synchronous (energy() returns its tensor)',
  console: 'to look at a value while writing the code, throw it (throw new Error(String(x.shape))) and read the message',
};

/**
 * Evaluates compiled custom code in a fresh compartment and returns its exports object. Call
 * inside callUserCode: top-level code runs here. Throws CodeError for an error it throws.
 */
export function evaluateCode(compiled: CompiledCode): Record<string, unknown> {
  const realm = sesRealm();
  if (!realm)
    throw new Error('custom code runs only in a training thread whose JavaScript realm is locked down (SES); this one is not, so the code was not run');
  facade ??= realm.harden(makeFacade());
  const compartment = new realm.Compartment({ globals: { tf: facade }, __options__: true });
  for (const [name, why] of Object.entries(UNAVAILABLE)) {
    const message = `${name} is not available in custom code: ${why}`;
    Object.defineProperty(compartment.globalThis, name, {
      get() {
        throw new ReferenceError(message);
      },
      configurable: false,
    });
  }
  let define: (exports: Record<string, unknown>) => void;
  try {
    define = compartment.evaluate(`${PREFIX}${compiled.js}\n})\n//# sourceURL=${CODE_FILE_NAME}\n`) as typeof define;
  } catch (e) {
    // SES's own refusals name the line ("… rejected at custom-energy.ts:3"); code.ts reports the
    // same patterns earlier, so this is a fallback.
    const message = e instanceof Error ? e.message : String(e);
    const line = /custom-energy\.ts:(\d+)/.exec(message);
    throw new CodeError([{ code: 'CODE_SYNTAX', severity: 'error', message: `the sandbox refused the code: ${message}`, line: line ? Number(line[1]) : 1, column: 1 }]);
  }
  const exports: Record<string, unknown> = {};
  try {
    define(exports);
  } catch (e) {
    throw new CodeError([runtimeDiagnostic(e, compiled, { line: 1, column: 1 }, 'while loading the code')]);
  }
  return exports;
}

/**
 * A diagnostic for a value custom code threw (or an op it called threw), placed at the innermost
 * frame of custom code in its stack. Reads the thrown value, so call it inside callUserCode.
 */
export function runtimeDiagnostic(e: unknown, compiled: CompiledCode, fallback: Position, context: string): CodeDiagnostic {
  let message: string;
  let stack = '';
  try {
    if (e instanceof Error) {
      message = `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}`;
      stack = String(e.stack ?? '');
    } else message = `it threw ${typeof e === 'string' ? JSON.stringify(e) : String(e)}`;
  } catch {
    message = 'it threw a value that cannot be shown';
  }
  const frame = new RegExp(`${CODE_FILE_NAME.replace('.', '\\.')}:(\\d+):(\\d+)`).exec(stack);
  let at = fallback;
  if (frame) {
    const line = Number(frame[1]);
    const column0 = Number(frame[2]) - 1 - (line === 1 ? PREFIX.length : 0);
    at = compiled.at(line, Math.max(0, column0));
  }
  return { code: 'CODE_RUNTIME', severity: 'error', message: `${context}: ${message}`, line: at.line, column: at.column };
}
