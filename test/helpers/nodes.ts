// Builds one node type on its own, outside a plan, for unit tests.
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../app/runtime/rng.ts';
import type { AnyNodeDef, BuildContext, Monitor, PortValues } from '../../nodes/define.ts';
import type { ParamSpecs, ParamValues } from '../../nodes/params.ts';
import { selectBackend, type BackendPreference } from '../../app/runtime/node/backend.ts';

/** Sets a backend (and registers tfjs's gradients, which selectBackend does). */
export async function useBackend(name: BackendPreference = 'cpu'): Promise<void> {
  const chosen = await selectBackend(name);
  if (name !== 'auto' && chosen.name !== name) throw new Error(`wanted backend ${name}, got ${chosen.name}`);
}

export function defaults(def: AnyNodeDef): ParamValues<ParamSpecs> {
  return Object.fromEntries(Object.entries(def.params).map(([k, s]) => [k, structuredClone(s.default)])) as ParamValues<ParamSpecs>;
}

export interface Built {
  outputs: Record<string, PortValues[keyof PortValues]>;
  monitors: Monitor[];
  dispose(): void;
}

export function buildNode(def: AnyNodeDef, params: Record<string, unknown> = {}, inputs: Record<string, unknown> = {}, seed = 1): Built {
  const disposables: { dispose(): void }[] = [];
  const monitors: Monitor[] = [];
  const ctx: BuildContext = {
    nodeId: `test-${def.type}`,
    rng: new Rng(seed).split(def.type),
    track: (d) => (disposables.push(d), d),
    monitor: (m) => monitors.push(m),
  };
  const outputs = def.build(ctx, { ...defaults(def), ...params } as ParamValues<ParamSpecs>, inputs as never) as Built['outputs'];
  return { outputs, monitors, dispose: () => disposables.forEach((d) => d.dispose()) };
}

/** Tensor count before and after `fn`, which must leave nothing behind. */
export async function leaked(fn: () => Promise<void> | void): Promise<number> {
  const before = tf.memory().numTensors;
  await fn();
  return tf.memory().numTensors - before;
}
