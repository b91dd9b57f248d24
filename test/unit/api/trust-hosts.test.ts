// Trust where it is enforced: the host services (the app, web and Electron alike) refuse to run or
// check a graph whose custom code was written elsewhere until the user trusts it; the CLI needs
// --trust for it; trust given in one is remembered by the other (one file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { HOST_METHODS, HostError, type HostResult } from '../../../app/api/contract.ts';
import type { HostMethodName } from '../../../app/api/methods.ts';
import { createServices, dispatch } from '../../../app/api/node/services.ts';
import { main } from '../../../app/cli/program.ts';
import type { GraphDocument } from '../../../app/graph/document.ts';
import { parseGraph } from '../../../app/graph/parse.ts';
import { serializeGraph } from '../../../app/graph/serialize.ts';
import type { RunHandle } from '../../../app/runtime/node/start-run.ts';
import { RunEventStream } from '../../../app/runtime/run-stream.ts';

const FOREIGN = `export const params = { mean: { shape: ['d'], init: 'zeros' } };
export function energy(x: Tensor2D, p: Params): Tensor1D {
  return tf.mul(0.5, tf.sum(tf.square(tf.sub(x, p.mean)), 1));
}
`;

/** examples/gaussian-ml with its energy written as custom code. */
async function customGraph(code = FOREIGN): Promise<GraphDocument> {
  const doc = parseGraph(await readFile('examples/gaussian-ml.ebm.json', 'utf8')).document!;
  for (const n of doc.nodes) if (n.id === 'energy') Object.assign(n, { type: 'energy.custom', label: 'From a stranger', params: { code, inputDim: 2 } });
  return doc;
}

async function host() {
  const base = await mkdtemp(join(tmpdir(), 'ebm-trust-host-'));
  const store = join(base, 'user', 'trusted-code.json');
  const started: unknown[] = [];
  const checked: string[] = [];
  const services = createServices({
    host: 'web',
    workspace: base,
    runsDir: join(base, 'runs'),
    examplesDir: join(base, 'examples'),
    codeTrustStore: store,
    startRun: (request) => {
      started.push(request);
      const stream = new RunEventStream(() => {});
      return { events: stream.events, done: stream.done, cancel: () => {} } satisfies RunHandle;
    },
    checkCustomCode: async ({ code }) => {
      checked.push(code);
      return { ok: true, diagnostics: [], params: [], secondOrder: { ok: true, problems: [] } };
    },
    push: () => {},
  });
  const call = async <M extends HostMethodName>(method: M, args: unknown) => HOST_METHODS[method].result.parse(await dispatch(services, method, args)) as HostResult<M>;
  return { base, store, started, checked, call };
}

async function refusedAs(promise: Promise<unknown>, code: string): Promise<HostError> {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof HostError, String(e));
    assert.equal(e.code, code);
    return e;
  }
  assert.fail(`expected ${code}`);
}

test('the host runs a graph with foreign custom code only after trustCode, and says which node and how', async () => {
  const h = await host();
  const doc = await customGraph();
  const status = await h.call('codeTrust', { document: doc });
  assert.deepEqual(status.untrusted, [{ nodeId: 'energy', name: 'From a stranger' }]);
  assert.match(status.message!, /"From a stranger".*not written on this machine/);

  const refusal = await refusedAs(h.call('run', { document: doc }), 'UNTRUSTED_CODE');
  assert.match(refusal.message, /Trust/);
  assert.equal(h.started.length, 0, 'nothing started');

  await h.call('trustCode', { document: doc });
  assert.deepEqual((await h.call('codeTrust', { document: doc })).untrusted, []);
  await h.call('run', { document: doc });
  assert.equal(h.started.length, 1);

  // Other code is other code: one changed character needs trust again.
  const edited = await customGraph(FOREIGN.replace('0.5', '0.25'));
  await refusedAs(h.call('run', { document: edited }), 'UNTRUSTED_CODE');
});

test('code checked in the editor was written here: it runs without asking; graphs without custom code never ask', async () => {
  const h = await host();
  const mine = FOREIGN.replace('0.5', '0.75');
  await h.call('checkCustomCode', { code: mine, inputDim: 2 });
  assert.deepEqual(h.checked, [mine]);
  await h.call('run', { document: await customGraph(mine) });
  const plain = parseGraph(await readFile('examples/gaussian-ml.ebm.json', 'utf8')).document!;
  assert.deepEqual((await h.call('codeTrust', { document: plain })).untrusted, []);
  await h.call('run', { document: plain });
  assert.equal(h.started.length, 2);
});

async function cli(store: string, ...argv: string[]) {
  let err = '';
  const sink = (write: (s: string) => void) =>
    new Writable({
      write(chunk, _encoding, callback) {
        write(String(chunk));
        callback();
      },
    });
  const status = await main(argv, { stdout: sink(() => {}), stderr: sink((s) => (err += s)), codeTrustStore: store });
  return { status, err };
}

test('the CLI refuses foreign custom code without --trust, runs it with --trust, and the app then trusts it too', async () => {
  const h = await host();
  const file = join(h.base, 'stranger.ebm.json');
  const doc = await customGraph();
  await writeFile(file, serializeGraph(doc));

  const refused = await cli(h.store, 'run', file, '--steps', '2', '--backend', 'cpu', '--out', join(h.base, 'r1'));
  assert.equal(refused.status, 1);
  assert.match(refused.err, /"From a stranger".*--trust/s);

  const trusted = await cli(h.store, 'run', file, '--steps', '2', '--backend', 'cpu', '--out', join(h.base, 'r2'), '--trust');
  assert.equal(trusted.status, 0, trusted.err);
  // Remembered: the next run needs no --trust, and the app (same file) runs it too.
  assert.equal((await cli(h.store, 'run', file, '--steps', '2', '--backend', 'cpu', '--out', join(h.base, 'r3'))).status, 0);
  await h.call('run', { document: doc });
  assert.equal(h.started.length, 1);
});
