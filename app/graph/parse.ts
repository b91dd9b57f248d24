// Reads a graph file. parseGraph never throws, whatever the text: every problem becomes a
// diagnostic with a stable code, a JSON path (`$.nodes[2].position.x`), the node id where one
// applies, and a message a researcher understands.
//
// It keeps whatever can be read. Fields with a safe default are repaired (and the repair is
// reported as an error, so nobody mistakes the result for the file); nodes without a usable id
// or type, duplicate nodes, broken or dangling edges and repeated edges are left out, each
// with a diagnostic. Unknown node types and unknown fields are kept as written: the catalog is
// not the parser's business, and a file from a newer app must survive a load and save.
//
// The document is null only when nothing trustworthy can be read (not JSON, not a graph), or
// when saving it could destroy data: a file written in a newer format is never returned.
import { error, warning, type Diagnostic } from '../diagnostics.ts';
import { FORMAT_VERSION, GraphDocumentSchema, MetadataSchema, NodeSchema, PortRefSchema, type GraphDocument } from './document.ts';
import { MIGRATIONS, migrateDocument, type Migration, type RawDocument } from './migrate.ts';
import { formatJsonPath, type JsonPath } from './serialize.ts';

export interface LoadResult {
  /** The graph, repaired where needed; null when it cannot be read safely. */
  document: GraphDocument | null;
  diagnostics: Diagnostic[];
}

/** Stable codes of the problems found while loading a graph file. */
export const GraphCode = {
  /** The file is larger than any graph should be (see MAX_GRAPH_TEXT_LENGTH). */
  FILE_TOO_LARGE: 'GRAPH_FILE_TOO_LARGE',
  /** The file is empty or only whitespace. */
  FILE_EMPTY: 'GRAPH_FILE_EMPTY',
  /** The file could not be read (missing, a folder, no permission). From readGraphFile. */
  FILE_UNREADABLE: 'GRAPH_FILE_UNREADABLE',
  /** The file is not UTF-8 text; unreadable bytes became U+FFFD. From readGraphFile. */
  FILE_ENCODING: 'GRAPH_FILE_ENCODING',
  /** Not valid JSON (the message gives line and column; NaN and Infinity land here). */
  JSON_SYNTAX: 'GRAPH_JSON_SYNTAX',
  /** Objects and arrays nested deeper than MAX_NESTING_DEPTH. */
  TOO_DEEP: 'GRAPH_TOO_DEEP',
  /** A key appears twice in one object; the last value is used (warning). */
  DUPLICATE_KEY: 'GRAPH_DUPLICATE_KEY',
  /** Valid JSON, but not a graph (an array, a number, an object with no graph fields). */
  NOT_A_GRAPH: 'GRAPH_NOT_A_GRAPH',
  FORMAT_MISSING: 'GRAPH_FORMAT_MISSING',
  FORMAT_INVALID: 'GRAPH_FORMAT_INVALID',
  /** Written by a newer app: not loaded, so that it is never overwritten. */
  FORMAT_NEWER: 'GRAPH_FORMAT_NEWER',
  /** Older than any format this app can migrate. */
  FORMAT_UNSUPPORTED: 'GRAPH_FORMAT_UNSUPPORTED',
  /** The file was upgraded from an older format (warning). */
  MIGRATED: 'GRAPH_MIGRATED',
  MIGRATION_FAILED: 'GRAPH_MIGRATION_FAILED',
  /** A required field is missing; a default was filled in. */
  FIELD_MISSING: 'GRAPH_FIELD_MISSING',
  /** A field has the wrong type or an out-of-range value; it was repaired or removed. */
  FIELD_INVALID: 'GRAPH_FIELD_INVALID',
  /** A number too large for a double (1e400 reads as Infinity); repaired or removed. */
  NUMBER_OUT_OF_RANGE: 'GRAPH_NUMBER_OUT_OF_RANGE',
  /** A node without a usable id or type, or not an object; left out. */
  NODE_INVALID: 'GRAPH_NODE_INVALID',
  DUPLICATE_NODE_ID: 'GRAPH_DUPLICATE_NODE_ID',
  /** An edge without usable ends; left out. */
  EDGE_INVALID: 'GRAPH_EDGE_INVALID',
  /** An edge naming a node that is not in the graph; left out. */
  EDGE_UNKNOWN_NODE: 'GRAPH_EDGE_UNKNOWN_NODE',
  DUPLICATE_EDGE: 'GRAPH_DUPLICATE_EDGE',
  /** The repaired document still failed the schema: a bug in the loader, reported not thrown. */
  SCHEMA_INVALID: 'GRAPH_SCHEMA_INVALID',
  /** The loader itself failed: a bug, reported not thrown. */
  INTERNAL: 'GRAPH_INTERNAL',
} as const;
export type GraphCode = (typeof GraphCode)[keyof typeof GraphCode];

/** Characters; a graph is kilobytes, a data set belongs elsewhere. */
export const MAX_GRAPH_TEXT_LENGTH = 64 * 1024 * 1024;
/** Objects and arrays inside one another; a graph needs fewer than ten. */
export const MAX_NESTING_DEPTH = 256;

export interface ParseOptions {
  /** The format steps; tests inject their own. */
  migrations?: readonly Migration[];
  maxLength?: number;
  maxDepth?: number;
}

export function parseGraph(text: string, options: ParseOptions = {}): LoadResult {
  try {
    return parseUnguarded(text, options);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    return {
      document: null,
      diagnostics: [error(GraphCode.INTERNAL, `EBM Studio failed while reading this file (${reason}). This is a bug; the file was not changed.`, { path: '$' })],
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Text → JSON value

function parseUnguarded(text: string, options: ParseOptions): LoadResult {
  const maxLength = options.maxLength ?? MAX_GRAPH_TEXT_LENGTH;
  if (typeof text !== 'string') {
    return fail(GraphCode.NOT_A_GRAPH, 'The graph was not given as text.');
  }
  if (text.length > maxLength) {
    return fail(GraphCode.FILE_TOO_LARGE, `The file is ${formatSize(text.length)} long; a graph file may be at most ${formatSize(maxLength)}. It was not loaded.`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark some editors add
  if (text.trim() === '') return fail(GraphCode.FILE_EMPTY, 'The file is empty: there is no graph in it.');

  const scan = scanJson(text, options.maxDepth ?? MAX_NESTING_DEPTH);
  if (!scan.ok) {
    const { line, column } = lineColumn(text, scan.offset);
    const where = `line ${line}, column ${column}`;
    const message =
      scan.code === GraphCode.TOO_DEEP
        ? `The file nests objects and arrays more than ${options.maxDepth ?? MAX_NESTING_DEPTH} levels deep (at ${where}); a graph file never does. It was not loaded.`
        : `The file is not valid JSON: ${scan.problem} (at ${where}).${looksBinary(text) ? ' It looks like binary data rather than a graph file.' : ''}`;
    return { document: null, diagnostics: [error(scan.code, message, { path: formatJsonPath(scan.path) })] };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return fail(GraphCode.JSON_SYNTAX, `The file is not valid JSON: ${e instanceof Error ? e.message : String(e)}.`);
  }
  const diagnostics: Diagnostic[] = scan.duplicateKeys.map(({ path, key }) =>
    warning(GraphCode.DUPLICATE_KEY, `The key "${clip(key)}" appears more than once in ${formatJsonPath(path.slice(0, -1))}; the last one was used and the others are dropped on save.`, { path: formatJsonPath(path) }),
  );
  const result = readDocument(value, options.migrations ?? MIGRATIONS);
  return { document: result.document, diagnostics: [...diagnostics, ...result.diagnostics] };
}

function fail(code: GraphCode, message: string): LoadResult {
  return { document: null, diagnostics: [error(code, message, { path: '$' })] };
}

function formatSize(chars: number): string {
  if (chars >= 1024 * 1024) return `${(chars / (1024 * 1024)).toFixed(1)} MB`;
  if (chars >= 1024) return `${(chars / 1024).toFixed(1)} KB`;
  return `${chars} characters`;
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

function looksBinary(text: string): boolean {
  const head = text.slice(0, 4096);
  return head.includes('\u0000') || head.includes('\ufffd');
}

type ScanResult =
  | { ok: true; duplicateKeys: { path: JsonPath; key: string }[] }
  | { ok: false; code: typeof GraphCode.JSON_SYNTAX | typeof GraphCode.TOO_DEEP; offset: number; path: JsonPath; problem: string };

interface Frame {
  kind: 'object' | 'array';
  /** The key or index of the member being read; undefined before the first key of an object. */
  seg: string | number | undefined;
  keys: Set<string> | null;
}

const WS = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const DIGIT = (c: number) => c >= 0x30 && c <= 0x39;
const HEX = /^[0-9a-fA-F]{4}$/;

function describeChar(text: string, i: number): string {
  const cp = text.codePointAt(i) ?? 0;
  if (cp < 0x20 || cp === 0x7f || cp === 0xfffd || (cp >= 0x80 && cp < 0xa0)) return `the character U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  return `"${String.fromCodePoint(cp)}"`;
}

/**
 * Checks the JSON grammar without building values, iteratively (no recursion, so any nesting
 * is safe), to say where the first error is (offset and JSON path) in words people know, and
 * to find keys that appear twice in one object (JSON.parse silently keeps the last).
 */
function scanJson(text: string, maxDepth: number): ScanResult {
  const n = text.length;
  const stack: Frame[] = [];
  const duplicateKeys: { path: JsonPath; key: string }[] = [];
  let i = 0;

  const pathHere = (): (string | number)[] => {
    const path: (string | number)[] = [];
    for (const f of stack) {
      if (f.seg === undefined) break;
      path.push(f.seg);
    }
    return path;
  };
  const syntax = (offset: number, problem: string): ScanResult => ({ ok: false, code: GraphCode.JSON_SYNTAX, offset, path: pathHere(), problem });
  const skipWs = () => {
    while (i < n && WS(text.charCodeAt(i))) i++;
  };
  const truncated = (what: string) => syntax(n, `the file ends ${what} (is it cut short?)`);

  /** Scans the string starting at i (a double quote); returns the offset after it, or a failure. */
  const scanString = (): number | ScanResult => {
    let j = i + 1;
    for (;;) {
      if (j >= n) return truncated('inside a string');
      const c = text.charCodeAt(j);
      if (c === 0x22) return j + 1;
      if (c === 0x5c) {
        const e = text[j + 1];
        if (e === undefined) return truncated('inside a string');
        if ('"\\/bfnrt'.includes(e)) j += 2;
        else if (e === 'u' && HEX.test(text.slice(j + 2, j + 6))) j += 6;
        else return syntax(j, e === 'u' ? 'a \\u escape needs four hexadecimal digits' : `"\\${e}" is not an escape JSON knows`);
      } else if (c < 0x20) {
        return syntax(j, c === 0x0a || c === 0x0d ? 'a string runs past the end of the line (write a line break inside a string as \\n)' : `${describeChar(text, j)} is not allowed inside a string (write it as a \\u escape)`);
      } else j++;
    }
  };

  const scanNumber = (): number | ScanResult => {
    let j = i;
    if (text.charCodeAt(j) === 0x2d) {
      j++;
      if (text.startsWith('Infinity', j)) return syntax(i, '-Infinity is not a JSON value; write a number, or null');
    }
    if (text.charCodeAt(j) === 0x30) {
      j++;
      if (DIGIT(text.charCodeAt(j))) return syntax(j - 1, 'a number cannot start with 0 followed by more digits');
    } else if (DIGIT(text.charCodeAt(j))) {
      while (DIGIT(text.charCodeAt(j))) j++;
    } else return j >= n ? truncated('inside a number') : syntax(j, `a number needs digits after "-", not ${describeChar(text, j)}`);
    if (text.charCodeAt(j) === 0x2e) {
      j++;
      if (!DIGIT(text.charCodeAt(j))) return j >= n ? truncated('inside a number') : syntax(j, 'a number needs digits after the decimal point');
      while (DIGIT(text.charCodeAt(j))) j++;
    }
    const e = text.charCodeAt(j);
    if (e === 0x65 || e === 0x45) {
      j++;
      const s = text.charCodeAt(j);
      if (s === 0x2b || s === 0x2d) j++;
      if (!DIGIT(text.charCodeAt(j))) return j >= n ? truncated('inside a number') : syntax(j, 'a number needs digits after its exponent "e"');
      while (DIGIT(text.charCodeAt(j))) j++;
    }
    return j;
  };

  /** Reads `"key":` inside the object on top of the stack. */
  const readKey = (): ScanResult | null => {
    skipWs();
    const top = stack[stack.length - 1]!;
    if (i >= n) return truncated('before this object is closed');
    const c = text.charCodeAt(i);
    if (c !== 0x22) {
      if (c === 0x7d) return syntax(i, 'a comma comes right before "}"; JSON does not allow a trailing comma');
      return syntax(i, `expected a key in double quotes but found ${describeChar(text, i)}`);
    }
    const start = i;
    const end = scanString();
    if (typeof end !== 'number') return end;
    const raw = text.slice(start, end);
    const key = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
    top.seg = key;
    if (top.keys!.has(key)) duplicateKeys.push({ path: pathHere(), key });
    top.keys!.add(key);
    i = end;
    skipWs();
    if (i >= n) return truncated(`after the key "${clip(key)}"`);
    if (text.charCodeAt(i) !== 0x3a) return syntax(i, `expected ":" after the key "${clip(key)}" but found ${describeChar(text, i)}`);
    i++;
    return null;
  };

  let expectValue = true;
  for (;;) {
    if (expectValue) {
      skipWs();
      if (i >= n) return truncated(stack.length ? 'where a value should be' : 'before any value');
      const c = text.charCodeAt(i);
      if (c === 0x7b || c === 0x5b) {
        if (stack.length >= maxDepth) return { ok: false, code: GraphCode.TOO_DEEP, offset: i, path: pathHere().slice(0, 16), problem: 'too deep' };
        const isObject = c === 0x7b;
        stack.push({ kind: isObject ? 'object' : 'array', seg: isObject ? undefined : 0, keys: isObject ? new Set() : null });
        i++;
        skipWs();
        if (text.charCodeAt(i) === (isObject ? 0x7d : 0x5d)) {
          i++;
          stack.pop();
          expectValue = false;
        } else if (isObject) {
          const problem = readKey();
          if (problem) return problem;
        }
        continue;
      }
      if (c === 0x22) {
        const end = scanString();
        if (typeof end !== 'number') return end;
        i = end;
      } else if (c === 0x2d || DIGIT(c)) {
        const end = scanNumber();
        if (typeof end !== 'number') return end;
        i = end;
      } else if (text.startsWith('true', i)) i += 4;
      else if (text.startsWith('false', i)) i += 5;
      else if (text.startsWith('null', i)) i += 4;
      else if (text.startsWith('NaN', i)) return syntax(i, 'NaN is not a JSON value; write a number, or null');
      else if (text.startsWith('Infinity', i)) return syntax(i, 'Infinity is not a JSON value; write a number, or null');
      else if (text.startsWith('undefined', i)) return syntax(i, 'undefined is not a JSON value; write null, or leave the field out');
      else if (n - i < 5 && ['true', 'false', 'null'].some((w) => w.startsWith(text.slice(i)))) return truncated('inside a value');
      else if (c === 0x27) return syntax(i, 'JSON strings take double quotes, not single quotes');
      else if (c === 0x5d && stack[stack.length - 1]?.kind === 'array') return syntax(i, 'a comma comes right before "]"; JSON does not allow a trailing comma');
      else return syntax(i, `expected a value but found ${describeChar(text, i)}`);
      expectValue = false;
      continue;
    }
    // After a value.
    skipWs();
    const top = stack[stack.length - 1];
    if (!top) {
      if (i < n) return syntax(i, `unexpected ${describeChar(text, i)} after the end of the JSON data`);
      return { ok: true, duplicateKeys };
    }
    if (i >= n) return truncated(`before this ${top.kind} is closed`);
    const c = text.charCodeAt(i);
    const close = top.kind === 'object' ? 0x7d : 0x5d;
    if (c === 0x2c) {
      i++;
      if (top.kind === 'array') {
        top.seg = (top.seg as number) + 1;
        expectValue = true;
      } else {
        const problem = readKey();
        if (problem) return problem;
        expectValue = true;
      }
    } else if (c === close) {
      i++;
      stack.pop();
    } else {
      return syntax(i, `expected "," or "${top.kind === 'object' ? '}' : ']'}" but found ${describeChar(text, i)}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// JSON value → GraphDocument

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
const has = (obj: Obj, key: string): boolean => Object.prototype.hasOwnProperty.call(obj, key) && obj[key] !== undefined;

/** Sets a key as an own data property: `out["__proto__"] = v` would change the prototype instead. */
function setOwn(obj: Obj, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

function clip(s: string, max = 40): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** Words for a value, for messages: `the text "abc"`, `the number -3`, `an array`. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'missing';
  if (Array.isArray(value)) return 'a list (array)';
  if (typeof value === 'string') return value === '' ? 'empty text' : `the text "${clip(value)}"`;
  if (typeof value === 'number') return Number.isFinite(value) ? `the number ${value}` : 'a number too large to store';
  if (typeof value === 'boolean') return `${value}`;
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** Cuts a string to at most max code units without splitting a surrogate pair. */
function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  const code = s.charCodeAt(max - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/** The path of the first number that is not finite inside value (1e400 parses as Infinity). */
function findNonFinite(value: unknown, path: JsonPath): JsonPath | null {
  const todo: [unknown, JsonPath][] = [[value, path]];
  const seen = new Set<object>();
  for (let item = todo.pop(); item; item = todo.pop()) {
    const [v, p] = item;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return p;
    } else if (typeof v === 'object' && v !== null && !seen.has(v)) {
      seen.add(v);
      const keys = Object.keys(v);
      for (let k = keys.length - 1; k >= 0; k--) {
        const key = keys[k]!;
        todo.push([(v as Obj)[key], [...p, Array.isArray(v) ? Number(key) : key]]);
      }
    }
  }
  return null;
}

class Reader {
  readonly diagnostics: Diagnostic[] = [];

  report(code: GraphCode, message: string, path: JsonPath, extra: { nodeId?: string; port?: string; param?: string } = {}): void {
    this.diagnostics.push(error(code, message, { path: formatJsonPath(path), ...extra }));
  }

  /** Copies the fields of `raw` not in `known`, leaving out any that hold a number JSON cannot. */
  copyUnknown(raw: Obj, known: readonly string[], out: Obj, path: JsonPath, where: string, nodeId?: string): void {
    for (const key of Object.keys(raw)) {
      if (known.includes(key) || raw[key] === undefined) continue;
      const bad = findNonFinite(raw[key], [...path, key]);
      if (bad) {
        this.report(GraphCode.NUMBER_OUT_OF_RANGE, `${where}: the field "${clip(key)}" holds a number too large to store (${formatJsonPath(bad)}), so the field was removed.`, bad, nodeId === undefined ? {} : { nodeId });
        continue;
      }
      setOwn(out, key, raw[key]);
    }
  }

  metadata(doc: Obj): Obj {
    const path = ['metadata'];
    const defaults = { title: 'Untitled', description: '', appVersion: 'unknown' };
    const out: Obj = {};
    if (!has(doc, 'metadata')) {
      this.report(GraphCode.FIELD_MISSING, 'The file has no metadata (title, description, app version); defaults were filled in.', path);
      return { ...defaults };
    }
    const raw = doc.metadata;
    if (!isObject(raw)) {
      this.report(GraphCode.FIELD_INVALID, `The metadata should be an object with a title, a description and an app version, but it is ${describe(raw)}; defaults were filled in.`, path);
      return { ...defaults };
    }
    const text = (key: 'title' | 'description' | 'appVersion', max: number | null, label: string, required: boolean) => {
      const v = raw[key];
      const p = [...path, key];
      if (v === undefined) {
        if (required) this.report(GraphCode.FIELD_MISSING, `The ${label} is missing; it was set to "${defaults[key]}".`, p);
        out[key] = defaults[key];
      } else if (typeof v !== 'string') {
        this.report(GraphCode.FIELD_INVALID, `The ${label} should be text, but it is ${describe(v)}; it was set to "${defaults[key]}".`, p);
        out[key] = defaults[key];
      } else if (max !== null && v.length > max) {
        this.report(GraphCode.FIELD_INVALID, `The ${label} is ${v.length} characters long, more than the ${max} allowed; it was cut to ${max}.`, p);
        out[key] = truncate(v, max);
      } else out[key] = v;
    };
    text('title', MetadataSchema.shape.title.maxLength, 'title', true);
    text('description', MetadataSchema.shape.description.unwrap().maxLength, 'description', false);
    text('appVersion', MetadataSchema.shape.appVersion.maxLength, 'app version', true);
    this.copyUnknown(raw, ['title', 'description', 'appVersion'], out, path, 'In the metadata');
    return out;
  }

  seed(doc: Obj): number {
    const schema = GraphDocumentSchema.shape.seed;
    const v = doc.seed;
    if (v === undefined) {
      this.report(GraphCode.FIELD_MISSING, 'The seed is missing; it was set to 0.', ['seed']);
      return 0;
    }
    if (schema.safeParse(v).success) return v as number;
    const code = typeof v === 'number' && !Number.isFinite(v) ? GraphCode.NUMBER_OUT_OF_RANGE : GraphCode.FIELD_INVALID;
    this.report(code, `The seed must be a whole number from ${schema.minValue} to ${schema.maxValue}, but it is ${describe(v)}; it was set to 0.`, ['seed']);
    return 0;
  }

  nodes(doc: Obj): Obj[] {
    if (!has(doc, 'nodes')) {
      this.report(GraphCode.FIELD_MISSING, 'The file has no list of nodes; the graph was read as having none.', ['nodes']);
      return [];
    }
    const raw = doc.nodes;
    if (!Array.isArray(raw)) {
      this.report(GraphCode.FIELD_INVALID, `The nodes should be a list (array), but they are ${describe(raw)}; no node could be read.`, ['nodes']);
      return [];
    }
    const out: Obj[] = [];
    const firstIndex = new Map<string, number>();
    raw.forEach((item: unknown, index) => {
      const node = this.node(item, index, firstIndex);
      if (!node) return;
      firstIndex.set(node.id as string, index);
      out.push(node);
    });
    return out;
  }

  /** One node, repaired; null when it is left out. `firstIndex`: where each id kept so far was. */
  node(raw: unknown, index: number, firstIndex: ReadonlyMap<string, number>): Obj | null {
    const path = ['nodes', index];
    const name = `nodes[${index}]`;
    if (!isObject(raw)) {
      this.report(GraphCode.NODE_INVALID, `${name} should be a node (an object), but it is ${describe(raw)}; it was left out.`, path);
      return null;
    }
    const typeHint = typeof raw.type === 'string' && raw.type !== '' ? ` (type "${clip(raw.type)}")` : '';
    const idSchema = NodeSchema.shape.id;
    if (!idSchema.safeParse(raw.id).success) {
      const why =
        raw.id === undefined ? 'has no id' : typeof raw.id === 'string' && raw.id.length > 0 ? `has an id longer than ${idSchema.maxLength} characters` : `has ${describe(raw.id)} as its id, where text is needed`;
      this.report(GraphCode.NODE_INVALID, `The node ${name}${typeHint} ${why}, so edges cannot refer to it; it was left out.`, [...path, 'id']);
      return null;
    }
    const id = raw.id as string;
    const nodeId = { nodeId: id };
    const label = `Node "${clip(id)}"`;
    if (!NodeSchema.shape.type.safeParse(raw.type).success) {
      const why = raw.type === undefined ? 'has no type' : `has ${describe(raw.type)} as its type, where a node type such as "energy.mlp" is needed`;
      this.report(GraphCode.NODE_INVALID, `${label} ${why}, so it cannot be built; it was left out.`, [...path, 'type'], nodeId);
      return null;
    }
    const first = firstIndex.get(id);
    if (first !== undefined) {
      this.report(GraphCode.DUPLICATE_NODE_ID, `Two nodes have the id "${clip(id)}" (nodes[${first}] and nodes[${index}]); the second was left out.`, [...path, 'id'], nodeId);
      return null;
    }
    const out: Obj = {};
    setOwn(out, 'id', id);
    setOwn(out, 'type', raw.type);

    const tv = raw.typeVersion;
    if (tv === undefined) {
      this.report(GraphCode.FIELD_MISSING, `${label} has no typeVersion; it was set to 1.`, [...path, 'typeVersion'], nodeId);
      setOwn(out, 'typeVersion', 1);
    } else if (!NodeSchema.shape.typeVersion.safeParse(tv).success) {
      const code = typeof tv === 'number' && !Number.isFinite(tv) ? GraphCode.NUMBER_OUT_OF_RANGE : GraphCode.FIELD_INVALID;
      this.report(code, `${label}: the typeVersion must be a whole number from 1 up, but it is ${describe(tv)}; it was set to 1.`, [...path, 'typeVersion'], nodeId);
      setOwn(out, 'typeVersion', 1);
    } else setOwn(out, 'typeVersion', tv);

    if (has(raw, 'label')) {
      const l = raw.label;
      const max = NodeSchema.shape.label.unwrap().maxLength ?? Infinity;
      if (typeof l !== 'string') {
        this.report(GraphCode.FIELD_INVALID, `${label}: the label should be text, but it is ${describe(l)}; it was removed.`, [...path, 'label'], nodeId);
      } else if (l.length > max) {
        this.report(GraphCode.FIELD_INVALID, `${label}: the label is ${l.length} characters long, more than the ${max} allowed; it was cut to ${max}.`, [...path, 'label'], nodeId);
        setOwn(out, 'label', truncate(l, max));
      } else setOwn(out, 'label', l);
    }

    setOwn(out, 'position', this.position(raw, [...path, 'position'], label, id));
    setOwn(out, 'params', this.params(raw, [...path, 'params'], label, id));
    this.copyUnknown(raw, ['id', 'type', 'typeVersion', 'label', 'position', 'params'], out, path, label, id);
    return out;
  }

  position(node: Obj, path: JsonPath, label: string, nodeId: string): Obj {
    const raw = node.position;
    if (raw === undefined) {
      this.report(GraphCode.FIELD_MISSING, `${label} has no position on the canvas; it was placed at (0, 0).`, path, { nodeId });
      return { x: 0, y: 0 };
    }
    if (!isObject(raw)) {
      this.report(GraphCode.FIELD_INVALID, `${label}: the position should be an object {"x": …, "y": …}, but it is ${describe(raw)}; it was placed at (0, 0).`, path, { nodeId });
      return { x: 0, y: 0 };
    }
    const out: Obj = {};
    for (const axis of ['x', 'y'] as const) {
      const v = raw[axis];
      if (typeof v === 'number' && Number.isFinite(v)) {
        out[axis] = v;
        continue;
      }
      out[axis] = 0;
      const p = [...path, axis];
      if (v === undefined) this.report(GraphCode.FIELD_MISSING, `${label}: the position has no ${axis}; it was set to 0.`, p, { nodeId });
      else if (typeof v === 'number') this.report(GraphCode.NUMBER_OUT_OF_RANGE, `${label}: the position ${axis} is a number too large to store; it was set to 0.`, p, { nodeId });
      else this.report(GraphCode.FIELD_INVALID, `${label}: the position ${axis} should be a number, but it is ${describe(v)}; it was set to 0.`, p, { nodeId });
    }
    this.copyUnknown(raw, ['x', 'y'], out, path, `${label}'s position`, nodeId);
    return out;
  }

  params(node: Obj, path: JsonPath, label: string, nodeId: string): Obj {
    const raw = node.params;
    if (raw === undefined) {
      this.report(GraphCode.FIELD_MISSING, `${label} has no params; every parameter takes its default.`, path, { nodeId });
      return {};
    }
    if (!isObject(raw)) {
      this.report(GraphCode.FIELD_INVALID, `${label}: the params should be an object of parameter values, but they are ${describe(raw)}; every parameter takes its default.`, path, { nodeId });
      return {};
    }
    const out: Obj = {};
    for (const key of Object.keys(raw)) {
      if (raw[key] === undefined) continue;
      const bad = findNonFinite(raw[key], [...path, key]);
      if (bad) {
        this.report(GraphCode.NUMBER_OUT_OF_RANGE, `${label}: the parameter "${clip(key)}" holds a number too large to store (such as 1e400); it was removed, so it takes its default.`, bad, { nodeId, param: key });
        continue;
      }
      setOwn(out, key, raw[key]);
    }
    return out;
  }

  edges(doc: Obj, nodes: readonly Obj[], droppedIds: ReadonlySet<string>): Obj[] {
    if (!has(doc, 'edges')) {
      this.report(GraphCode.FIELD_MISSING, 'The file has no list of edges; the graph was read as having none.', ['edges']);
      return [];
    }
    const raw = doc.edges;
    if (!Array.isArray(raw)) {
      this.report(GraphCode.FIELD_INVALID, `The edges should be a list (array), but they are ${describe(raw)}; no edge could be read.`, ['edges']);
      return [];
    }
    const ids = new Set(nodes.map((n) => n.id as string));
    const seen = new Map<string, number>();
    const out: Obj[] = [];
    raw.forEach((item: unknown, index) => {
      const edge = this.edge(item, index, ids, droppedIds);
      if (!edge) return;
      const s = edge.source as Obj;
      const t = edge.target as Obj;
      const key = JSON.stringify([s.node, s.port, t.node, t.port]);
      const first = seen.get(key);
      if (first !== undefined) {
        this.report(GraphCode.DUPLICATE_EDGE, `edges[${index}] repeats edges[${first}] (${describeEdge(s, t)}); the repeat was left out.`, ['edges', index], { nodeId: s.node as string });
        return;
      }
      seen.set(key, index);
      out.push(edge);
    });
    return out;
  }

  edge(raw: unknown, index: number, ids: ReadonlySet<string>, droppedIds: ReadonlySet<string>): Obj | null {
    const path = ['edges', index];
    const name = `edges[${index}]`;
    if (!isObject(raw)) {
      this.report(GraphCode.EDGE_INVALID, `${name} should be an edge (an object with a source and a target), but it is ${describe(raw)}; it was left out.`, path);
      return null;
    }
    const nodeOf = (end: unknown): string | undefined => (isObject(end) && typeof end.node === 'string' && ids.has(end.node) ? end.node : undefined);
    const ends = { source: raw.source, target: raw.target };
    for (const end of ['source', 'target'] as const) {
      const ref = ends[end];
      const other = nodeOf(ends[end === 'source' ? 'target' : 'source']);
      const extra = other === undefined ? {} : { nodeId: other };
      const p = [...path, end];
      if (ref === undefined) {
        this.report(GraphCode.EDGE_INVALID, `${name} has no ${end}, so it connects nothing; it was left out.`, p, extra);
        return null;
      }
      if (!isObject(ref)) {
        this.report(GraphCode.EDGE_INVALID, `${name}: the ${end} should be an object {"node": …, "port": …}, but it is ${describe(ref)}; the edge was left out.`, p, extra);
        return null;
      }
      for (const field of ['node', 'port'] as const) {
        if (!PortRefSchema.shape[field].safeParse(ref[field]).success) {
          const what = ref[field] === undefined ? `has no ${field}` : `has ${describe(ref[field])} as its ${field}, where a ${field === 'node' ? 'node id' : 'port name'} is needed`;
          this.report(GraphCode.EDGE_INVALID, `${name}: its ${end} ${what}; the edge was left out.`, [...p, field], extra);
          return null;
        }
      }
    }
    const source = ends.source as Obj;
    const target = ends.target as Obj;
    for (const [end, ref] of [['source', source], ['target', target]] as const) {
      const id = ref.node as string;
      if (ids.has(id)) continue;
      const other = nodeOf(end === 'source' ? target : source);
      const why = droppedIds.has(id) ? 'which was left out (see above)' : 'which is not in the graph';
      this.report(GraphCode.EDGE_UNKNOWN_NODE, `${name} (${describeEdge(source, target)}) ${end === 'source' ? 'starts at' : 'ends at'} node "${clip(id)}", ${why}; the edge was left out.`, [...path, end, 'node'], other === undefined ? {} : { nodeId: other });
      return null;
    }
    const out: Obj = {};
    setOwn(out, 'source', this.portRef(source, [...path, 'source'], name));
    setOwn(out, 'target', this.portRef(target, [...path, 'target'], name));
    this.copyUnknown(raw, ['source', 'target'], out, path, name);
    return out;
  }

  portRef(raw: Obj, path: JsonPath, name: string): Obj {
    const out: Obj = { node: raw.node, port: raw.port };
    this.copyUnknown(raw, ['node', 'port'], out, path, name);
    return out;
  }
}

function describeEdge(s: Obj, t: Obj): string {
  return `${clip(String(s.node))}.${clip(String(s.port))} → ${clip(String(t.node))}.${clip(String(t.port))}`;
}

/** Reads the format version and migrates; then repairs field by field. */
function readDocument(value: unknown, migrations: readonly Migration[]): LoadResult {
  if (!isObject(value)) {
    return fail(GraphCode.NOT_A_GRAPH, `The file holds ${describe(value)}, not an EBM Studio graph (a JSON object with formatVersion, metadata, seed, nodes and edges).`);
  }
  if (!has(value, 'formatVersion') && !has(value, 'nodes') && !has(value, 'edges')) {
    return fail(GraphCode.NOT_A_GRAPH, 'The file is JSON but not an EBM Studio graph: it has no formatVersion, nodes or edges.');
  }
  const diagnostics: Diagnostic[] = [];
  const current = FORMAT_VERSION;
  let version: number;
  const fv = value.formatVersion;
  const newer = (v: number): LoadResult => ({
    document: null,
    diagnostics: [
      ...diagnostics,
      error(GraphCode.FORMAT_NEWER, `This file was written by a newer version of EBM Studio (file format ${v}; this app reads format ${current} and older). Update EBM Studio to open it. It was not loaded, so it cannot be overwritten.`, { path: '$.formatVersion' }),
    ],
  });
  if (fv === undefined) {
    diagnostics.push(error(GraphCode.FORMAT_MISSING, `The file does not say which format it is written in (no formatVersion); it was read as format ${current}.`, { path: '$.formatVersion' }));
    version = current;
  } else if (typeof fv === 'number' || (typeof fv === 'string' && /^\s*\d+\s*$/.test(fv))) {
    const n = Number(fv);
    if (typeof fv === 'string') {
      diagnostics.push(error(GraphCode.FORMAT_INVALID, `The formatVersion should be the number ${n}, not the text "${clip(fv)}"; it was read as ${n}.`, { path: '$.formatVersion' }));
    }
    if (n > current) return newer(n);
    if (Number.isInteger(n)) version = n;
    else {
      diagnostics.push(error(GraphCode.FORMAT_INVALID, `The formatVersion should be a whole number, but it is ${describe(n)}; it was read as format ${current}.`, { path: '$.formatVersion' }));
      version = current;
    }
  } else {
    diagnostics.push(error(GraphCode.FORMAT_INVALID, `The formatVersion should be a number, but it is ${describe(fv)}; it was read as format ${current}.`, { path: '$.formatVersion' }));
    version = current;
  }

  let raw: RawDocument = value;
  if (version < current) {
    const outcome = migrateDocument(raw, version, migrations, current);
    if (!outcome.ok) {
      const message =
        outcome.kind === 'no-path'
          ? `This file is written in format ${version}, which this version of EBM Studio cannot read (it reads format ${current}${migrations.length ? ` and upgrades from format ${Math.min(...migrations.map((m) => m.from))}` : ''}). It was not loaded.`
          : `Upgrading this file from format ${outcome.step.from} to ${outcome.step.to} failed (${outcome.reason}). It was not loaded, and it was not changed.`;
      const code = outcome.kind === 'no-path' ? GraphCode.FORMAT_UNSUPPORTED : GraphCode.MIGRATION_FAILED;
      return { document: null, diagnostics: [...diagnostics, error(code, message, { path: '$.formatVersion' })] };
    }
    raw = outcome.raw;
    diagnostics.push(
      warning(GraphCode.MIGRATED, `This file was written in format ${version} and was upgraded to format ${current} (${outcome.applied.map((m) => m.description).join('; ')}). Saving writes format ${current}, which older versions of EBM Studio cannot open.`, { path: '$.formatVersion' }),
    );
  }

  const reader = new Reader();
  const out: Obj = {};
  setOwn(out, 'formatVersion', current);
  setOwn(out, 'metadata', reader.metadata(raw));
  setOwn(out, 'seed', reader.seed(raw));
  const nodes = reader.nodes(raw);
  setOwn(out, 'nodes', nodes);
  const keptIds = new Set(nodes.map((n) => n.id as string));
  const droppedIds = new Set<string>();
  if (Array.isArray(raw.nodes)) {
    for (const n of raw.nodes as unknown[]) if (isObject(n) && typeof n.id === 'string' && !keptIds.has(n.id)) droppedIds.add(n.id);
  }
  setOwn(out, 'edges', reader.edges(raw, nodes, droppedIds));
  reader.copyUnknown(raw, ['formatVersion', 'metadata', 'seed', 'nodes', 'edges'], out, [], 'At the top of the file');
  diagnostics.push(...reader.diagnostics);

  // The repairs above follow the schema; this check keeps them honest as the schema evolves.
  const check = GraphDocumentSchema.safeParse(out);
  if (!check.success) {
    for (const issue of check.error.issues) {
      diagnostics.push(error(GraphCode.SCHEMA_INVALID, `${issue.message} (this file could not be repaired automatically)`, { path: formatJsonPath(issue.path.filter((s): s is string | number => typeof s !== 'symbol')) }));
    }
    return { document: null, diagnostics };
  }
  return { document: out as GraphDocument, diagnostics };
}
