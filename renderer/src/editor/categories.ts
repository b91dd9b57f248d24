import type { Category } from '../../../nodes/define.ts';

/** One colour per category, for the palette and the node headers. */
export const CATEGORY_COLORS: Record<Category, string> = {
  data: '#2f80ed',
  noise: '#3fae7a',
  energy: '#eb5757',
  sampler: '#9b51e0',
  objective: '#f2994a',
  optimizer: '#27ae60',
  trainer: '#0e9fbf',
  monitor: '#7a869a',
};

export const CATEGORY_TITLES: Record<Category, string> = {
  data: 'Data',
  noise: 'Noise',
  energy: 'Energy',
  sampler: 'Samplers',
  objective: 'Objectives',
  optimizer: 'Optimizers',
  trainer: 'Training',
  monitor: 'Monitors',
};
