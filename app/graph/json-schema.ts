// The JSON Schema of graph files, generated from the same zod schema the loader uses, so the two
// cannot drift. Shipped as schema/ebm-graph.schema.json (`npm run schema` rewrites it; a test
// checks the shipped file is current). Editors use it to complete and check *.ebm.json files.
import { z } from 'zod';
import { GraphDocumentSchema } from './document.ts';

export const GRAPH_SCHEMA_ID = 'https://ebm-studio.dev/schema/ebm-graph.schema.json';
export const GRAPH_SCHEMA_FILE = 'schema/ebm-graph.schema.json';

/** The schema of what may be written in a file (io: 'input': fields with defaults are optional). */
export function graphJsonSchema(): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(GraphDocumentSchema, { io: 'input' }) as Record<string, unknown>;
  return { $schema, $id: GRAPH_SCHEMA_ID, title: 'EBM Studio graph', ...rest };
}

/** The text of the shipped file: 2-space indent, final newline. */
export function graphJsonSchemaText(): string {
  return JSON.stringify(graphJsonSchema(), null, 2) + '\n';
}
