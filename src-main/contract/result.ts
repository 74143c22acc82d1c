import { z } from 'zod';

/** The error codes of src-main/core/errors.ts, as data: every failure crosses a boundary as one of these. */
export const ERROR_CODES = [
  'BAD_INPUT',
  'NOT_FOUND',
  'VERIFY_FAILED',
  'CANCELLED',
  'INTERNAL',
  'UNAUTHENTICATED',
  'FORBIDDEN',
] as const;
export type ContractErrorCode = (typeof ERROR_CODES)[number];

export const contractErrorSchema = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
});
export type ContractError = z.infer<typeof contractErrorSchema>;

/** `{ok: true, value}` or `{ok: false, error: {code, message}}`: errors are returned as data, never thrown. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ContractError };

export function resultSchema<T extends z.ZodType>(value: T) {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), value }),
    z.object({ ok: z.literal(false), error: contractErrorSchema }),
  ]);
}

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail(code: ContractErrorCode, message: string): Result<never> {
  return { ok: false, error: { code, message } };
}

/** A zod failure as one readable sentence naming the fields, for a BAD_INPUT error. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'request'}: ${issue.message}`)
    .join('; ');
}
