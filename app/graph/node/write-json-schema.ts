// `npm run schema`: writes schema/ebm-graph.schema.json from the zod schema.
// `npm run schema -- --check` exits 1 instead when the shipped file is out of date (for CI).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { GRAPH_SCHEMA_FILE, graphJsonSchemaText } from '../json-schema.ts';
import { writeTextFileAtomic } from './file.ts';

export const schemaPath = fileURLToPath(new URL(`../../../${GRAPH_SCHEMA_FILE}`, import.meta.url));

async function main(): Promise<void> {
  const text = graphJsonSchemaText();
  if (process.argv.includes('--check')) {
    const shipped = await readFile(schemaPath, 'utf8').catch(() => null);
    if (shipped !== text) {
      console.error(`${GRAPH_SCHEMA_FILE} is out of date: run npm run schema`);
      process.exit(1);
    }
    console.log(`${GRAPH_SCHEMA_FILE} is up to date`);
    return;
  }
  await writeTextFileAtomic(schemaPath, text);
  console.log(`wrote ${GRAPH_SCHEMA_FILE}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
