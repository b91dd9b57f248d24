// compile(document, catalog): the graph a person drew becomes a plan the runtime can build, or a
// list of diagnostics that name the node (and port or parameter) at fault. Pure: no tensors, no IO.
import { error, hasErrors, warning, type Diagnostic } from '../diagnostics.ts';
import type { GraphDocument, GraphNode } from '../graph/document.ts';
import type { Catalog } from '../../nodes/catalog.ts';
import { PORT_TYPES, type AnyNodeDef } from '../../nodes/define.ts';
import { checkParam, type ParamValues, type ParamSpecs } from '../../nodes/params.ts';

export interface PlannedNode {
  readonly id: string;
  /** Label, else id: how messages and metrics name the node. */
  readonly name: string;
  readonly def: AnyNodeDef;
  /** Every parameter, validated, defaults filled in. */
  readonly params: ParamValues<ParamSpecs>;
  /** Input port → the node and output port that feeds it. */
  readonly inputs: Record<string, { node: string; port: string }>;
}

export interface Plan {
  readonly document: GraphDocument;
  /** Nodes that feed a trainer or a monitor, in an order where inputs come first. */
  readonly nodes: readonly PlannedNode[];
  readonly trainers: readonly string[];
}

export interface CompileResult {
  plan: Plan | null;
  diagnostics: Diagnostic[];
}

const nameOf = (n: GraphNode): string => (n.label ? `"${n.label}"` : `"${n.id}"`);

export function compile(doc: GraphDocument, catalog: Catalog): CompileResult {
  const diagnostics: Diagnostic[] = [];
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  const defs = new Map<string, AnyNodeDef>();
  const params = new Map<string, ParamValues<ParamSpecs>>();

  // Node types, versions and parameters.
  doc.nodes.forEach((node, index) => {
    const path = `$.nodes[${index}]`;
    const def = catalog.get(node.type);
    if (!def) {
      diagnostics.push(
        error('UNKNOWN_NODE_TYPE', `${nameOf(node)} has type "${node.type}", which this version of EBM Studio does not know; it is kept as it is but cannot run`, {
          nodeId: node.id,
          path: `${path}.type`,
        }),
      );
      return;
    }
    defs.set(node.id, def);
    let raw = node.params;
    if (node.typeVersion > def.version) {
      diagnostics.push(
        error('NODE_VERSION_NEWER', `${nameOf(node)} was saved by a newer EBM Studio (${def.title} version ${node.typeVersion}; this one knows up to ${def.version})`, {
          nodeId: node.id,
          path: `${path}.typeVersion`,
        }),
      );
      return;
    }
    if (node.typeVersion < def.version) {
      if (!def.migrate) {
        diagnostics.push(error('NODE_VERSION_OLD', `${nameOf(node)}: ${def.title} version ${node.typeVersion} cannot be brought up to version ${def.version}`, { nodeId: node.id, path: `${path}.typeVersion` }));
        return;
      }
      raw = def.migrate(raw, node.typeVersion);
    }
    const values: ParamValues<ParamSpecs> = {};
    for (const [name, spec] of Object.entries(def.params)) {
      const given = raw[name];
      if (given === undefined) {
        values[name] = structuredClone(spec.default) as ParamValues<ParamSpecs>[string];
        continue;
      }
      const problem = checkParam(spec, given);
      if (problem) {
        diagnostics.push(error('PARAM_INVALID', `${nameOf(node)}: ${spec.title} ${problem}`, { nodeId: node.id, param: name, path: `${path}.params.${name}` }));
      } else values[name] = given as ParamValues<ParamSpecs>[string];
    }
    for (const name of Object.keys(raw)) {
      if (!(name in def.params))
        diagnostics.push(warning('PARAM_UNKNOWN', `${nameOf(node)}: ${def.title} has no parameter "${name}"; it is kept but ignored`, { nodeId: node.id, param: name, path: `${path}.params.${name}` }));
    }
    if (Object.keys(values).length === Object.keys(def.params).length && def.check) {
      for (const d of def.check(values)) diagnostics.push({ ...d, nodeId: node.id, message: `${nameOf(node)}: ${d.message}` });
    }
    params.set(node.id, values);
  });

  // Edges: ports exist, types agree, one edge per input.
  const inputs = new Map<string, Record<string, { node: string; port: string }>>();
  // Inputs some edge reaches, even one rejected below: already reported, so not "unconnected".
  const reached = new Set<string>();
  doc.edges.forEach((edge, index) => {
    const path = `$.edges[${index}]`;
    const source = byId.get(edge.source.node);
    const target = byId.get(edge.target.node);
    if (target) reached.add(`${target.id}\0${edge.target.port}`);
    if (!source || !target) {
      diagnostics.push(error('EDGE_UNKNOWN_NODE', `an edge refers to node "${!source ? edge.source.node : edge.target.node}", which does not exist`, { path }));
      return;
    }
    const sourceDef = defs.get(source.id);
    const targetDef = defs.get(target.id);
    if (!sourceDef || !targetDef) return; // Placeholder ends: already reported.
    const out = sourceDef.outputs[edge.source.port];
    const inp = targetDef.inputs[edge.target.port];
    if (!out) {
      diagnostics.push(error('EDGE_UNKNOWN_PORT', `${nameOf(source)} (${sourceDef.title}) has no output "${edge.source.port}"`, { nodeId: source.id, port: edge.source.port, path: `${path}.source` }));
      return;
    }
    if (!inp) {
      diagnostics.push(error('EDGE_UNKNOWN_PORT', `${nameOf(target)} (${targetDef.title}) has no input "${edge.target.port}"`, { nodeId: target.id, port: edge.target.port, path: `${path}.target` }));
      return;
    }
    if (out.type !== inp.type) {
      diagnostics.push(
        error('PORT_TYPE_MISMATCH', `${nameOf(target)}: input "${inp.title}" takes ${PORT_TYPES[inp.type].title}, but ${nameOf(source)} gives ${PORT_TYPES[out.type].title}`, {
          nodeId: target.id,
          port: edge.target.port,
          path,
        }),
      );
      return;
    }
    const wired = inputs.get(target.id) ?? {};
    if (wired[edge.target.port]) {
      diagnostics.push(error('INPUT_MULTIPLE', `${nameOf(target)}: input "${inp.title}" is connected more than once; it takes one edge`, { nodeId: target.id, port: edge.target.port, path }));
      return;
    }
    wired[edge.target.port] = { node: source.id, port: edge.source.port };
    inputs.set(target.id, wired);
  });

  // Required inputs.
  for (const [id, def] of defs) {
    const wired = inputs.get(id) ?? {};
    for (const [port, spec] of Object.entries(def.inputs)) {
      if (!spec.optional && !wired[port] && !reached.has(`${id}\0${port}`))
        diagnostics.push(error('INPUT_UNCONNECTED', `${nameOf(byId.get(id)!)}: input "${spec.title}" (${PORT_TYPES[spec.type].title}) is not connected`, { nodeId: id, port }));
    }
  }

  // Order: inputs before the nodes they feed; a cycle is an error on the nodes in it.
  const order = topologicalOrder(doc.nodes.map((n) => n.id), (id) => Object.values(inputs.get(id) ?? {}).map((r) => r.node));
  for (const cycle of order.cycles) {
    const names = cycle.map((id) => nameOf(byId.get(id)!)).join(' → ');
    for (const id of cycle) diagnostics.push(error('CYCLE', `the graph has a cycle: ${names}; data must flow one way`, { nodeId: id }));
  }

  // Dimensions: known at data and energy nodes, carried downstream; they must agree where they meet.
  const dims = new Map<string, { dim: number; from: string }>();
  if (order.cycles.length === 0) {
    for (const id of order.sorted) {
      const def = defs.get(id);
      const values = params.get(id);
      if (!def || !values) continue;
      const node = byId.get(id)!;
      if (def.dim && Object.keys(values).length === Object.keys(def.params).length) {
        dims.set(id, { dim: def.dim(values), from: id });
      }
      const upstream = Object.entries(inputs.get(id) ?? {}).flatMap(([port, ref]) => {
        const d = dims.get(ref.node);
        return d ? [{ port, ...d }] : [];
      });
      const own = dims.get(id);
      const all = own ? [{ port: '', ...own }, ...upstream] : upstream;
      const first = all[0];
      const clash = first && all.find((d) => d.dim !== first.dim);
      if (first && clash) {
        const describe = (d: { dim: number; from: string }) => `${nameOf(byId.get(d.from)!)} works in ${d.dim} dimensions`;
        diagnostics.push(error('DIM_MISMATCH', `${nameOf(node)}: ${describe(first)} but ${describe(clash)}`, { nodeId: id, ...(clash.port ? { port: clash.port } : {}) }));
      } else if (first && !own) dims.set(id, { dim: first.dim, from: first.from });
      if (first && def.requiresDim !== undefined && !clash && first.dim !== def.requiresDim) {
        diagnostics.push(error('DIM_UNSUPPORTED', `${nameOf(node)}: ${def.title} works on ${def.requiresDim}-D data only, but ${nameOf(byId.get(first.from)!)} gives ${first.dim}-D points`, { nodeId: id }));
      }
    }
  }

  // Score-based objectives differentiate ∇ₓE with respect to θ: their energy must have second
  // derivatives that exist and are verified (nodes/shared/autodiff.ts).
  for (const [id, def] of defs) {
    if (!def.needsSecondOrder) continue;
    for (const [port, spec] of Object.entries(def.inputs)) {
      const ref = spec.type === 'energy' ? inputs.get(id)?.[port] : undefined;
      const energyDef = ref && defs.get(ref.node);
      const energyParams = ref && params.get(ref.node);
      if (!ref || !energyDef || !energyParams || Object.keys(energyParams).length !== Object.keys(energyDef.params).length) continue;
      const support = energyDef.secondOrder?.(energyParams) ?? { ok: false, reason: `${energyDef.title} does not declare verified second derivatives` };
      if (!support.ok)
        diagnostics.push(
          error('SECOND_ORDER_UNSUPPORTED', `${nameOf(byId.get(id)!)} (${def.title}) needs the second derivatives of the energy, but ${nameOf(byId.get(ref.node)!)}: ${support.reason}`, {
            nodeId: id,
            port,
          }),
        );
    }
  }

  // What runs: trainers and everything that feeds them or watches them.
  const trainers = doc.nodes.filter((n) => defs.get(n.id)?.category === 'trainer').map((n) => n.id);
  if (trainers.length === 0) diagnostics.push(error('NO_TRAINER', 'the graph has no Trainer node, so there is nothing to run'));
  const needed = new Set<string>();
  const visit = (id: string) => {
    if (needed.has(id)) return;
    needed.add(id);
    for (const ref of Object.values(inputs.get(id) ?? {})) visit(ref.node);
  };
  trainers.forEach(visit);
  for (const [id, def] of defs) if (def.category === 'monitor') visit(id);
  for (const node of doc.nodes) {
    if (defs.has(node.id) && !needed.has(node.id))
      diagnostics.push(warning('NODE_UNUSED', `${nameOf(node)} does not feed any Trainer or Monitor; it will not run`, { nodeId: node.id }));
  }

  if (hasErrors(diagnostics)) return { plan: null, diagnostics };
  const nodes: PlannedNode[] = order.sorted
    .filter((id) => needed.has(id))
    .map((id) => {
      const node = byId.get(id)!;
      return { id, name: node.label ?? id, def: defs.get(id)!, params: params.get(id)!, inputs: inputs.get(id) ?? {} };
    });
  return { plan: { document: doc, nodes, trainers }, diagnostics };
}

/** Kahn's algorithm in document order (stable); nodes left over lie on or behind cycles. */
function topologicalOrder(ids: string[], parents: (id: string) => string[]): { sorted: string[]; cycles: string[][] } {
  const indegree = new Map(ids.map((id) => [id, 0]));
  const children = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const id of ids)
    for (const p of parents(id)) {
      if (!indegree.has(p)) continue;
      indegree.set(id, indegree.get(id)! + 1);
      children.get(p)!.push(id);
    }
  const ready = ids.filter((id) => indegree.get(id) === 0);
  const sorted: string[] = [];
  while (ready.length) {
    const id = ready.shift()!;
    sorted.push(id);
    for (const c of children.get(id)!) {
      indegree.set(c, indegree.get(c)! - 1);
      if (indegree.get(c) === 0) ready.push(c);
    }
  }
  const left = new Set(ids.filter((id) => !sorted.includes(id)));
  // Report each cycle once: walk parents inside the leftover set until a node repeats.
  const cycles: string[][] = [];
  const reported = new Set<string>();
  for (const start of left) {
    if (reported.has(start)) continue;
    const path: string[] = [];
    let cur: string | undefined = start;
    while (cur && !path.includes(cur)) {
      path.push(cur);
      cur = parents(cur).find((p) => left.has(p));
    }
    if (!cur) continue;
    const cycle = path.slice(path.indexOf(cur)).reverse();
    if (cycle.some((id) => reported.has(id))) continue;
    cycle.forEach((id) => reported.add(id));
    cycles.push(cycle);
  }
  return { sorted, cycles };
}
