// Writes a GraphDocument as stable text, so that git diffs of graph files stay small:
// known fields in a fixed order, then unknown fields sorted by key; params (and every object
// inside params or inside unknown fields) sorted by key; 2-space indent; a final newline.
// Changing one scalar parameter changes exactly one line.
//
// The writer is our own rather than JSON.stringify's: JavaScript objects always list
// integer-like keys ("0", "12") first, which would break the fixed order, and a key named
// "__proto__" must be written like any other.
import type { GraphDocument } from './document.ts';

/** A location in a JSON value: object keys and array indices, outermost first. */
export type JsonPath = readonly (string | number)[];

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `['nodes', 2, 'position', 'x']` → `$.nodes[2].position.x`; odd keys are quoted: `$.params["learning rate"]`. */
export function formatJsonPath(path: JsonPath): string {
  let out = '$';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (IDENTIFIER.test(seg)) out += `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

const DOCUMENT_KEYS = ['formatVersion', 'metadata', 'seed', 'nodes', 'edges'] as const;
const METADATA_KEYS = ['title', 'description', 'appVersion'] as const;
const NODE_KEYS = ['id', 'type', 'typeVersion', 'label', 'position', 'params'] as const;
const POSITION_KEYS = ['x', 'y'] as const;
const EDGE_KEYS = ['source', 'target'] as const;
const PORT_REF_KEYS = ['node', 'port'] as const;

/** Code-unit order: the same on every machine and locale. */
export const compareKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** An object whose key order is decided: what the writer prints. */
class Ordered {
  constructor(readonly entries: readonly (readonly [string, unknown])[]) {}
}

type Layout = { known: readonly string[]; child?: (key: string) => Layout | undefined };

const PORT_REF: Layout = { known: PORT_REF_KEYS };
const EDGE: Layout = { known: EDGE_KEYS, child: (k) => (k === 'source' || k === 'target' ? PORT_REF : undefined) };
const POSITION: Layout = { known: POSITION_KEYS };
const NODE: Layout = { known: NODE_KEYS, child: (k) => (k === 'position' ? POSITION : undefined) };
const METADATA: Layout = { known: METADATA_KEYS };

class SaveError extends Error {}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Orders one value: known keys of `layout` first, in order, then the rest sorted. */
function order(value: unknown, path: (string | number)[], layout: Layout | undefined, ancestors: Set<object>, listItem?: Layout): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new SaveError(`the number at ${formatJsonPath(path)} is ${value}, which a JSON file cannot hold`);
    return value;
  }
  if (typeof value !== 'object') throw new SaveError(`${formatJsonPath(path)} holds a ${typeof value}, which a JSON file cannot hold`);
  if (ancestors.has(value)) throw new SaveError(`${formatJsonPath(path)} contains itself (a cycle)`);
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      return value.map((item: unknown, i) => {
        if (item === undefined) throw new SaveError(`${formatJsonPath([...path, i])} is undefined`);
        return order(item, [...path, i], listItem, ancestors);
      });
    }
    if (!isPlainObject(value)) throw new SaveError(`${formatJsonPath(path)} is not plain data (${value.constructor?.name ?? 'object'})`);
    const known = layout?.known ?? [];
    const rest = Object.keys(value)
      .filter((k) => !known.includes(k))
      .sort(compareKeys);
    const entries: [string, unknown][] = [];
    for (const key of [...known.filter((k) => Object.prototype.hasOwnProperty.call(value, k)), ...rest]) {
      const v = value[key];
      if (v === undefined) continue; // an absent optional field, as JSON.stringify does
      entries.push([key, order(v, [...path, key], layout?.child?.(key), ancestors)]);
    }
    return new Ordered(entries);
  } finally {
    ancestors.delete(value);
  }
}

function write(value: unknown, indent: string): string {
  if (value instanceof Ordered) {
    if (value.entries.length === 0) return '{}';
    const inner = indent + '  ';
    const lines = value.entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${write(v, inner)}`);
    return `{\n${lines.join(',\n')}\n${indent}}`;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const inner = indent + '  ';
    return `[\n${value.map((v: unknown) => inner + write(v, inner)).join(',\n')}\n${indent}]`;
  }
  return JSON.stringify(value);
}

/**
 * The text of a graph file. Throws an Error when the document holds something JSON cannot
 * (NaN, Infinity, a function, a cycle): saving it would silently change it.
 */
export function serializeGraph(doc: GraphDocument): string {
  const ancestors = new Set<object>();
  const root = doc as unknown;
  try {
    if (!isPlainObject(root)) throw new SaveError('the document is not an object');
    const entries: [string, unknown][] = [];
    const rest = Object.keys(root)
      .filter((k) => !(DOCUMENT_KEYS as readonly string[]).includes(k))
      .sort(compareKeys);
    ancestors.add(root);
    for (const key of [...DOCUMENT_KEYS.filter((k) => Object.prototype.hasOwnProperty.call(root, k)), ...rest]) {
      const v = root[key];
      if (v === undefined) continue;
      const path = [key];
      if (key === 'metadata') entries.push([key, order(v, path, METADATA, ancestors)]);
      else if (key === 'nodes') entries.push([key, order(v, path, undefined, ancestors, NODE)]);
      else if (key === 'edges') entries.push([key, order(v, path, undefined, ancestors, EDGE)]);
      else entries.push([key, order(v, path, undefined, ancestors)]);
    }
    return write(new Ordered(entries), '') + '\n';
  } catch (e) {
    if (e instanceof SaveError) throw new Error(`Cannot save the graph: ${e.message}.`);
    if (e instanceof RangeError) throw new Error('Cannot save the graph: it is nested too deeply.');
    throw e;
  }
}
