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
