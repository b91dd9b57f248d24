// Writes a graph's PyTorch project (app/export/pytorch.ts) into a folder: a fresh one, or an empty
// one, so that nothing of the user's is ever overwritten.
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { GraphDocument } from '../../graph/document.ts';
import { catalog } from '../../../nodes/catalog.ts';
import { pytorchProject } from '../pytorch.ts';

/**
 * Writes train.py, README.md, requirements.txt and graph.ebm.json into outDir, which must not exist
 * or be empty. Returns the paths written and what the export could not carry (see pytorchProject).
 * Throws, writing nothing, when the folder holds anything or the graph does not compile.
 */
export async function exportPyTorchProject(document: GraphDocument, outDir: string): Promise<{ files: string[]; notes: string[] }> {
  const dir = resolve(outDir);
  const existing = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [];
    throw new Error(`cannot export into ${dir}: ${e.message}`);
  });
  if (existing.length > 0) throw new Error(`cannot export into ${dir}: the folder is not empty (${existing.length} entries); nothing was overwritten`);
  // Generated before anything is written: a graph that cannot be exported leaves no folder behind.
  const { files, notes } = pytorchProject(document, catalog);
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, text] of Object.entries(files)) {
    const path = join(dir, name);
    await writeFile(path, text, { encoding: 'utf8', flag: 'wx' });
    written.push(path);
  }
  await chmod(join(dir, 'train.py'), 0o755);
  return { files: written, notes };
}
