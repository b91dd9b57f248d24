// The graph document: its schema and types, loading (parse + migrations), saving (stable text)
// and the JSON Schema. File IO is Node-only and lives in ./node/file.ts.
export {
  APP_VERSION,
  EdgeSchema,
  FORMAT_VERSION,
  GraphDocumentSchema,
  MetadataSchema,
  NodeSchema,
  PortRefSchema,
  emptyDocument,
  type GraphDocument,
  type GraphEdge,
  type GraphNode,
  type PortRef,
} from './document.ts';
export { GraphCode, MAX_GRAPH_TEXT_LENGTH, MAX_NESTING_DEPTH, parseGraph, type LoadResult, type ParseOptions } from './parse.ts';
export { MIGRATIONS, checkMigrations, migrateDocument, type Migration, type MigrationOutcome, type RawDocument } from './migrate.ts';
export { compareKeys, formatJsonPath, serializeGraph, type JsonPath } from './serialize.ts';
export { GRAPH_SCHEMA_FILE, GRAPH_SCHEMA_ID, graphJsonSchema, graphJsonSchemaText } from './json-schema.ts';
