// The reference workload (shared/bench/ref_torch.py) written by hand on tfjs, as a researcher who
// knows tfjs would write it without EBM Studio: the yardstick the graph runtime is measured against.
//
//   energy     MLP 2-128-128-128-1, swish x·σ(x), PyTorch's default Linear init
//   sampler    Langevin, K=20, x <- x - eps/2 * dE/dx + sqrt(eps) * z, eps = 0.01
//   chains     replay buffer of 10000 (on the device), 5% re-initialised from U[-4,4]^2 each step
//   data       8 gaussians, drawn fresh each step
//   objective  mean E(data) - mean E(samples) + 0.1 * (mean E(data)^2 + mean E(samples)^2)
//   optimizer  Adam, lr 1e-3, batch 256
//
// Randomness comes from the project's seeded Rng (uploaded as tensors), never from tf.random*.
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node bundle registers no gradients; the union package's Node bundle registers them
// all into the same tfjs-core (as app/runtime/node/backend.ts does).
import '@tensorflow/tfjs';
import { Rng } from '../app/runtime/rng.ts';

export const REFERENCE = {
  batch: 256,
  hidden: 128,
  layers: 3,
  langevinSteps: 20,
  stepSize: 0.01,
  bufferSize: 10000,
  reinitProb: 0.05,
  alpha: 0.1,
  lr: 1e-3,
} as const;

const S = Math.SQRT1_2;
const CENTRES: readonly (readonly [number, number])[] = [
  [1, 0],
  [-1, 0],
  [0, 1],
  [0, -1],
  [S, S],
  [S, -S],
  [-S, S],
  [-S, -S],
].map(([x, y]) => [(x! * 4) / 1.414, (y! * 4) / 1.414] as const);
const DATA_STD = 0.5 / 1.414;

/** PyTorch's nn.Linear default: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)). Weight is [in, out]. */
function linear(rng: Rng, fanIn: number, fanOut: number): [tf.Variable, tf.Variable] {
  const bound = 1 / Math.sqrt(fanIn);
  // tidy: tf.variable shares the initial tensor's data and leaves that tensor to the caller.
  // Unnamed: variable names are global, and a benchmark runs several loops in one process.
  return tf.tidy(() => [
    tf.variable(tf.tensor2d(rng.uniforms(fanIn * fanOut, -bound, bound), [fanIn, fanOut])),
    tf.variable(tf.tensor1d(rng.uniforms(fanOut, -bound, bound))),
  ]);
}

export interface Loop {
  /** One training step; resolves to the loss, read back from the device. */
  step(): Promise<number>;
  dispose(): void;
}

export function createHandwrittenLoop(seed: number): Loop {
  const { batch: B, hidden: H, langevinSteps: K, stepSize: EPS, bufferSize: N, reinitProb, alpha, lr } = REFERENCE;
  const root = new Rng(seed);
  const initRng = root.split('init');
  const chainRng = root.split('chains');
  const noiseRng = root.split('noise');
  const dataRng = root.split('data');

  const dims = [2, H, H, H, 1];
  const params: [tf.Variable, tf.Variable][] = [];
  for (let i = 0; i + 1 < dims.length; i++) params.push(linear(initRng, dims[i]!, dims[i + 1]!));
  const vars = params.flat();

  /** E(x): [n, 2] -> [n, 1]. */
  function energy(x: tf.Tensor2D): tf.Tensor2D {
    let h: tf.Tensor2D = x;
    params.forEach(([W, b], i) => {
      // Not tf.fused.matMul: its custom gradient computes dW and db even when only dE/dx is asked
      // for (the Langevin steps), which made the whole loop ~1.8x slower on wasm.
      h = tf.add(tf.matMul(h, W), b);
      if (i + 1 < params.length) h = tf.mul(h, tf.sigmoid(h));
    });
    return h;
  }
  const gradE = tf.grad((x: tf.Tensor) => tf.sum(energy(x as tf.Tensor2D)));

  const buffer = tf.tidy(() => tf.variable(tf.tensor2d(initRng.uniforms(N * 2, -4, 4), [N, 2]), false));
  const optimizer = tf.train.adam(lr, 0.9, 0.999, 1e-8);
  const noiseScale = Math.sqrt(EPS);

  function drawData(): tf.Tensor2D {
    const which = dataRng.ints(B, CENTRES.length);
    const xy = dataRng.normals(B * 2, 0, DATA_STD);
    for (let i = 0; i < B; i++) {
      const c = CENTRES[which[i]!]!;
      xy[2 * i] = xy[2 * i]! + c[0];
      xy[2 * i + 1] = xy[2 * i + 1]! + c[1];
    }
    return tf.tensor2d(xy, [B, 2]);
  }

  return {
    async step() {
      const loss = tf.tidy(() => {
        // Chains: a batch from the buffer, 5% restarted from uniform noise.
        const idx = chainRng.ints(B, N);
        const restart = chainRng.uniforms(B);
        const mask = new Uint8Array(B * 2);
        for (let i = 0; i < B; i++) mask[2 * i] = mask[2 * i + 1] = restart[i]! < reinitProb ? 1 : 0;
        const fresh = tf.tensor2d(chainRng.uniforms(B * 2, -4, 4), [B, 2]);
        const idxT = tf.tensor1d(idx, 'int32');
        let x = tf.where(tf.tensor2d(mask, [B, 2], 'bool'), fresh, tf.gather(buffer, idxT)) as tf.Tensor2D;

        // Langevin: K steps of x - eps/2 * dE/dx + sqrt(eps) * z; the noise is drawn in one go.
        const z = noiseRng.normals(K * B * 2, 0, noiseScale);
        for (let k = 0; k < K; k++) {
          const zk = tf.tensor2d(z.subarray(k * B * 2, (k + 1) * B * 2), [B, 2]);
          x = tf.add(tf.sub(x, tf.mul(gradE(x), EPS / 2)), zk) as tf.Tensor2D;
        }
        buffer.assign(tf.tensorScatterUpdate(buffer, tf.reshape(idxT, [B, 1]), x));

        const samples = x;
        const data = drawData();
        return optimizer.minimize(
          () => {
            const ep = energy(data);
            const en = energy(samples);
            return tf.add(
              tf.sub(tf.mean(ep), tf.mean(en)),
              tf.mul(alpha, tf.add(tf.mean(tf.square(ep)), tf.mean(tf.square(en)))),
            ) as tf.Scalar;
          },
          true,
          vars,
        ) as tf.Scalar;
      });
      const value = (await loss.data())[0]!;
      loss.dispose();
      return value;
    },
    dispose() {
      tf.dispose([...vars, buffer]);
      optimizer.dispose();
    },
  };
}
