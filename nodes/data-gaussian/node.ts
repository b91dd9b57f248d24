// data.gaussian: N(mean·1, std² I) in d dimensions, the data with known answers.
import { defineNode } from '../define.ts';
import { int, num } from '../params.ts';
import { gaussianMixtureDensity, makeDataset } from '../shared/dataset.ts';

/** Differential entropy of N(μ, s² I_d) in nats: d/2 · log(2πe s²). */
export function gaussianEntropy(dim: number, std: number): number {
  return (dim / 2) * Math.log(2 * Math.PI * Math.E * std * std);
}

export const dataGaussianNode = defineNode({
  type: 'data.gaussian',
  version: 1,
  category: 'data',
  title: 'Gaussian',
  doc:
    'Points from an isotropic Gaussian N(mean·1, std²·I) in 1 to 64 dimensions: the data with known answers. ' +
    'A Gaussian energy trained on it should recover the mean and the variance, score matching and ' +
    'contrastive divergence should agree, the best test NLL is the entropy d/2·log(2πe·std²), and the ' +
    'exact density and score are known (for the Fisher divergence of the Score fit monitor). ' +
    'Use it to check an objective or a sampler before trusting it on harder data (methods.md §6.5).',
  reference: 'methods.md §6.5',
  inputs: {},
  outputs: {
    data: { type: 'dataset', title: 'Data', doc: 'Training and held-out points, with the true mean, variance and entropy' },
  },
  params: {
    dim: int({ title: 'Dimension', doc: 'Number of coordinates d of each point.', default: 2, min: 1, max: 64 }),
    mean: num({ title: 'Mean', doc: 'Every coordinate’s mean.', default: 0, min: -1000, max: 1000 }),
    std: num({
      title: 'Standard deviation',
      doc: 'Every coordinate’s standard deviation (the coordinates are independent).',
      default: 1,
      min: 0,
      exclusiveMin: true,
      max: 1000,
      scale: 'log',
    }),
    trainSize: int({
      title: 'Training points',
      doc: 'Size of the fixed training set that batches are drawn from (with replacement).',
      default: 20000,
      min: 10,
      max: 200_000,
      unit: 'points',
    }),
    testSize: int({
      title: 'Test points',
      doc: 'Size of the held-out set for NLL and MMD.',
      default: 5000,
      min: 10,
      max: 200_000,
      unit: 'points',
    }),
  },
  dim: (p) => p.dim,
  derived: (p) => ({
    entropy: { value: gaussianEntropy(p.dim, p.std), unit: 'nats', doc: 'Entropy of the true density: the best achievable test NLL' },
  }),
  build(ctx, p) {
    const { dim, mean, std } = p;
    const entropy = gaussianEntropy(dim, std);
    const data = makeDataset(ctx, {
      name: 'gaussian',
      dim,
      train: ctx.rng.split('train').normals(p.trainSize * dim, mean, std),
      test: ctx.rng.split('test').normals(p.testSize * dim, mean, std),
      entropy,
      truth: { mean: Array<number>(dim).fill(mean), variance: Array<number>(dim).fill(std * std), entropy },
      // Exact: log p and the score −(x − mean)/std², for the Fisher divergence to the truth.
      density: gaussianMixtureDensity({ means: [Array<number>(dim).fill(mean)], std }),
    });
    return { data };
  },
});
