// Test helpers for the wasm backend.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';

/** Runs `f` counting calls to the wasm Transpose kernel: how many operands were materialised. */
export async function countTransposes<T>(f: () => T | Promise<T>): Promise<[T, number]> {
  const original = tf.getKernel('Transpose', 'wasm');
  assert.ok(original);
  let calls = 0;
  tf.unregisterKernel('Transpose', 'wasm');
  tf.registerKernel({
    ...original,
    kernelFunc: (args) => {
      calls++;
      return original.kernelFunc(args);
    },
  });
  try {
    const out = await f();
    return [out, calls];
  } finally {
    tf.unregisterKernel('Transpose', 'wasm');
    tf.registerKernel(original);
  }
}
