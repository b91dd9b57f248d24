// `ebm-studio export <file> --out DIR [--target typescript|pytorch]`: usage errors exit 2, a bad
// graph or a non-empty folder exits 1 with the reason and writes nothing, success lists the files
// and the notes. Custom code from elsewhere is exported (exporting runs nothing) with a note.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '../../../app/cli/program.ts';
import { parseGraph } from '../../../app/graph/parse.ts';
import { serializeGraph } from '../../../app/graph/serialize.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const example = (name: string) => join(root, 'examples', name);
const temp = () => mkdtempSync(join(tmpdir(), 'ebm-export-cli-'));

async function cli(argv: string[], codeTrustStore = join(temp(), 'trusted-code.json')) {
  const text = { out: '', err: '' };
  const sink = (k: 'out' | 'err') =>
    new Writable({
      write(chunk, _encoding, callback) {
        text[k] += String(chunk);
        callback();
      },
    });
  const status = await main(argv, { stdout: sink('out'), stderr: sink('err'), codeTrustStore });
  return { status, stdout: text.out, stderr: text.err };
}

function usageError(r: { status: number; stdout: string; stderr: string }, message: RegExp): void {
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, message);
  assert.match(r.stderr, /--help/);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
}

test('export: usage errors exit 2 and write nothing', async () => {
  const out = join(temp(), 'project');
  usageError(await cli(['export', '--out', out]), /missing required argument 'file'/);
  usageError(await cli(['export', example('gaussian-ml.ebm.json')]), /required option '--out <dir>' not specified/);
  usageError(await cli(['export', example('gaussian-ml.ebm.json'), '--out', out, '--target', 'julia']), /'julia'.*typescript, pytorch/);
  usageError(await cli(['export', example('gaussian-ml.ebm.json'), '--out', out, '--steps', '3']), /unknown option '--steps'/);
  assert.ok(!existsSync(out));
  const help = await cli(['--help']);
  assert.match(help.stdout, /^\s+export /m, 'export is listed');
});

test('export: an unreadable file, a graph with errors, or a non-empty folder exits 1 with the reason', async () => {
  const dir = temp();
  const out = join(dir, 'project');
  let r = await cli(['export', join(root, 'test', 'fixtures', 'broken', 'malformed.ebm.json'), '--out', out]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /GRAPH_JSON_SYNTAX/);
  assert.match(r.stderr, /cannot export a file with errors/);

  const { document } = parseGraph(readFileSync(example('gaussian-ml.ebm.json'), 'utf8'));
  document!.edges = document!.edges.filter((e) => e.target.node !== 'objective' || e.target.port !== 'energy');
  const broken = join(dir, 'broken.ebm.json');
  writeFileSync(broken, serializeGraph(document!));
  r = await cli(['export', broken, '--out', out]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /INPUT_UNCONNECTED/);
  assert.match(r.stderr, /cannot export a graph with errors/);
  assert.ok(!existsSync(out), 'nothing written');

  mkdirSync(out);
  writeFileSync(join(out, 'keep.txt'), 'mine');
  r = await cli(['export', example('gaussian-ml.ebm.json'), '--out', out]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /not empty/);
  assert.doesNotMatch(r.stderr, /^\s+at /m);
  assert.deepEqual(readdirSync(out), ['keep.txt']);
});

test('export: writes the TypeScript project and lists its files and notes', async () => {
  const out = join(temp(), 'project');
  const r = await cli(['export', example('8gaussians-compare.ebm.json'), '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.match(lines[0]!, /typescript project, \d+ files$/);
  for (const f of ['train.ts', 'package.json', 'README.md', 'graph.ebm.json', 'lib/nodes/energy-mlp/node.ts']) {
    assert.ok(lines.includes(`  ${f}`), `${f} listed`);
    assert.ok(existsSync(join(out, f)), `${f} written`);
  }
  assert.ok(lines.some((l) => l.startsWith('note: ') && /tfjs-node/.test(l)));
  assert.doesNotMatch(r.stdout, /not written on this machine/);
});

test('export: custom code from elsewhere is exported, with a note to read it first; trusted code gets none', async () => {
  const dir = temp();
  const { document } = parseGraph(readFileSync(example('gaussian-ml.ebm.json'), 'utf8'));
  const code = "export const params = { m: { shape: ['d'], init: 'zeros' } };\nexport function energy(x: Tensor2D, p: Params): Tensor1D {\n  return tf.sum(tf.square(tf.sub(x, p.m)), 1);\n}\n";
  for (const n of document!.nodes) if (n.id === 'energy') Object.assign(n, { type: 'energy.custom', label: 'Theirs', params: { code, inputDim: 2 } });
  const file = join(dir, 'custom.ebm.json');
  writeFileSync(file, serializeGraph(document!));
  const trustStore = join(dir, 'trusted-code.json');
  let r = await cli(['export', file, '--out', join(dir, 'a')], trustStore);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /note: the custom code in "Theirs" was not written on this machine; the project runs it, so read it first/);
  assert.match(r.stdout, /note: "Theirs": its code is in train\.ts/);
  assert.ok(readFileSync(join(dir, 'a', 'train.ts'), 'utf8').includes('return tf.sum(tf.square(tf.sub(x, p.m)), 1);'));
  assert.ok(!existsSync(trustStore), 'exporting trusts nothing');
  const { createHash } = await import('node:crypto');
  writeFileSync(trustStore, JSON.stringify({ version: 1, sha256: [createHash('sha256').update(code, 'utf8').digest('hex')] }));
  r = await cli(['export', file, '--out', join(dir, 'b')], trustStore);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /not written on this machine/);
});

test('export --target pytorch: the PyTorch exporter writes its project', async () => {
  const out = join(temp(), 'project');
  const r = await cli(['export', example('gaussian-ml.ebm.json'), '--out', out, '--target', 'pytorch']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout.split('\n')[0]!, /pytorch project, \d+ files$/);
  assert.ok(r.stdout.split('\n').includes('  train.py'), r.stdout);
  assert.ok(existsSync(join(out, 'train.py')));
});
