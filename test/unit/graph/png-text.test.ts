// Graphs carried in PNG pictures (app/graph/png-text.ts): written into the figures renderPng
// draws, read back exactly, the picture still a PNG that decodes to the same pixels, and every
// way a picture can fail to hold a graph reported as a diagnostic naming the file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { parseGraph, serializeGraph, type GraphDocument } from '../../../app/graph/index.ts';
import { readGraphFile } from '../../../app/graph/node/file.ts';
import { GRAPH_PNG_KEYWORD, PngError, crc32, embedGraph, isPng, readGraphBytes, readPngText, writePngText } from '../../../app/graph/png-text.ts';
import type { Canvas2D } from '../../../app/plot/canvas.ts';
import { renderPng } from '../../../app/plot/node/png.ts';
import { readDroppedFile } from '../../../renderer/src/editor/file-drop.ts';

let dir: string;
let doc: GraphDocument;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ebm-png-text-'));
  const example = parseGraph(await readFile('examples/gaussian-ml.ebm.json', 'utf8')).document!;
  // UTF-8 beyond Latin-1, which a tEXt chunk could not hold.
  doc = { ...example, metadata: { ...example.metadata, title: 'Variance σ² of a Gaussian — 実験 🙂' } };
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const draw = (ctx: Canvas2D) => {
  ctx.fillStyle = '#3060c0';
  ctx.fillRect(10, 10, 40, 20);
};
const figure = (graph?: GraphDocument) => renderPng(80, 50, draw, { scale: 1, title: 'figure', ...(graph ? { graph } : {}) });

/** The chunks of a PNG: type, offset, data, and whether the CRC stored matches node:zlib's. */
function chunkList(png: Uint8Array) {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const list: { type: string; at: number; data: Uint8Array; crcOk: boolean }[] = [];
  for (let at = 8; at < png.length; ) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    list.push({ type, at, data: png.subarray(at + 8, at + 8 + length), crcOk: zlibCrc32(png.subarray(at + 4, at + 8 + length)) === view.getUint32(at + 8 + length) });
    at += 12 + length;
  }
  return list;
}

async function pixels(png: Uint8Array) {
  const image = await loadImage(Buffer.from(png));
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  return { width: image.width, height: image.height, data: Buffer.from(ctx.getImageData(0, 0, image.width, image.height).data) };
}

const graphChunks = (png: Uint8Array) => chunkList(png).filter((c) => c.type === 'iTXt' && new TextDecoder().decode(c.data).startsWith(`${GRAPH_PNG_KEYWORD}\0`));

function throwsPng(f: () => unknown, problem: PngError['problem'], message: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof PngError, `a PngError, got ${String(e)}`);
    assert.equal(e.problem, problem);
    assert.match(e.message, message);
    return true;
  });
}

test('crc32 is the CRC-32 of PNG and zlib', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926, 'the standard check value');
  assert.equal(crc32(new Uint8Array(0)), 0);
  const bytes = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7919 + (i >> 3)) & 0xff);
  assert.equal(crc32(bytes), zlibCrc32(bytes));
});

test('renderPng with a graph: the PNG carries the graph file’s text, in one iTXt chunk before the image data', () => {
  const png = figure(doc);
  const chunks = chunkList(png);
  assert.ok(chunks.every((c) => c.crcOk), 'every chunk’s CRC is right');
  assert.equal(chunks.at(-1)?.type, 'IEND');
  const carried = graphChunks(png);
  assert.equal(carried.length, 1);
  assert.ok(carried[0]!.at < chunks.find((c) => c.type === 'IDAT')!.at, 'before the image data, with the other text chunks');
  // keyword NUL, uncompressed, method 0, no language, no translated keyword, then the text as UTF-8
  assert.deepEqual([...carried[0]!.data.subarray(GRAPH_PNG_KEYWORD.length, GRAPH_PNG_KEYWORD.length + 5)], [0, 0, 0, 0, 0]);
  assert.equal(new TextDecoder().decode(carried[0]!.data.subarray(GRAPH_PNG_KEYWORD.length + 5)), serializeGraph(doc));
  assert.equal(readPngText(png, GRAPH_PNG_KEYWORD), serializeGraph(doc));
  assert.equal(graphChunks(figure()).length, 0, 'no graph asked for, none written');
});

test('a graph read back from the PNG equals the graph written, UTF-8 title included, with no diagnostics', () => {
  const loaded = readGraphBytes(figure(doc), 'loss.png');
  assert.deepEqual(loaded.diagnostics, []);
  assert.deepEqual(loaded.document, doc);
  assert.equal(loaded.document?.metadata.title, 'Variance σ² of a Gaussian — 実験 🙂');
});

test('the PNG carrying a graph still decodes, to the same pixels as without it', async () => {
  const plain = await pixels(figure());
  const carrying = await pixels(figure(doc));
  assert.equal(carrying.width, 80);
  assert.equal(carrying.height, 50);
  assert.ok(carrying.data.equals(plain.data), 'the same pixels');
  assert.deepEqual([...carrying.data.subarray(4 * (20 * 80 + 20), 4 * (20 * 80 + 20) + 3)], [0x30, 0x60, 0xc0], 'the drawing is there');
});

test('writing a graph again replaces the one there: a PNG holds one graph', () => {
  const second = { ...doc, seed: 99 };
  const png = embedGraph(figure(doc), second);
  assert.equal(graphChunks(png).length, 1);
  assert.equal(readGraphBytes(png, 'x.png').document?.seed, 99);
  assert.throws(() => writePngText(png, '', 'x'), RangeError);
  assert.throws(() => writePngText(png, 'k'.repeat(80), 'x'), RangeError);
});

test('not a PNG: a clear error, whatever the name says', () => {
  const text = new TextEncoder().encode(serializeGraph(doc));
  assert.equal(isPng(text), false);
  throwsPng(() => readPngText(text, GRAPH_PNG_KEYWORD), 'not-png', /not a PNG picture/);
  throwsPng(() => writePngText(text, GRAPH_PNG_KEYWORD, 'x'), 'not-png', /not a PNG picture/);
  const named = readGraphBytes(text, 'pictures/loss.png');
  assert.equal(named.document, null);
  assert.deepEqual(named.diagnostics.map((d) => d.code), ['GRAPH_FILE_UNREADABLE']);
  assert.match(named.diagnostics[0]!.message, /^Could not read a graph from pictures\/loss\.png: it is not a PNG picture/);
  // The same bytes under a graph file's name are a graph file.
  assert.deepEqual(readGraphBytes(text, 'g.ebm.json').document, doc);

  // A PNG is known by how every PNG starts (signature and IHDR), not by the signature alone:
  // other binary data that begins with it is read as a (bad) graph file, unless named .png.
  const png = figure(doc);
  assert.ok(isPng(png));
  const signatureOnly = Uint8Array.from([...png.subarray(0, 8), 0xff, 0xfe, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(isPng(signatureOnly), false);
  assert.deepEqual(readGraphBytes(signatureOnly, 'g.ebm.json').diagnostics.map((d) => d.code), ['GRAPH_FILE_ENCODING', 'GRAPH_JSON_SYNTAX']);
  throwsPng(() => readPngText(signatureOnly, GRAPH_PNG_KEYWORD), 'damaged', /byte 8 does not start a chunk/);
  assert.match(readGraphBytes(signatureOnly, 'g.png').diagnostics[0]!.message, /^Could not read a graph from g\.png: the PNG is damaged/);
});

test('a truncated PNG: a clear error saying it is cut short', () => {
  const png = figure(doc);
  const carried = graphChunks(png)[0]!;
  for (const cut of [png.length - 5, carried.at + 30, 20, 8]) {
    throwsPng(() => readPngText(png.subarray(0, cut), GRAPH_PNG_KEYWORD), 'truncated', /cut short/);
    const r = readGraphBytes(png.subarray(0, cut), 'loss.png');
    assert.equal(r.document, null, `cut at ${cut}`);
    assert.deepEqual(r.diagnostics.map((d) => d.code), ['GRAPH_FILE_UNREADABLE']);
    assert.match(r.diagnostics[0]!.message, /^Could not read a graph from loss\.png: the PNG is cut short/);
  }
});

test('a PNG without a graph: a clear diagnostic naming the file', () => {
  const png = figure();
  assert.equal(readPngText(png, GRAPH_PNG_KEYWORD), null);
  const r = readGraphBytes(png, 'holiday.png');
  assert.equal(r.document, null);
  assert.deepEqual(r.diagnostics.map((d) => d.code), ['GRAPH_NOT_A_GRAPH']);
  assert.match(r.diagnostics[0]!.message, /^holiday\.png is a PNG picture without an EBM Studio graph in it/);
});

test('a graph chunk whose CRC does not match is refused as damaged, not read', () => {
  const png = figure(doc);
  const carried = graphChunks(png)[0]!;
  // A changed character of the text (a seed of 0 becoming 1), and a changed CRC byte.
  const textAt = carried.at + 8 + Buffer.from(carried.data).indexOf('"seed": 0') + 8;
  const crcAt = carried.at + 8 + carried.data.length;
  for (const at of [textAt, crcAt]) {
    const damaged = Uint8Array.from(png);
    damaged[at]! ^= 1;
    throwsPng(() => readPngText(damaged, GRAPH_PNG_KEYWORD), 'damaged', /checksum of its "ebm-studio-graph" chunk/);
    const r = readGraphBytes(damaged, 'loss.png');
    assert.equal(r.document, null);
    assert.match(r.diagnostics[0]!.message, /^Could not read a graph from loss\.png: the PNG is damaged/);
  }
});

test('a compressed graph chunk (EBM Studio never writes one) is refused with a reason', () => {
  const png = Uint8Array.from(figure(doc));
  const carried = graphChunks(png)[0]!;
  const flag = carried.at + 8 + GRAPH_PNG_KEYWORD.length + 1;
  png[flag] = 1;
  new DataView(png.buffer).setUint32(carried.at + 8 + carried.data.length, crc32(png.subarray(carried.at + 4, carried.at + 8 + carried.data.length)));
  throwsPng(() => readPngText(png, GRAPH_PNG_KEYWORD), 'damaged', /compressed/);
});

test('readGraphFile reads a PNG by its signature, and names the file when there is no graph in it', async () => {
  const withGraph = join(dir, 'loss.png');
  const oddName = join(dir, 'figure.bin');
  const without = join(dir, 'plain.png');
  await writeFile(withGraph, figure(doc));
  await writeFile(oddName, figure(doc));
  await writeFile(without, figure());
  for (const path of [withGraph, oddName]) {
    const r = await readGraphFile(path);
    assert.deepEqual(r.diagnostics, [], path);
    assert.deepEqual(r.document, doc);
  }
  const r = await readGraphFile(without);
  assert.equal(r.document, null);
  assert.deepEqual(r.diagnostics.map((d) => d.code), ['GRAPH_NOT_A_GRAPH']);
  assert.ok(r.diagnostics[0]!.message.startsWith(`${without} is a PNG picture without an EBM Studio graph`));
  // The graph file path is unchanged: text still reads as text.
  assert.deepEqual((await readGraphFile('examples/gaussian-ml.ebm.json')).diagnostics, []);
});

test('a file dropped in the app is read the same way: the graph of a PNG, or why there is none', async () => {
  const opened = await readDroppedFile(new File([figure(doc)], 'loss.png', { type: 'image/png' }));
  assert.deepEqual(opened, { path: null, name: 'loss.png', document: doc, diagnostics: [] });
  const plain = await readDroppedFile(new File([figure()], 'holiday.png', { type: 'image/png' }));
  assert.equal(plain.document, null);
  assert.match(plain.diagnostics[0]!.message, /^holiday\.png is a PNG picture without an EBM Studio graph/);
  const json = await readDroppedFile(new File([serializeGraph(doc)], 'g.ebm.json'));
  assert.deepEqual(json.document, doc);
});
