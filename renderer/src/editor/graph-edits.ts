// Every edit the editor makes to a graph document, as pure functions: document in, document out.
// The store keeps history by keeping documents; React components never reshape the graph.
// No React and no DOM here, so node tests cover the rules (test/unit/editor/graph-edits.test.ts).
import type { GraphDocument, GraphEdge, GraphNode, PortRef } from '../../../app/graph/document.ts';
import type { Catalog } from '../../../nodes/catalog.ts';
import type { AnyNodeDef, PortDef } from '../../../nodes/define.ts';
import { PORT_TYPES } from '../../../nodes/define.ts';

export interface XY {
  x: number;
  y: number;
}

/** React Flow needs edge ids; the file does not store them, so they are derived from the ends. */
export const edgeId = (e: Pick<GraphEdge, 'source' | 'target'>): string => `${e.source.node}.${e.source.port}->${e.target.node}.${e.target.port}`;

export interface Connection {
  source: string;
  sourceHandle: string;
  target: string;
  targetHandle: string;
}

/** A fresh id from the node type: `langevin`, then `langevin-2`… */
export function freshNodeId(doc: GraphDocument, type: string): string {
  const base = (type.split('.').pop() ?? 'node').replace(/[^A-Za-z0-9_-]/g, '') || 'node';
  const taken = new Set(doc.nodes.map((n) => n.id));
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}

export function addNode(doc: GraphDocument, def: AnyNodeDef, position: XY): { doc: GraphDocument; id: string } {
  const id = freshNodeId(doc, def.type);
  // Params start empty: every missing param takes its default, so files stay short and a changed
  // default reaches old graphs. The inspector shows the defaults.
  const node: GraphNode = { id, type: def.type, typeVersion: def.version, label: def.title, position: round(position), params: {} };
  return { doc: { ...doc, nodes: [...doc.nodes, node] }, id };
}

export function removeElements(doc: GraphDocument, nodeIds: ReadonlySet<string>, edgeIds: ReadonlySet<string> = new Set()): GraphDocument {
  if (nodeIds.size === 0 && edgeIds.size === 0) return doc;
  return {
    ...doc,
    nodes: doc.nodes.filter((n) => !nodeIds.has(n.id)),
    edges: doc.edges.filter((e) => !nodeIds.has(e.source.node) && !nodeIds.has(e.target.node) && !edgeIds.has(edgeId(e))),
  };
}

export function moveNodes(doc: GraphDocument, positions: ReadonlyMap<string, XY>): GraphDocument {
  if (positions.size === 0) return doc;
  return { ...doc, nodes: doc.nodes.map((n) => (positions.has(n.id) ? { ...n, position: round(positions.get(n.id)!) } : n)) };
}

export function setParam(doc: GraphDocument, nodeId: string, name: string, value: unknown): GraphDocument {
  return updateNode(doc, nodeId, (n) => ({ ...n, params: { ...n.params, [name]: value } }));
}

/** Back to the default: the param leaves the file. */
export function resetParam(doc: GraphDocument, nodeId: string, name: string): GraphDocument {
  return updateNode(doc, nodeId, (n) => {
    const { [name]: _dropped, ...rest } = n.params;
    return { ...n, params: rest };
  });
}

export function setLabel(doc: GraphDocument, nodeId: string, label: string): GraphDocument {
  return updateNode(doc, nodeId, (n) => {
    if (label.trim() === '') {
      const { label: _dropped, ...rest } = n;
      return rest as GraphNode;
    }
    return { ...n, label };
  });
}

function updateNode(doc: GraphDocument, nodeId: string, f: (n: GraphNode) => GraphNode): GraphDocument {
  return { ...doc, nodes: doc.nodes.map((n) => (n.id === nodeId ? f(n) : n)) };
}

export function portOf(def: AnyNodeDef | undefined, side: 'inputs' | 'outputs', port: string): PortDef | undefined {
  return def && Object.hasOwn(def[side], port) ? def[side][port] : undefined;
}

/**
 * Why a connection may not be made, in words for people; null when it may. The compiler checks
 * the same rules on load; this answers while the wire is being dragged.
 */
export function connectionProblem(doc: GraphDocument, catalog: Catalog, c: Connection): string | null {
  const source = doc.nodes.find((n) => n.id === c.source);
  const target = doc.nodes.find((n) => n.id === c.target);
  if (!source || !target) return 'that node no longer exists';
  if (c.source === c.target) return 'a node cannot feed itself';
  const sourceDef = catalog.get(source.type);
  const targetDef = catalog.get(target.type);
  if (!sourceDef || !targetDef) return `"${!sourceDef ? source.type : target.type}" is an unknown node type: it keeps its data but takes no new wires`;
  const out = portOf(sourceDef, 'outputs', c.sourceHandle);
  const inp = portOf(targetDef, 'inputs', c.targetHandle);
  if (!out || !inp) return 'wires go from an output (right side) to an input (left side)';
  if (out.type !== inp.type)
    return `${sourceDef.title} gives ${article(PORT_TYPES[out.type].title)} (${out.type}), but “${inp.title}” of ${targetDef.title} takes ${article(PORT_TYPES[inp.type].title)} (${inp.type})`;
  if (reaches(doc, c.target, c.source)) return `that wire would make a loop: ${targetDef.title} already feeds ${sourceDef.title}`;
  return null;
}

/**
 * Adds a wire. An input takes one wire, so a wire into an occupied input replaces the old one,
 * as in other node editors.
 */
export function connect(doc: GraphDocument, catalog: Catalog, c: Connection): { doc: GraphDocument } | { problem: string } {
  const problem = connectionProblem(doc, catalog, c);
  if (problem) return { problem };
  const edge: GraphEdge = { source: { node: c.source, port: c.sourceHandle }, target: { node: c.target, port: c.targetHandle } };
  const others = doc.edges.filter((e) => !(e.target.node === c.target && e.target.port === c.targetHandle));
  return { doc: { ...doc, edges: [...others, edge] } };
}

/** Is there a path of wires from `from` to `to`? */
function reaches(doc: GraphDocument, from: string, to: string): boolean {
  const next = new Map<string, string[]>();
  for (const e of doc.edges) next.set(e.source.node, [...(next.get(e.source.node) ?? []), e.target.node]);
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length) {
    const id = stack.pop()!;
    if (id === to) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(next.get(id) ?? []));
  }
  return false;
}

/** Node types that can take a wire dragged from the given port, and which of their ports fits. */
export function fittingTypes(catalog: Catalog, from: { side: 'source' | 'target'; portType: string }): { def: AnyNodeDef; port: string }[] {
  const fits: { def: AnyNodeDef; port: string }[] = [];
  for (const def of catalog.types) {
    const ports = from.side === 'source' ? def.inputs : def.outputs;
    const port = Object.entries(ports).find(([, p]) => p.type === from.portType);
    if (port) fits.push({ def, port: port[0] });
  }
  return fits;
}

/** What cut and copy keep: the nodes and the wires between them. */
export interface Clipboard {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export function copySelection(doc: GraphDocument, nodeIds: ReadonlySet<string>): Clipboard {
  return {
    nodes: structuredClone(doc.nodes.filter((n) => nodeIds.has(n.id))),
    edges: structuredClone(doc.edges.filter((e) => nodeIds.has(e.source.node) && nodeIds.has(e.target.node))),
  };
}

/** Pastes with fresh ids, shifted by `offset`; returns the new ids (to select them). */
export function paste(doc: GraphDocument, clip: Clipboard, offset: XY): { doc: GraphDocument; ids: string[] } {
  let next = doc;
  const rename = new Map<string, string>();
  const nodes: GraphNode[] = [];
  for (const n of clip.nodes) {
    const id = freshNodeId(next, n.id.replace(/-\d+$/, ''));
    rename.set(n.id, id);
    const node = { ...structuredClone(n), id, position: round({ x: n.position.x + offset.x, y: n.position.y + offset.y }) };
    nodes.push(node);
    next = { ...next, nodes: [...next.nodes, node] };
  }
  const edges = clip.edges.map((e) => ({
    ...structuredClone(e),
    source: { ...e.source, node: rename.get(e.source.node)! },
    target: { ...e.target, node: rename.get(e.target.node)! },
  }));
  return { doc: { ...next, edges: [...next.edges, ...edges] }, ids: nodes.map((n) => n.id) };
}

/** Ports a placeholder (unknown type) shows: those its wires use, so the wires still draw. */
export function portsUsedByEdges(doc: GraphDocument, nodeId: string): { inputs: string[]; outputs: string[] } {
  const inputs = new Set<string>();
  const outputs = new Set<string>();
  for (const e of doc.edges) {
    if (e.target.node === nodeId) inputs.add(e.target.port);
    if (e.source.node === nodeId) outputs.add(e.source.port);
  }
  return { inputs: [...inputs], outputs: [...outputs] };
}

export const samePortRef = (a: PortRef, b: PortRef): boolean => a.node === b.node && a.port === b.port;

const round = (p: XY): GraphNode['position'] => ({ x: Math.round(p.x), y: Math.round(p.y) });
const article = (word: string): string => (/^[aeiou]/i.test(word) ? `an ${word.toLowerCase()}` : `a ${word.toLowerCase()}`);
