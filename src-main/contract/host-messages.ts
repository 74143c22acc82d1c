import { z } from 'zod';

/**
 * Messages between a front door (Electron main, `attest serve`) and the engine host process. Requests carry an
 * id so that a host that dies can have every pending request rejected by the side that is still alive.
 */
export const toHostSchema = z.object({
  type: z.literal('request'),
  id: z.number().int(),
  action: z.string(),
  payload: z.unknown(),
  /** The user's sign-in session (not the server's access token): who acts, for the audit trail. */
  session: z.string().max(200).optional(),
  /** On a site: the remote host the request came from, recorded in the audit events it appends. */
  desk: z.string().max(300).optional(),
});
export type ToHost = z.infer<typeof toHostSchema>;

export const fromHostSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('response'), id: z.number().int(), result: z.unknown() }),
  z.object({ type: z.literal('event'), event: z.unknown() }),
]);
export type FromHost = z.infer<typeof fromHostSchema>;
