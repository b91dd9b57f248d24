// File > Export through the host: the project goes into a new or empty folder of the workspace
// (the web host has no dialog, so it needs one named), never outside it, with the exporter's notes
// and a note when the graph's custom code was written elsewhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOST_METHODS, HostError, type HostResult } from '../../../app/api/contract.ts';
import type { HostMethodName } from '../../../app/api/methods.ts';
import { createServices, dispatch } from '../../../app/api/node/services.ts';
import type { GraphDocument } from '../../../app/graph/document.ts';
import { parseGraph } from '../../../app/graph/parse.ts';

const gaussian = async (): Promise<GraphDocument> => parseGraph(await readFile('examples/gaussian-ml.ebm.json', 'utf8')).document!;

async function host() {
  const base = await mkdtemp(join(tmpdir(), 'ebm-export-host-'));
  const workspace = join(base, 'workspace');
  await mkdir(workspace);
  const services = createServices({
    host: 'web',
    workspace,
    runsDir: join(workspace, 'runs'),
    examplesDir: 'examples',
    startRun: () => assert.fail('nothing runs'),
    push: () => {},
  });
  const call = async <M extends HostMethodName>(method: M, args: unknown) => HOST_METHODS[method].result.parse(await dispatch(services, method, args)) as HostResult<M>;
  return { base, workspace, call };
}

async function refused(promise: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => e instanceof HostError && e.code === code && (!message || message.test(e.message)));
}

test('exportProject writes a TypeScript project into a new workspace folder and lists its files', async () => {
  const h = await host();
  const result = await h.call('exportProject', { document: await gaussian(), target: 'typescript', folder: 'exports/gaussian' });
  assert.ok(result);
  assert.equal(result.folder, 'exports/gaussian');
  for (const f of ['train.ts', 'package.json', 'README.md', 'graph.ebm.json']) {
    assert.ok(result.files.includes(f), `${f} listed`);
    assert.ok(existsSync(join(h.workspace, 'exports', 'gaussian', f)), `${f} written`);
  }
  assert.ok(result.files.every((f) => !f.startsWith('/')), 'paths are relative to the project folder');
  assert.match(await readFile(join(h.workspace, 'exports', 'gaussian', 'train.ts'), 'utf8'), /energyGaussianNode\.build\(/);
});

test('exportProject writes train.py for PyTorch, with relative paths too', async () => {
  const h = await host();
  const result = await h.call('exportProject', { document: await gaussian(), target: 'pytorch', folder: 'py' });
  assert.ok(result);
  assert.ok(result.files.includes('train.py'));
  assert.ok(result.files.every((f) => !f.startsWith('/')));
  assert.match(await readFile(join(h.workspace, 'py', 'train.py'), 'utf8'), /import torch/);
});

test('exportProject refuses a non-empty folder, a folder outside the workspace, and asks for a folder where there is no dialog', async () => {
  const h = await host();
  const doc = await gaussian();
  await mkdir(join(h.workspace, 'full'));
  await writeFile(join(h.workspace, 'full', 'keep.txt'), 'mine');
  await refused(h.call('exportProject', { document: doc, target: 'typescript', folder: 'full' }), 'EXPORT_FAILED', /empty|not empty/);
  assert.equal(await readFile(join(h.workspace, 'full', 'keep.txt'), 'utf8'), 'mine', 'what was there is kept');
  await refused(h.call('exportProject', { document: doc, target: 'typescript', folder: '../outside' }), 'OUTSIDE_WORKSPACE');
  assert.equal(existsSync(join(h.base, 'outside')), false);
  await refused(h.call('exportProject', { document: doc, target: 'typescript' }), 'NEEDS_PATH');
});

test('exporting custom code from elsewhere runs nothing and says to read the code first', async () => {
  const h = await host();
  const doc = await gaussian();
  const code = "export const params = { mean: { shape: ['d'], init: 'zeros' } };\nexport function energy(x, p) { return tf.sum(tf.square(tf.sub(x, p.mean)), 1); }\n";
  for (const n of doc.nodes) if (n.id === 'energy') Object.assign(n, { type: 'energy.custom', label: 'Sent to me', params: { code, inputDim: 2 } });
  const result = await h.call('exportProject', { document: doc, target: 'typescript', folder: 'custom' });
  assert.ok(result?.notes.some((n) => /"Sent to me" was not written on this machine/.test(n)), result?.notes.join('\n'));
  assert.match(await readFile(join(h.workspace, 'custom', 'train.ts'), 'utf8'), /tf\.square\(tf\.sub\(x, p\.mean\)\)/);
});
