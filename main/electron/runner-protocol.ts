// The messages between the main process and the training utility process, shared by both ends.
// Main → runner: start one run, or cancel it, or dry-run custom energy code. Runner → main: every
// run event, in order, or the check's result.
import { z } from 'zod';
import { CodeCheckResultSchema } from '../../app/api/contract.ts';
import { GraphDocumentSchema } from '../../app/graph/document.ts';
import { BACKENDS } from '../../app/runtime/events.ts';
import type { RunEvent } from '../../app/runtime/events.ts';
import type { CodeCheckRequest, RunRequest } from '../../app/runtime/node/start-run.ts';
import type { CodeCheckResult } from '../../nodes/energy-custom/model.ts';

export const RunRequestSchema = z
  .object({
    document: GraphDocumentSchema,
    backend: z.enum(['auto', ...BACKENDS]).optional(),
    steps: z.number().int().min(1).optional(),
    outDir: z.string().min(1).optional(),
    runId: z.string().min(1).optional(),
    background: z.boolean().optional(),
  })
  .strict();

export const CodeCheckRequestSchema = z
  .object({ code: z.string(), inputDim: z.number().int().min(1), timeLimit: z.number().positive().optional() })
  .strict();

export const ParentMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('start'), request: RunRequestSchema }),
  z.object({ type: z.literal('cancel') }),
  z.object({ type: z.literal('check'), request: CodeCheckRequestSchema }),
]);
export type ParentMessage = { type: 'start'; request: RunRequest } | { type: 'cancel' } | { type: 'check'; request: CodeCheckRequest };

export const RUN_EVENT_TYPES = ['started', 'progress', 'snapshot', 'samples', 'finished', 'failed'] as const satisfies readonly RunEvent['type'][];

/**
 * Only the envelope and the event's type are checked here, not its numbers: a diverging run
 * reports NaN losses, which RunEventSchema (z.number()) would refuse, and the worker-thread path
 * passes them through as they are.
 */
export const ChildMessageSchema = z.object({
  type: z.literal('event'),
  event: z.looseObject({ type: z.enum(RUN_EVENT_TYPES) }),
});
export const CheckedMessageSchema = z.object({ type: z.literal('checked'), result: CodeCheckResultSchema });
export type ChildMessage = { type: 'event'; event: RunEvent } | { type: 'checked'; result: CodeCheckResult };

