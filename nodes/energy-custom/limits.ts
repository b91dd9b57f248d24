// Limits of custom energy code, shared by the node, the host contract and the training thread.

/** The most characters custom code may have (it is saved in the graph file). */
export const MAX_CODE_LENGTH = 100_000;

/** The largest input dimension d a custom energy takes. */
export const MAX_INPUT_DIM = 4096;

/** How long one call into custom code (loading it, or one energy(x)) may run, in seconds, unless
 * the node says otherwise: an infinite loop ends the run after this long. A call that evaluates a
 * large network on a big batch takes milliseconds to a second; raise it for larger ones. */
export const DEFAULT_TIME_LIMIT_S = 5;
export const MIN_TIME_LIMIT_S = 0.05;
export const MAX_TIME_LIMIT_S = 600;
