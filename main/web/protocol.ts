// The web host's wire protocol: JSON text messages over one WebSocket (`/api`). The server
// (main/web/server.ts) and the browser client (renderer/src/host/web-host.ts) both parse with
// these schemas. No node:* here: the renderer bundles this file.
//
//   client → server  { type: 'call', id, method, args }
//   server → client  { type: 'result', id, result } | { type: 'error', id, error: { code, message } }
//                    | { type: 'push', push }
import { z } from 'zod';
import { HostErrorSchema, HostPushSchema } from '../../app/api/contract.ts';

/** The path of the WebSocket endpoint. */
export const API_PATH = '/api';
/** The cookie that carries the per-launch token once the page has been opened with `?token=`. */
export const TOKEN_COOKIE = 'ebm_studio_token';
/** The query parameter that carries the token in the address the host prints. */
export const TOKEN_PARAM = 'token';
/** The largest message either side accepts (a big graph or a run's metrics fit well inside). */
export const MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

const CallId = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const CallMessageSchema = z.object({
  type: z.literal('call'),
  id: CallId,
  method: z.string().min(1).max(200),
  args: z.unknown(),
});
export type CallMessage = z.infer<typeof CallMessageSchema>;

export const ResultMessageSchema = z.object({ type: z.literal('result'), id: CallId, result: z.unknown() });
/** `id` is null when the message it answers had no usable id (not JSON, not an object). */
export const ErrorMessageSchema = z.object({ type: z.literal('error'), id: CallId.nullable(), error: HostErrorSchema });
export const PushMessageSchema = z.object({ type: z.literal('push'), push: HostPushSchema });

export const ServerMessageSchema = z.discriminatedUnion('type', [ResultMessageSchema, ErrorMessageSchema, PushMessageSchema]);
export type ServerMessage = z.infer<typeof ServerMessageSchema>;
export type ResultMessage = z.infer<typeof ResultMessageSchema>;
export type ErrorMessage = z.infer<typeof ErrorMessageSchema>;
export type PushMessage = z.infer<typeof PushMessageSchema>;

/** The error code of a message that is not JSON, or not a call. */
export const BAD_MESSAGE = 'BAD_MESSAGE';

// JSON has no NaN or ±Infinity (JSON.stringify writes null), yet a diverging run's metrics carry
// them and the UI must show them. On the wire they travel as {"$nonFinite": "NaN" | "Infinity" |
// "-Infinity"}; Electron's IPC (structured clone) carries them as they are.
const NON_FINITE_KEY = '$nonFinite';

/** JSON text of a message, keeping NaN and ±Infinity. */
export function encodeMessage(message: unknown): string {
  return JSON.stringify(message, (_key, value: unknown) =>
    typeof value === 'number' && !Number.isFinite(value) ? { [NON_FINITE_KEY]: String(value) } : value,
  );
}

/** Parses JSON text written by encodeMessage (throws on text that is not JSON). */
export function decodeMessage(text: string): unknown {
  // A reviver visits every value (a snapshot has tens of thousands): only when a tag is there.
  if (!text.includes(`"${NON_FINITE_KEY}"`)) return JSON.parse(text);
  return JSON.parse(text, (_key, value: unknown) => {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const keys = Object.keys(value);
      const tag = (value as Record<string, unknown>)[NON_FINITE_KEY];
      if (keys.length === 1 && (tag === 'NaN' || tag === 'Infinity' || tag === '-Infinity')) return Number(tag);
    }
    return value;
  });
}
