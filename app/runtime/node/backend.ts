// Backend choice: the best one that loads (tfjs-node, then wasm, then cpu) unless the user names
// one, and always a note of which was chosen and why others were passed over.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core ships its gradients apart from its ops, as ES modules that Node cannot load one by one;
// the union package's Node bundle registers them all (into the same, shared tfjs-core).
import '@tensorflow/tfjs';
import { BACKENDS, type BackendName } from '../events.ts';
import { installWasmKernelFixes } from '../wasm-kernels.ts';

export type BackendPreference = BackendName | 'auto';

export interface BackendChoice {
  name: BackendName;
  /** Why better backends were passed over, in plain words. */
  notes: string[];
}

async function load(name: BackendName): Promise<void> {
  if (name === 'tensorflow') {
    // Optional dependency: its native library is a download that may be missing.
    await import('@tensorflow/tfjs-node' as string);
  } else if (name === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
  }
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') returned false`);
  await tf.ready();
  // tfjs 4.22's wasm matMul is ~10x slower with a transposed operand, and its Identity copies what
  // the cpu backend shares: see wasm-kernels.ts.
  if (name === 'wasm') installWasmKernelFixes();
}

export async function selectBackend(preference: BackendPreference = 'auto'): Promise<BackendChoice> {
  const candidates = preference === 'auto' ? BACKENDS : [preference];
  const notes: string[] = [];
  for (const name of candidates) {
    try {
      await load(name);
      return { name, notes };
    } catch (e) {
      notes.push(`${name} unavailable: ${whyNot(name, e)}`);
    }
  }
  throw new Error(`no backend could be loaded (${notes.join('; ')})`);
}

/** A reason a person can act on. */
function whyNot(name: BackendName, e: unknown): string {
  const code = (e as { code?: string }).code;
  const message = (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
  if (name === 'tensorflow' && (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND'))
    return '@tensorflow/tfjs-node is not installed (an optional dependency whose install downloads libtensorflow)';
  if (name === 'tensorflow') return `@tensorflow/tfjs-node could not load its native library (${message})`;
  return message;
}
