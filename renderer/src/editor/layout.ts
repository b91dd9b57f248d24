// Auto-layout: elkjs's layered algorithm, left to right, along the wires. Node sizes are those
// React Flow measured, so long titles and many ports get their room.
import ELK from 'elkjs/lib/elk.bundled.js';
import type { GraphDocument } from '../../../app/graph/document.ts';
import type { XY } from './graph-edits.ts';

const elk = new ELK();

export async function layoutPositions(doc: GraphDocument, sizes: ReadonlyMap<string, { width: number; height: number }>): Promise<Map<string, XY>> {
  const graph = await elk.layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.spacing.nodeNode': '40',
      'elk.layered.spacing.nodeNodeBetweenLayers': '80',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      'elk.edgeRouting': 'SPLINES',
    },
    children: doc.nodes.map((n) => ({ id: n.id, width: sizes.get(n.id)?.width ?? 200, height: sizes.get(n.id)?.height ?? 100 })),
    edges: doc.edges.map((e, i) => ({ id: `e${i}`, sources: [e.source.node], targets: [e.target.node] })),
  });
  return new Map((graph.children ?? []).map((c) => [c.id, { x: c.x ?? 0, y: c.y ?? 0 }]));
}
