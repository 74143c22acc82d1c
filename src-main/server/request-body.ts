import type { IncomingMessage } from 'node:http';

/** Requests larger than this are refused: every action's payload is a few hundred bytes. */
export const MAX_BODY_BYTES = 1_000_000;

/** Deeper JSON than this is refused before parsing: no action's payload nests more than a few levels. */
export const MAX_JSON_DEPTH = 64;

/**
 * Past this much a refused body is no longer read to its end: the connection is dropped instead (a client
 * that sends gigabytes gets no answer, one that sends a few megabytes gets its 413).
 */
const MAX_DRAINED_BYTES = 64_000_000;

export type BodyResult = { ok: true; text: string } | { ok: false; status: 400 | 413; message: string };

/**
 * Reads a request body up to MAX_BODY_BYTES. A larger one is read to its end and thrown away, so that the
 * client gets a 413 answer instead of a reset connection while it is still sending.
 */
export function readBody(request: IncomingMessage): Promise<BodyResult> {
  return new Promise((resolve) => {
    const declared = Number(request.headers['content-length']);
    const tooLarge: BodyResult = {
      ok: false,
      status: 413,
      message: `the request body is larger than ${MAX_BODY_BYTES} bytes`,
    };
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = Number.isFinite(declared) && declared > MAX_BODY_BYTES;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) refused = true;
      if (refused) {
        chunks.length = 0;
        if (size > MAX_DRAINED_BYTES) request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () =>
      resolve(refused ? tooLarge : { ok: true, text: Buffer.concat(chunks).toString('utf8') }),
    );
    request.on('error', () =>
      resolve(refused ? tooLarge : { ok: false, status: 400, message: 'the request body could not be read' }),
    );
  });
}

/** How deeply arrays and objects nest in a JSON text (brackets inside strings not counted), up to `limit + 1`. */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** The JSON payload of an action, or why it is refused (400): not JSON, or nested too deeply to be one. */
export function parseJsonBody(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  if (text === '') return { ok: true, value: undefined };
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH))
    return { ok: false, message: `the request body nests deeper than ${MAX_JSON_DEPTH} levels` };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, message: 'the request body is not JSON' };
  }
}
