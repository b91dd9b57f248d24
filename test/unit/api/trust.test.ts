// Trust for custom code: which code may run, remembered per SHA-256 in a file shared by the app
// and the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codeHash, CodeTrust, customCode, untrustedMessage, userDataDir } from '../../../app/api/node/trust.ts';
import type { GraphDocument } from '../../../app/graph/document.ts';
import { createCatalog } from '../../../nodes/catalog.ts';
import { defineNode } from '../../../nodes/define.ts';
import { code, int } from '../../../nodes/params.ts';

const DEFAULT_CODE = 'export function energy(x) { return tf.sum(tf.square(x), 1); }\n';
const scripted = defineNode({
  type: 'test.scripted',
  version: 1,
  category: 'energy',
  title: 'Scripted',
  doc: 'A node with code.',
  inputs: {},
  outputs: {},
  params: {
    size: int({ title: 'Size', doc: 'Not code.', default: 2, min: 1, max: 9 }),
    source: code({ title: 'Code', doc: 'Code.', default: DEFAULT_CODE, language: 'typescript', maxLength: 10000 }),
  },
  build: () => ({}),
});
const cat = createCatalog([scripted]);

function doc(...codes: (string | undefined)[]): GraphDocument {
  return {
    formatVersion: 1,
    metadata: { title: 't', description: '', appVersion: '0.1.0' },
    seed: 0,
    nodes: [
      ...codes.map((c, i) => ({ id: `n${i}`, type: 'test.scripted', typeVersion: 1, label: `Energy ${i}`, position: { x: 0, y: 0 }, params: c === undefined ? { size: 3 } : { source: c } })),
      { id: 'alien', type: 'not.known', typeVersion: 1, position: { x: 0, y: 0 }, params: { source: 'while(1){}' } },
    ],
    edges: [],
  } as GraphDocument;
}

test('customCode lists every code parameter, a missing one as its default, and skips unknown node types', () => {
  const found = customCode(doc('A', undefined), cat);
  assert.deepEqual(
    found.map((c) => [c.nodeId, c.name, c.param, c.code]),
    [
      ['n0', 'Energy 0', 'source', 'A'],
      ['n1', 'Energy 1', 'source', DEFAULT_CODE],
    ],
  );
});

test('only built-in defaults are trusted at first; trusting code is remembered in the file and by a second reader', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ebm-trust-'));
  const file = join(dir, 'nested', 'trusted-code.json');
  const trust = await CodeTrust.open(file, cat);
  const foreign = 'export function energy(x) { return tf.sum(x, 1); }';
  assert.equal(trust.isTrusted(DEFAULT_CODE), true);
  assert.equal(trust.isTrusted(foreign), false);
  assert.deepEqual(trust.untrusted(doc(foreign, undefined)).map((c) => c.nodeId), ['n0']);

  await trust.trust([foreign]);
  assert.equal(trust.isTrusted(foreign), true);
  assert.deepEqual(trust.untrusted(doc(foreign, undefined)), []);
  // Changing one character makes it other code.
  assert.equal(trust.isTrusted(`${foreign} `), false);

  const stored = JSON.parse(await readFile(file, 'utf8'));
  assert.deepEqual(stored, { version: 1, sha256: [codeHash(foreign)] });
  const again = await CodeTrust.open(file, cat);
  assert.equal(again.isTrusted(foreign), true);
});

test('two writers merge: what another process trusted since this one read the file is kept', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ebm-trust-'));
  const file = join(dir, 'trusted-code.json');
  const app = await CodeTrust.open(file, cat);
  const cli = await CodeTrust.open(file, cat);
  await cli.trust(['from the CLI']);
  await app.trust(['from the app']);
  const later = await CodeTrust.open(file, cat);
  assert.equal(later.isTrusted('from the CLI'), true);
  assert.equal(later.isTrusted('from the app'), true);
});

test('a damaged trust file trusts nothing but the defaults, and is rewritten whole at the next trust', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ebm-trust-'));
  const file = join(dir, 'trusted-code.json');
  for (const text of ['{not json', JSON.stringify({ version: 1, sha256: ['short'] }), JSON.stringify({ version: 2, sha256: [] })]) {
    await writeFile(file, text);
    const trust = await CodeTrust.open(file, cat);
    assert.equal(trust.isTrusted('x'), false);
    assert.equal(trust.isTrusted(DEFAULT_CODE), true);
  }
  await (await CodeTrust.open(file, cat)).trust(['x']);
  assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), { version: 1, sha256: [codeHash('x')] });
});

test('in memory (no file): trust lasts as long as the object', async () => {
  const trust = await CodeTrust.open(null, cat);
  await trust.trust(['y']);
  assert.equal(trust.isTrusted('y'), true);
  assert.equal((await CodeTrust.open(null, cat)).isTrusted('y'), false);
});

test('the message names the nodes and says how to trust them', () => {
  const message = untrustedMessage(customCode(doc('A', 'B'), cat));
  assert.match(message, /"Energy 0", "Energy 1"/);
  assert.match(message, /--trust/);
  assert.match(message, /not written on this machine/);
});

test('userDataDir: EBM_STUDIO_USER_DATA, else the platform’s application-data folder, as Electron’s userData', () => {
  assert.equal(userDataDir({ EBM_STUDIO_USER_DATA: '/tmp/x' }, 'linux', '/home/u'), '/tmp/x');
  assert.equal(userDataDir({}, 'linux', '/home/u'), '/home/u/.config/EBM Studio');
  assert.equal(userDataDir({ XDG_CONFIG_HOME: '/cfg' }, 'linux', '/home/u'), '/cfg/EBM Studio');
  assert.equal(userDataDir({}, 'darwin', '/Users/u'), '/Users/u/Library/Application Support/EBM Studio');
  assert.equal(userDataDir({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32', 'C:\\Users\\u'), join('C:\\Users\\u\\AppData\\Roaming', 'EBM Studio'));
});
