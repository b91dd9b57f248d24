// The look of the core's figures (app/plot) when drawn in the run panel: the page's font, smaller
// text than the PNGs', and smaller still in a small box.
import type { Theme } from '../../../app/plot/theme.ts';

const FONT_FAMILY = 'system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif';
export const COMPACT_THEME: Partial<Theme> = { fontFamily: FONT_FAMILY, size: { title: 13, panelTitle: 12, label: 11.5, tick: 10.5, legend: 11 } };
/** For a small box: the axes and legend take less of it. */
export const SMALL_THEME: Partial<Theme> = { fontFamily: FONT_FAMILY, size: { title: 11.5, panelTitle: 11, label: 10, tick: 9.5, legend: 9.5 } };
