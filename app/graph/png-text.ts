// Graphs inside PNG pictures, as ComfyUI keeps its workflows: every figure EBM Studio writes
// carries the graph that made it, and opening the picture reopens the experiment.
//
// The graph is the text of its graph file (serializeGraph) in one iTXt chunk with the keyword
// `ebm-studio-graph`, placed with the other text chunks before the image data. iTXt, not tEXt,
// because tEXt is Latin-1 and graphs hold UTF-8 ("σ²"); uncompressed, because the graph is a few
// kilobytes next to a picture of hundreds, plain text stays readable by any tool (`strings`,
// exiftool), and zlib would need node:zlib or an asynchronous CompressionStream here.
//
// Pure (no node:*): the CLI, the run folder and the renderer (a PNG dropped on the canvas) share it.
import { error } from '../diagnostics.ts';
import type { GraphDocument } from './document.ts';
import { GraphCode, MAX_GRAPH_TEXT_LENGTH, parseGraph, type LoadResult, type ParseOptions } from './parse.ts';
import { serializeGraph } from './serialize.ts';

/** The iTXt keyword under which a PNG carries its graph. */
export const GRAPH_PNG_KEYWORD = 'ebm-studio-graph';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** What every PNG starts with: the signature, then its IHDR chunk's length (13) and type. */
const PNG_START = [...SIGNATURE, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52];

const startsWith = (bytes: Uint8Array, prefix: readonly number[]): boolean => bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);

/**
 * True when the bytes start as every PNG does, whatever the file is called. The IHDR header is
 * checked with the signature so that other binary data which happens to begin with the signature
 * is still reported as "not a graph file" rather than as a damaged picture.
 */
export function isPng(bytes: Uint8Array): boolean {
  return startsWith(bytes, PNG_START);
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

/** CRC-32 as PNG chunks use it (ISO 3309, the same as zlib's). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Why a PNG could not be read: not a PNG at all, cut short, or damaged. */
export class PngError extends Error {
  constructor(
    readonly problem: 'not-png' | 'truncated' | 'damaged',
    message: string,
  ) {
    super(message);
    this.name = 'PngError';
  }
}

interface Chunk {
  type: string;
  /** Byte offsets: the chunk's length field, its data, and the byte after its CRC. */
  start: number;
  data: Uint8Array;
  end: number;
}

/** The chunks from IHDR to IEND, checked for shape (not for CRCs: the image data is not ours to judge). */
function chunks(png: Uint8Array): Chunk[] {
  if (!startsWith(png, SIGNATURE)) throw new PngError('not-png', 'it is not a PNG picture (it does not start with the PNG signature)');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const list: Chunk[] = [];
  for (let at = SIGNATURE.length; ; ) {
    if (at + 8 > png.length) throw new PngError('truncated', `the PNG is cut short (it ends at byte ${png.length}, before its IEND chunk)`);
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    if (!/^[A-Za-z]{4}$/.test(type) || length > 0x7fffffff) throw new PngError('damaged', `the PNG is damaged (byte ${at} does not start a chunk)`);
    if (list.length === 0 && type !== 'IHDR') throw new PngError('damaged', `the PNG is damaged (its first chunk is "${type}", not IHDR)`);
    const end = at + 12 + length;
    if (end > png.length) throw new PngError('truncated', `the PNG is cut short (it ends at byte ${png.length}, inside its "${type}" chunk, which runs to byte ${end})`);
    list.push({ type, start: at, data: png.subarray(at + 8, at + 8 + length), end });
    if (type === 'IEND') return list;
    at = end;
  }
}

/** The keyword of an iTXt chunk (Latin-1, 1 to 79 bytes up to its NUL); '' when it has none. */
function itxtKeyword(data: Uint8Array): string {
  const nul = data.subarray(0, 80).indexOf(0);
  return nul < 0 ? '' : String.fromCharCode(...data.subarray(0, nul));
}

/**
 * The text of the iTXt chunk with this keyword, or null when the PNG has none. Throws a PngError
 * when the bytes are not a PNG, are cut short, or the chunk is damaged (its CRC does not match,
 * it holds no valid UTF-8, or it is compressed, which EBM Studio never writes), or when the PNG
 * holds the keyword twice (which text would be meant?).
 */
export function readPngText(png: Uint8Array, keyword: string): string | null {
  const found = chunks(png).filter((c) => c.type === 'iTXt' && itxtKeyword(c.data) === keyword);
  if (found.length > 1) throw new PngError('damaged', `the PNG holds ${found.length} "${keyword}" text chunks; EBM Studio writes one`);
  const chunk = found[0];
  if (!chunk) return null;
  const stored = new DataView(png.buffer, png.byteOffset + chunk.end - 4, 4).getUint32(0);
  if (crc32(png.subarray(chunk.start + 4, chunk.end - 4)) !== stored) {
    throw new PngError('damaged', `the PNG is damaged (the checksum of its "${keyword}" chunk, at byte ${chunk.start}, does not match its contents)`);
  }
  // keyword NUL, compression flag, compression method, language tag NUL, translated keyword NUL, text
  const d = chunk.data;
  let at = keyword.length + 1;
  const compressed = d[at];
  at += 2;
  const language = d.indexOf(0, at);
  const translated = language < 0 ? -1 : d.indexOf(0, language + 1);
  if (translated < 0) throw new PngError('damaged', `the PNG's "${keyword}" chunk is not a valid iTXt chunk`);
  if (compressed !== 0) throw new PngError('damaged', `the PNG's "${keyword}" chunk is compressed; EBM Studio writes and reads it uncompressed`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(d.subarray(translated + 1));
  } catch {
    throw new PngError('damaged', `the PNG's "${keyword}" chunk is not UTF-8 text`);
  }
}

/**
 * A copy of the PNG carrying `text` in an uncompressed iTXt chunk under `keyword`, placed before
 * the image data; a chunk with the same keyword already there is replaced. Throws a PngError when
 * `png` is not a whole PNG, and a RangeError for a keyword PNG does not allow (1 to 79 printable ASCII).
 */
export function writePngText(png: Uint8Array, keyword: string, text: string): Uint8Array {
  if (!/^[\x21-\x7e]([\x20-\x7e]{0,77}[\x21-\x7e])?$/.test(keyword)) throw new RangeError(`"${keyword}" is not a PNG text keyword (1 to 79 printable ASCII characters)`);
  const body = new TextEncoder().encode(text);
  const head = Uint8Array.from([...keyword].map((ch) => ch.charCodeAt(0)).concat([0, 0, 0, 0, 0])); // no compression, no language
  const chunk = new Uint8Array(12 + head.length + body.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, head.length + body.length);
  chunk.set([0x69, 0x54, 0x58, 0x74], 4); // "iTXt"
  chunk.set(head, 8);
  chunk.set(body, 8 + head.length);
  view.setUint32(chunk.length - 4, crc32(chunk.subarray(4, chunk.length - 4)));

  const list = chunks(png);
  const kept = list.filter((c) => !(c.type === 'iTXt' && itxtKeyword(c.data) === keyword));
  const before = kept.findIndex((c) => c.type === 'IDAT' || c.type === 'IEND');
  const parts = [png.subarray(0, SIGNATURE.length), ...kept.map((c) => png.subarray(c.start, c.end))];
  parts.splice(1 + before, 0, chunk);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A copy of the PNG carrying the graph (the text of its graph file). */
export function embedGraph(png: Uint8Array, doc: GraphDocument): Uint8Array {
  return writePngText(png, GRAPH_PNG_KEYWORD, serializeGraph(doc));
}

/** The diagnostic for a file too large to be a graph file, before its bytes are read. */
export function graphFileTooLarge(name: string, bytes: number, maxBytes: number = MAX_GRAPH_TEXT_LENGTH): LoadResult {
  const mb = (n: number) => (n / (1024 * 1024)).toFixed(1);
  return {
    document: null,
    diagnostics: [error(GraphCode.FILE_TOO_LARGE, `${name} is ${mb(bytes)} MB; a graph file may be at most ${mb(maxBytes)} MB. It was not loaded.`, { path: '$' })],
  };
}

/**
 * Reads a graph from a file's bytes: a PNG (known by its signature, or by a .png name) gives the
 * graph it carries, anything else is read as the UTF-8 text of a graph file. Both go through
 * parseGraph, so they get the same diagnostics. `name` (a path or a file name) is quoted in them.
 * Never throws.
 */
export function readGraphBytes(bytes: Uint8Array, name: string, options: ParseOptions = {}): LoadResult {
  const maxBytes = options.maxLength ?? MAX_GRAPH_TEXT_LENGTH;
  if (bytes.length > maxBytes) return graphFileTooLarge(name, bytes.length, maxBytes);
  if (isPng(bytes) || /\.png$/i.test(name)) return readGraphPng(bytes, name, options);

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // Read what can be read, and say that saving would not give back the original bytes.
    text = new TextDecoder('utf-8').decode(bytes);
    const at = text.indexOf('\ufffd');
    const before = text.slice(0, Math.max(at, 0));
    const line = before.split('\n').length;
    const column = at - before.lastIndexOf('\n');
    const encoding = error(
      GraphCode.FILE_ENCODING,
      `${name} is not UTF-8 text: some bytes (first at line ${line}, column ${column}) could not be read and were replaced by "\ufffd". Saving would keep the replacement, not the original bytes.`,
      { path: '$' },
    );
    const result = parseGraph(text, options);
    return { document: result.document, diagnostics: [encoding, ...result.diagnostics] };
  }
  return parseGraph(text, options);
}

function readGraphPng(png: Uint8Array, name: string, options: ParseOptions): LoadResult {
  const fail = (code: GraphCode, message: string): LoadResult => ({ document: null, diagnostics: [error(code, message, { path: '$' })] });
  let text: string | null;
  try {
    text = readPngText(png, GRAPH_PNG_KEYWORD);
  } catch (e) {
    if (e instanceof PngError) return fail(GraphCode.FILE_UNREADABLE, `Could not read a graph from ${name}: ${e.message}.`);
    return fail(GraphCode.INTERNAL, `EBM Studio failed while reading ${name} (${e instanceof Error ? e.message : String(e)}). This is a bug; the file was not changed.`);
  }
  if (text === null) {
    return fail(
      GraphCode.NOT_A_GRAPH,
      `${name} is a PNG picture without an EBM Studio graph in it (no "${GRAPH_PNG_KEYWORD}" text chunk). The pictures of a run carry their graph; this one was made elsewhere, or a program that edited it dropped the graph.`,
    );
  }
  return parseGraph(text, options);
}
