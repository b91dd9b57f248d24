// A file dropped on the canvas from the desktop (a graph file, or a PNG that carries a graph:
// app/graph/png-text.ts) opens like File › Open. The renderer reads the bytes itself (the host
// never sees a dropped file: in a browser it has no path), through the same readGraphBytes the
// host's readGraphFile uses, so the diagnostics are the same. No DOM types here, so that node
// tests import it; the drag events are handled in Canvas.tsx.
import type { OpenedDocument } from '../../../app/api/contract.ts';
import { error } from '../../../app/diagnostics.ts';
import { GraphCode, MAX_GRAPH_TEXT_LENGTH } from '../../../app/graph/parse.ts';
import { graphFileTooLarge, readGraphBytes } from '../../../app/graph/png-text.ts';

/**
 * The graph in a dropped file, as the host's open returns it: path null (saving asks where, and
 * never writes over the picture), document null with the reasons when the file holds no graph.
 */
export async function readDroppedFile(file: File): Promise<OpenedDocument> {
  const at = { path: null, name: file.name };
  // Checked before reading: a film dropped by mistake is not loaded into memory.
  if (file.size > MAX_GRAPH_TEXT_LENGTH) return { ...at, ...graphFileTooLarge(file.name, file.size) };
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await file.arrayBuffer());
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    return { ...at, document: null, diagnostics: [error(GraphCode.FILE_UNREADABLE, `Could not read ${file.name}: ${reason}.`, { path: '$' })] };
  }
  return { ...at, ...readGraphBytes(bytes, file.name) };
}
