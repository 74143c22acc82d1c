import { z } from 'zod';

/** Checked again by the core (pattern, length, policy): the contract only bounds the sizes. */
const userName = z.string().trim().min(1).max(64);
const password = z.string().min(1).max(1024);
const reason = z.string().trim().max(2000).optional();
const role = z.enum(['operator', 'reviewer', 'administrator']);

const accountSchema = z.object({
  name: z.string(),
  printedName: z.string(),
  role: z.string(),
  locked: z.boolean(),
  failedAttempts: z.number(),
  createdAt: z.string(),
  passwordChangedAt: z.string(),
});
export type AccountView = z.infer<typeof accountSchema>;

/**
 * Account management from the UI, through the same core functions as `attest users`: the first account (an
 * administrator) can be made by anyone on a fresh installation; every later change needs a signed-in
 * administrator, and each is an audit event.
 */
export const userActions = {
  'users.list': { request: z.strictObject({}), response: z.object({ users: z.array(accountSchema) }) },
  'users.add': {
    request: z.strictObject({
      name: userName,
      printedName: z.string().trim().min(1).max(120),
      role,
      password,
      reason,
    }),
    response: z.object({ user: accountSchema }),
  },
  'users.setRole': {
    request: z.strictObject({ name: userName, role, reason }),
    response: z.object({ user: accountSchema }),
  },
  /** A new password, which also unlocks an account locked after repeated wrong passwords. */
  'users.resetPassword': {
    request: z.strictObject({ name: userName, password, reason }),
    response: z.object({ user: accountSchema }),
  },
} as const;
