// Builds one node type on its own, outside a plan, for unit tests.
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../app/runtime/rng.ts';
import type { AnyNodeDef, BuildContext, Monitor, PortValues } from '../../nodes/define.ts';
import type { ParamSpecs, ParamValues } from '../../nodes/params.ts';
import { selectBackend, type BackendPreference } from '../../app/runtime/node/backend.ts';
import { BACKENDS, type BackendName } from '../../app/runtime/events.ts';

/** Sets a backend (and registers tfjs's gradients, which selectBackend does). */
export async function useBackend(name: BackendPreference = 'cpu'): Promise<void> {
  const chosen = await selectBackend(name);
  if (name !== 'auto' && chosen.name !== name) throw new Error(`wanted backend ${name}, got ${chosen.name}`);
}

/** Why each backend that cannot load here can't, for the skip reason of its tests (tests that
 * run on every backend). Leaves the last backend that loaded selected. */
export async function unavailableBackends(): Promise<Map<BackendName, string>> {
  const unavailable = new Map<BackendName, string>();
  for (const name of BACKENDS) {
    try {
      await useBackend(name);
    } catch (e) {
      // selectBackend's message: "no backend could be loaded (<name> unavailable: <why>)".
      const why = (e instanceof Error ? e.message : String(e)).replace(/^no backend could be loaded \((.*)\)$/s, '$1');
      unavailable.set(name, `cannot load the ${name} backend here: ${why}`);
    }
  }
  return unavailable;
}

export function defaults(def: AnyNodeDef): ParamValues<ParamSpecs> {
  return Object.fromEntries(Object.entries(def.params).map(([k, s]) => [k, structuredClone(s.default)])) as ParamValues<ParamSpecs>;
}

export interface Built {
  outputs: Record<string, PortValues[keyof PortValues]>;
  monitors: Monitor[];
  dispose(): void;
}

/** A build context that records what the node tracks and the monitors it registers. */
export function fakeContext(nodeId: string, rng: Rng): BuildContext & { tracked: { dispose(): void }[]; monitors: Monitor[] } {
  const tracked: { dispose(): void }[] = [];
  const monitors: Monitor[] = [];
  return { nodeId, rng, tracked, monitors, track: (d) => (tracked.push(d), d), monitor: (m) => monitors.push(m) };
}

export function buildNode(def: AnyNodeDef, params: Record<string, unknown> = {}, inputs: Record<string, unknown> = {}, seed = 1): Built {
  const ctx = fakeContext(`test-${def.type}`, new Rng(seed).split(def.type));
  const outputs = def.build(ctx, { ...defaults(def), ...params } as ParamValues<ParamSpecs>, inputs as never) as Built['outputs'];
  return { outputs, monitors: ctx.monitors, dispose: () => ctx.tracked.forEach((d) => d.dispose()) };
}

/** Tensor count before and after `fn`, which must leave nothing behind. */
export async function leaked(fn: () => Promise<void> | void): Promise<number> {
  const before = tf.memory().numTensors;
  await fn();
  return tf.memory().numTensors - before;
}
