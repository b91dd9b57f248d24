// The look shared by every figure: fonts, greys, the qualitative palette.

export interface Theme {
  /** A CSS font-family list. The PNG writer registers DejaVu Sans; browsers fall back along the list. */
  readonly fontFamily: string;
  readonly background: string;
  readonly text: string;
  readonly muted: string;
  readonly axis: string;
  readonly grid: string;
  readonly warning: string;
  /** Font sizes in CSS pixels. */
  readonly size: { readonly title: number; readonly panelTitle: number; readonly label: number; readonly tick: number; readonly legend: number };
}

export const DEFAULT_THEME: Theme = {
  fontFamily: '"DejaVu Sans", "Helvetica Neue", Helvetica, Arial, sans-serif',
  background: '#ffffff',
  text: '#1f2329',
  muted: '#60656f',
  axis: '#4a4f57',
  grid: '#e8eaed',
  warning: '#c0392b',
  size: { title: 17, panelTitle: 14, label: 12.5, tick: 11.5, legend: 12 },
};

export function themeWith(overrides: Partial<Theme> | undefined): Theme {
  return overrides ? { ...DEFAULT_THEME, ...overrides } : DEFAULT_THEME;
}

export function font(theme: Theme, size: number, weight: 'normal' | 'bold' = 'normal'): string {
  return `${weight === 'bold' ? 'bold ' : ''}${size}px ${theme.fontFamily}`;
}

/**
 * Okabe & Ito's colour-blind-safe palette (yellow left out: it vanishes on white), in the order
 * series take them.
 */
export const PALETTE: readonly string[] = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#000000'];
