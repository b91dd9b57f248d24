import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseGraph, serializeGraph, type GraphDocument } from '../../../app/graph/index.ts';
import { nodeIo, readGraphFile, writeGraphFile, writeTextFileAtomic, type AtomicWriteIo } from '../../../app/graph/node/file.ts';

const minimalPath = 'test/fixtures/valid/minimal.ebm.json';
let dir: string;
let doc: GraphDocument;
let n = 0;
/** A fresh folder per test, so "no temp file left" means exactly what it says. */
const fresh = async () => {
  const d = join(dir, `t${n++}`);
  await mkdir(d);
  return d;
};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ebm-graph-file-'));
  doc = (await readGraphFile(minimalPath)).document!;
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('reads the valid fixture', async () => {
  const r = await readGraphFile(minimalPath);
  assert.deepEqual(r.diagnostics, []);
  assert.equal(r.document?.nodes.length, 4);
});

test('IO problems are diagnostics naming the path, never throws', async () => {
  const d = await fresh();
  const missing = await readGraphFile(join(d, 'nope.ebm.json'));
  assert.equal(missing.document, null);
  assert.deepEqual(missing.diagnostics.map((x) => x.code), ['GRAPH_FILE_UNREADABLE']);
  assert.match(missing.diagnostics[0]!.message, /There is no file at .*nope\.ebm\.json/);

  const folder = await readGraphFile(d);
  assert.deepEqual(folder.diagnostics.map((x) => x.code), ['GRAPH_FILE_UNREADABLE']);
  assert.match(folder.diagnostics[0]!.message, /is a folder/);

  const big = await readGraphFile(minimalPath, { maxLength: 100 });
  assert.deepEqual(big.diagnostics.map((x) => x.code), ['GRAPH_FILE_TOO_LARGE']);

  const inside = await readGraphFile(join(minimalPath, 'x'));
  assert.equal(inside.document, null);
  assert.deepEqual(inside.diagnostics.map((x) => x.code), ['GRAPH_FILE_UNREADABLE']);
});

test('a file that is not UTF-8 is read with a diagnostic that says so', async () => {
  const d = await fresh();
  const path = join(d, 'latin1.ebm.json');
  const text = (await readFile(minimalPath, 'utf8')).replace('A small', 'Caf\u00e9: a small');
  await writeFile(path, Buffer.from(text, 'latin1'));
  const r = await readGraphFile(path);
  assert.deepEqual(r.diagnostics.map((x) => x.code), ['GRAPH_FILE_ENCODING']);
  assert.match(r.diagnostics[0]!.message, /not UTF-8.*line 5, column 24/);
  assert.match(r.document!.metadata.description, /^Caf\ufffd: a small/);
});

test('writes atomically: the text of serializeGraph, no temp file left, and an old file replaced', async () => {
  const d = await fresh();
  const path = join(d, 'g.ebm.json');
  await writeGraphFile(path, doc);
  assert.equal(await readFile(path, 'utf8'), serializeGraph(doc));
  const changed = structuredClone(doc);
  changed.seed = 7;
  await writeGraphFile(path, changed);
  assert.deepStrictEqual((await readGraphFile(path)).document, changed);
  assert.deepEqual(await readdir(d), ['g.ebm.json']);
});

/** nodeIo with one operation swapped for a failing one. */
function failing(patch: Partial<AtomicWriteIo>): AtomicWriteIo {
  return { ...nodeIo, ...patch };
}
const fsError = (code: string) => Object.assign(new Error(`${code}: simulated`), { code });

test('a failed write leaves the old file intact and no temp file', async () => {
  const d = await fresh();
  const path = join(d, 'g.ebm.json');
  await writeGraphFile(path, doc);
  const old = await readFile(path, 'utf8');
  const changed = structuredClone(doc);
  changed.metadata.title = 'changed';

  // The disk fills up half way through the temp file.
  const diskFull = failing({
    open: async (p, flags, mode) => {
      const h = await nodeIo.open(p, flags, mode);
      return {
        writeFile: async (data, enc) => {
          await h.writeFile(data.slice(0, 50), enc);
          throw fsError('ENOSPC');
        },
        sync: () => h.sync(),
        close: () => h.close(),
      };
    },
  });
  await assert.rejects(writeGraphFile(path, changed, diskFull), (e: Error) => {
    assert.match(e.message, /Could not save .*g\.ebm\.json: the disk is full\. Any file already there was left as it was\./);
    return true;
  });
  assert.equal(await readFile(path, 'utf8'), old);
  assert.deepEqual(await readdir(d), ['g.ebm.json']);

  // The rename fails after the temp file is complete.
  await assert.rejects(writeGraphFile(path, changed, failing({ rename: () => Promise.reject(fsError('EXDEV')) })), /g\.ebm\.json.*EXDEV/);
  assert.equal(await readFile(path, 'utf8'), old);
  assert.deepEqual(await readdir(d), ['g.ebm.json']);

  // The flush fails.
  const syncFails = failing({
    open: async (p, flags, mode) => {
      const h = await nodeIo.open(p, flags, mode);
      return { writeFile: (data, enc) => h.writeFile(data, enc), sync: () => Promise.reject(fsError('EIO')), close: () => h.close() };
    },
  });
  await assert.rejects(writeGraphFile(path, changed, syncFails), /g\.ebm\.json/);
  assert.equal(await readFile(path, 'utf8'), old);
  assert.deepEqual(await readdir(d), ['g.ebm.json']);

  // The document cannot be serialized: nothing is touched.
  const bad = structuredClone(doc);
  bad.nodes[0]!.params.noise = NaN;
  await assert.rejects(writeGraphFile(path, bad), /Could not save .*g\.ebm\.json\. Cannot save the graph: the number at \$\.nodes\[0\]\.params\.noise is NaN/);
  assert.equal(await readFile(path, 'utf8'), old);
  assert.deepEqual(await readdir(d), ['g.ebm.json']);
});

test('real file-system failures throw an Error naming the path and leave nothing behind', async () => {
  const d = await fresh();
  await mkdir(join(d, 'taken.ebm.json'));
  await writeFile(join(d, 'taken.ebm.json', 'keep'), 'x');
  await assert.rejects(writeGraphFile(join(d, 'taken.ebm.json'), doc), /Could not save .*taken\.ebm\.json/);
  assert.deepEqual(await readdir(d), ['taken.ebm.json']);
  assert.deepEqual(await readdir(join(d, 'taken.ebm.json')), ['keep']);

  await assert.rejects(writeGraphFile(join(d, 'no', 'such', 'folder.ebm.json'), doc), /Could not save .*folder\.ebm\.json: the folder does not exist/);
});

test('concurrent saves: the file is one complete version, and no temp file is left', async () => {
  const d = await fresh();
  const path = join(d, 'g.ebm.json');
  const versions = Array.from({ length: 8 }, (_, i) => ({ ...structuredClone(doc), seed: i }));
  await Promise.all(versions.map((v) => writeGraphFile(path, v)));
  const r = parseGraph(await readFile(path, 'utf8'));
  assert.deepEqual(r.diagnostics, []);
  assert.ok(versions.some((v) => JSON.stringify(v) === JSON.stringify(r.document)));
  assert.deepEqual(await readdir(d), ['g.ebm.json']);
});

test('saving keeps the file mode and writes through a symlink', async () => {
  const d = await fresh();
  const path = join(d, 'g.ebm.json');
  await writeTextFileAtomic(path, 'old\n');
  await chmod(path, 0o640);
  await writeGraphFile(path, doc);
  assert.equal((await stat(path)).mode & 0o777, 0o640);

  const link = join(d, 'link.ebm.json');
  await symlink('g.ebm.json', link);
  const changed = { ...structuredClone(doc), seed: 99 };
  await writeGraphFile(link, changed);
  assert.ok((await lstat(link)).isSymbolicLink());
  assert.equal((await readGraphFile(path)).document?.seed, 99);
  assert.deepEqual((await readdir(d)).sort(), ['g.ebm.json', 'link.ebm.json']);
});
