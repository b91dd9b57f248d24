// Graph files on disk (Node only). Reading never throws: a missing file, a folder, a file that is
// not UTF-8 or a PNG without a graph becomes a diagnostic. Writing is atomic: the text goes to a
// temp file in the same folder, is flushed to disk, then renamed over the target, so a crash or a
// full disk leaves either the old file or the new one, never half of one, and no temp file behind.
import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { error } from '../../diagnostics.ts';
import type { GraphDocument } from '../document.ts';
import { GraphCode, MAX_GRAPH_TEXT_LENGTH, type LoadResult, type ParseOptions } from '../parse.ts';
import { graphFileTooLarge, readGraphBytes } from '../png-text.ts';
import { serializeGraph } from '../serialize.ts';

function errorCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

function reason(e: unknown): string {
  switch (errorCode(e)) {
    case 'ENOENT':
      return 'the folder does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOSPC':
      return 'the disk is full';
    case 'EDQUOT':
      return 'the disk quota is used up';
    case 'EROFS':
      return 'the file system is read-only';
    case 'EISDIR':
      return 'a folder of that name is in the way';
    default:
      return e instanceof Error ? e.message : String(e);
  }
}

function unreadable(message: string): LoadResult {
  return { document: null, diagnostics: [error(GraphCode.FILE_UNREADABLE, message, { path: '$' })] };
}

/**
 * Reads and parses a graph file: a graph file's text, or a PNG that carries a graph (see
 * ../png-text.ts; known by its signature). Never throws.
 */
export async function readGraphFile(path: string, options: ParseOptions = {}): Promise<LoadResult> {
  const maxBytes = options.maxLength ?? MAX_GRAPH_TEXT_LENGTH;
  let bytes: Uint8Array;
  try {
    const info = await fsp.stat(path);
    if (info.isDirectory()) return unreadable(`${path} is a folder, not a graph file.`);
    // A FIFO or a device could block forever or never end.
    if (!info.isFile()) return unreadable(`${path} is not a regular file, so it was not read.`);
    if (info.size > maxBytes) return graphFileTooLarge(path, info.size, maxBytes);
    bytes = await fsp.readFile(path);
  } catch (e) {
    const code = errorCode(e);
    if (code === 'ENOENT') return unreadable(`There is no file at ${path}.`);
    if (code === 'EACCES' || code === 'EPERM') return unreadable(`EBM Studio may not read ${path} (permission denied).`);
    if (code === 'EISDIR') return unreadable(`${path} is a folder, not a graph file.`);
    return unreadable(`Could not read ${path}: ${reason(e)}.`);
  }
  return readGraphBytes(bytes, path, options);
}

const UNCHANGED = 'Any file already there was left as it was.';

/** The few file operations an atomic write needs; tests swap some to make them fail. */
export interface AtomicWriteIo {
  open(path: string, flags: string, mode?: number): Promise<{ writeFile(data: string, encoding: 'utf8'): Promise<void>; sync(): Promise<void>; close(): Promise<void> }>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
}

export const nodeIo: AtomicWriteIo = {
  open: (path, flags, mode) => fsp.open(path, flags, mode),
  rename: (from, to) => fsp.rename(from, to),
  unlink: (path) => fsp.unlink(path),
};

/**
 * Writes text to path atomically: temp file in the same folder, fsync, rename over the target.
 * Leaves no temp file behind, and the old file untouched on failure. Throws an Error naming the path.
 */
export async function writeTextFileAtomic(path: string, text: string, io: AtomicWriteIo = nodeIo): Promise<void> {
  // Write through a symlink rather than replace it; a target that does not exist yet is fine.
  const target = await fsp.realpath(path).catch(() => path);
  const mode = await fsp
    .stat(target)
    .then((s) => s.mode & 0o777)
    .catch(() => 0o666);
  const dir = dirname(target);
  const temp = join(dir, `.${basename(target)}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  let created = false;
  let handle: Awaited<ReturnType<AtomicWriteIo['open']>> | undefined;
  try {
    handle = await io.open(temp, 'wx', mode);
    created = true;
    await handle.writeFile(text, 'utf8');
    await handle.sync();
    const h = handle;
    handle = undefined;
    await h.close();
    await io.rename(temp, target);
  } catch (e) {
    if (handle) await handle.close().catch(() => undefined);
    if (created) await io.unlink(temp).catch(() => undefined);
    throw new Error(`Could not save ${path}: ${reason(e)}. ${UNCHANGED}`, { cause: e });
  }
  // Make the rename itself durable; some platforms cannot open a folder, which is fine.
  try {
    const d = await fsp.open(dir, 'r');
    await d.sync().finally(() => d.close());
  } catch {
    // best effort
  }
}

/** Serializes and writes a graph atomically. Throws an Error naming the path on failure. */
export async function writeGraphFile(path: string, doc: GraphDocument, io: AtomicWriteIo = nodeIo): Promise<void> {
  let text: string;
  try {
    text = serializeGraph(doc);
  } catch (e) {
    throw new Error(`Could not save ${path}. ${e instanceof Error ? e.message : String(e)} ${UNCHANGED}`, { cause: e });
  }
  await writeTextFileAtomic(path, text, io);
}
