// The graph file (*.ebm.json): one schema, used to parse files, to type the code and to
// generate the JSON Schema shipped in schema/. Unknown fields are kept (looseObject) so a file
// written by a newer app, or edited by hand, survives a load and save unchanged.
import { z } from 'zod';

export const FORMAT_VERSION = 1;
export const APP_VERSION = '0.1.0';

const finite = z.number().refine(Number.isFinite, { message: 'must be a finite number' });

export const PortRefSchema = z.looseObject({
  node: z.string().min(1).describe('Id of the node'),
  port: z.string().min(1).describe('Name of the port on that node'),
});

export const EdgeSchema = z.looseObject({
  source: PortRefSchema.describe('The output port the edge starts at'),
  target: PortRefSchema.describe('The input port the edge ends at'),
});

export const NodeSchema = z.looseObject({
  id: z.string().min(1).max(200).describe('Unique within the graph; edges and diagnostics refer to it'),
  type: z.string().min(1).describe('Node type id from the catalog, e.g. "energy.mlp"'),
  typeVersion: z.number().int().min(1).describe('Version of the node type the params were written for'),
  label: z.string().max(200).optional().describe('A name for people; the CLI --set accepts it too'),
  position: z.looseObject({ x: finite, y: finite }).describe('Canvas position'),
  params: z.record(z.string(), z.unknown()).describe('Parameter values; missing ones take their defaults'),
});

export const MetadataSchema = z.looseObject({
  title: z.string().max(500).describe('Name of the experiment'),
  description: z.string().max(20000).default('').describe('Notes for people (plain text)'),
  appVersion: z.string().describe('Version of EBM Studio that wrote the file'),
});

export const GraphDocumentSchema = z
  .looseObject({
    formatVersion: z.literal(FORMAT_VERSION).describe('Version of this file format'),
    metadata: MetadataSchema.describe('Title, notes and the app version that wrote the file'),
    seed: z.number().int().min(0).max(2 ** 32 - 1).describe('Experiment seed: the same graph, seed and backend give the same run'),
    nodes: z.array(NodeSchema).describe('The nodes, in the order they were added'),
    edges: z.array(EdgeSchema).describe('Connections from an output port to an input port'),
  })
  .meta({ title: 'EBM Studio graph', description: 'An energy-based-model experiment as a node graph (*.ebm.json).' });

export type PortRef = z.infer<typeof PortRefSchema>;
export type GraphEdge = z.infer<typeof EdgeSchema>;
export type GraphNode = z.infer<typeof NodeSchema>;
export type GraphDocument = z.infer<typeof GraphDocumentSchema>;

export function emptyDocument(title = 'Untitled'): GraphDocument {
  return { formatVersion: FORMAT_VERSION, metadata: { title, description: '', appVersion: APP_VERSION }, seed: 0, nodes: [], edges: [] };
}
