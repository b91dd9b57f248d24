// data.toy2d: the standard 2-D toy densities (methods.md §4.1), with their true entropies (§4.3).
import { defineNode } from '../define.ts';
import { choice, int } from '../params.ts';
import { makeDataset } from '../shared/dataset.ts';
import { generateToy2d, toy2dDensity, TOY2D_DATASETS, TOY2D_ENTROPY, type Toy2dName } from './datasets.ts';

export const dataToy2dNode = defineNode({
  type: 'data.toy2d',
  version: 1,
  category: 'data',
  title: 'Toy 2D',
  doc:
    'A standard 2-D toy density from the EBM and flow literature: swiss roll, circles, moons, 8 Gaussians, ' +
    'pinwheel, two spirals, checkerboard, rings (the recipes of FFJORD and LSD toy_data.py), 25 Gaussians ' +
    '(the energy-discrepancy notebook) and the two-mode GMM of the NCSN toy (methods.md §4.1). A fixed ' +
    'training set and a held-out test set are drawn once from independent seeded streams. Each set comes ' +
    'with the true density’s entropy (methods.md §4.3), the best test NLL any model can reach, so that ' +
    'NLL − entropy is the KL divergence from the truth; the Gaussian mixtures (8 and 25 Gaussians, the NCSN ' +
    'GMM) also carry their exact density and score, for the Fisher divergence to the truth. ' +
    'Use it to see what an objective and a sampler learn in a picture you can check by eye.',
  reference: 'rtqichen/ffjord lib/toy_data.py; wgrathwohl/LSD toy_data.py; methods.md §4.1, §4.3',
  inputs: {},
  outputs: {
    data: { type: 'dataset', title: 'Data', doc: 'Training and held-out 2-D points, with the true entropy' },
  },
  params: {
    dataset: choice<Toy2dName>({
      title: 'Dataset',
      doc: 'Which toy density to draw from.',
      default: '8gaussians',
      options: TOY2D_DATASETS.map((d) => ({ value: d.name, label: d.title, doc: d.doc })),
    }),
    trainSize: int({
      title: 'Training points',
      doc: 'Size of the fixed training set that batches are drawn from (with replacement).',
      default: 20000,
      min: 10,
      max: 1_000_000,
      unit: 'points',
    }),
    testSize: int({
      title: 'Test points',
      doc: 'Size of the held-out set for NLL and MMD. Monte Carlo error of a test NLL is about 1/√testSize nats.',
      default: 5000,
      min: 10,
      max: 1_000_000,
      unit: 'points',
    }),
  },
  dim: () => 2,
  derived: (p) => ({
    entropy: { value: TOY2D_ENTROPY[p.dataset], unit: 'nats', doc: 'Entropy of the true density: the best achievable test NLL' },
  }),
  build(ctx, p) {
    const entropy = TOY2D_ENTROPY[p.dataset];
    const density = toy2dDensity(p.dataset);
    const data = makeDataset(ctx, {
      name: p.dataset,
      dim: 2,
      train: generateToy2d(p.dataset, p.trainSize, ctx.rng.split('train')),
      test: generateToy2d(p.dataset, p.testSize, ctx.rng.split('test')),
      entropy,
      truth: { entropy },
      ...(density ? { density } : {}),
    });
    return { data };
  },
});
