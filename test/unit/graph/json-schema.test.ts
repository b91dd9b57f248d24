import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { GRAPH_SCHEMA_FILE, GRAPH_SCHEMA_ID, graphJsonSchema, graphJsonSchemaText } from '../../../app/graph/index.ts';

test(`the shipped ${GRAPH_SCHEMA_FILE} is what the code generates (run npm run schema)`, () => {
  assert.equal(readFileSync(GRAPH_SCHEMA_FILE, 'utf8'), graphJsonSchemaText());
});

test('the JSON Schema follows the zod schema: required fields, open objects, input defaults', () => {
  const s = graphJsonSchema() as {
    $id: string;
    $schema: string;
    title: string;
    required: string[];
    additionalProperties: unknown;
    properties: Record<string, { const?: number; required?: string[]; items?: { required: string[]; additionalProperties: unknown } }>;
  };
  assert.equal(s.$id, GRAPH_SCHEMA_ID);
  assert.match(s.$schema, /json-schema\.org/);
  assert.equal(s.title, 'EBM Studio graph');
  assert.deepEqual([...s.required].sort(), ['edges', 'formatVersion', 'metadata', 'nodes', 'seed']);
  assert.equal(s.properties.formatVersion?.const, 1);
  assert.deepEqual(s.additionalProperties, {}, 'unknown fields are allowed');
  assert.deepEqual(s.properties.nodes?.items?.additionalProperties, {});
  assert.deepEqual([...s.properties.nodes!.items!.required].sort(), ['id', 'params', 'position', 'type', 'typeVersion']);
  assert.deepEqual(s.properties.metadata?.required, ['title', 'appVersion'], 'description has a default, so a file may leave it out');
  assert.ok(graphJsonSchemaText().endsWith('}\n'));
});
