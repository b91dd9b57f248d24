// Locks down the training thread's JavaScript realm (SES) so that custom energy code can run in a
// compartment (nodes/energy-custom/sandbox.ts says why SES). Called only by a thread that runs
// custom code, after tfjs and its backend have loaded: lockdown() freezes the shared intrinsics,
// which libraries that patch them while loading would trip over.
import * as tf from '@tensorflow/tfjs-core';
import { insideUserCode } from '../../../nodes/energy-custom/sandbox.ts';

let locked = false;

/** Tensor methods that return a Promise: custom code is synchronous, and a callback it queued
 * would run after its call had returned, outside the time limit. */
const ASYNC_READS = ['data', 'array', 'buffer', 'bytes', 'dataToGPU'] as const;

export async function lockdownRealm(): Promise<void> {
  if (locked) return;
  await import('ses');
  lockdown({
    // Our own errors keep their stacks (the runtime reports them) and the line of custom code.
    errorTaming: 'unsafe',
    // Assigning a property that a frozen prototype also has (tfjs, zod do) keeps working.
    overrideTaming: 'severe',
    // Errors and rejections stay Node's: the worker reports them itself.
    errorTrapping: 'none',
    unhandledRejectionTrapping: 'none',
    reporting: 'none',
  });
  // An error thrown inside a tfjs op called by custom code is a dozen frames deep in tfjs before
  // it reaches the code's own frame, whose line the message gives: keep enough frames to find it.
  Error.stackTraceLimit = Math.max(Error.stackTraceLimit, 64);
  const proto = tf.Tensor.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of ASYNC_READS) {
    const read = proto[name];
    if (typeof read !== 'function') continue;
    proto[name] = function (this: unknown, ...args: unknown[]) {
      if (insideUserCode()) throw new Error(`x.${name}() is asynchronous, and custom code is synchronous: use x.dataSync() or x.arraySync()`);
      return read.apply(this, args);
    };
  }
  // tfjs's classes are not intrinsics, so lockdown left them alone: freeze them (and their
  // prototypes, which every tensor custom code touches) so that the code cannot change what a
  // tensor method does for the rest of the run.
  harden(tf.Tensor);
  harden(tf.Variable);
  locked = true;
}
