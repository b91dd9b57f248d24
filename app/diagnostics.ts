// One shape for every problem the core reports: file loading, compiling and running.
// `code` is stable (tests and the UI key on it); `message` is for people.
import { z } from 'zod';

export const DiagnosticSchema = z.object({
  code: z.string(),
  severity: z.enum(['error', 'warning']),
  message: z.string(),
  /** JSON path into the graph file, e.g. `$.nodes[2].params.lr`. */
  path: z.string().optional(),
  nodeId: z.string().optional(),
  port: z.string().optional(),
  param: z.string().optional(),
  /** The training step, for problems found while running. */
  step: z.number().optional(),
});
export type Diagnostic = z.infer<typeof DiagnosticSchema>;

export function error(code: string, message: string, where: Omit<Diagnostic, 'code' | 'message' | 'severity'> = {}): Diagnostic {
  return { code, severity: 'error', message, ...where };
}

export function warning(code: string, message: string, where: Omit<Diagnostic, 'code' | 'message' | 'severity'> = {}): Diagnostic {
  return { code, severity: 'warning', message, ...where };
}

export const hasErrors = (diagnostics: readonly Diagnostic[]): boolean => diagnostics.some((d) => d.severity === 'error');

/** One line per diagnostic, for terminals and logs. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = [d.path, d.nodeId && `node "${d.nodeId}"`, d.param && `param "${d.param}"`, d.port && `port "${d.port}"`, d.step !== undefined && `step ${d.step}`]
    .filter(Boolean)
    .join(', ');
  return `${d.severity} ${d.code}${where ? ` (${where})` : ''}: ${d.message}`;
}
