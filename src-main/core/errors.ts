/**
 * Errors that cross a boundary (CLI exit code, IPC result, HTTP response) carry a code, so that callers can
 * react to the kind of failure without parsing messages. Messages name the file and the problem.
 */
export type ErrorCode =
  | 'BAD_INPUT'
  | 'NOT_FOUND'
  | 'VERIFY_FAILED'
  | 'CANCELLED'
  | 'INTERNAL'
  /** A site request without a live session, or a refused sign-in (HTTP 401). */
  | 'UNAUTHENTICATED'
  /** A site request the user's role may not make (HTTP 403). */
  | 'FORBIDDEN';

export class AttestError extends Error {
  readonly code: ErrorCode;
  readonly file: string | undefined;

  constructor(code: ErrorCode, message: string, options?: { file?: string; cause?: unknown }) {
    super(options?.file !== undefined ? `${options.file}: ${message}` : message, { cause: options?.cause });
    this.name = 'AttestError';
    this.code = code;
    this.file = options?.file;
  }
}

/** Bad input from the user: a file that cannot be read as what it claims to be, or an absurd parameter. */
export function badInput(message: string, file?: string): AttestError {
  return new AttestError('BAD_INPUT', message, file !== undefined ? { file } : undefined);
}

export function exitCodeFor(error: unknown): number {
  if (!(error instanceof AttestError)) return 1;
  switch (error.code) {
    case 'BAD_INPUT':
    case 'NOT_FOUND':
    case 'UNAUTHENTICATED':
    case 'FORBIDDEN':
      return 2;
    case 'VERIFY_FAILED':
      return 3;
    case 'CANCELLED':
      return 130;
    default:
      return 1;
  }
}
