import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import { badInput } from '../errors.js';

/**
 * Password hashes with scrypt (RFC 7914): N=2^15, r=8, p=1 (the OWASP minimum for scrypt), a 16-byte random
 * salt, a 32-byte key; the parameters travel with the hash so that they can be raised later without breaking
 * existing accounts. Format: scrypt$N$r$p$salt(base64)$hash(base64).
 */
const N = 1 << 15;
const R = 8;
const P = 1;
const MAXMEM = 64 * 1024 * 1024;

export const MIN_PASSWORD_LENGTH = 10;

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password.normalize('NFC'), salt, 32, { N, r: R, p: P, maxmem: MAXMEM });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

interface ParsedHash {
  salt: Buffer;
  expected: Buffer;
  options: { N: number; r: number; p: number; maxmem: number };
}

function parseHash(stored: string): ParsedHash | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [n, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  return {
    salt: Buffer.from(parts[4] as string, 'base64'),
    expected: Buffer.from(parts[5] as string, 'base64'),
    options: { N: n, r, p, maxmem: MAXMEM },
  };
}

export function verifyPassword(stored: string, password: string): boolean {
  const parsed = parseHash(stored);
  if (parsed === undefined) return false;
  const actual = scryptSync(password.normalize('NFC'), parsed.salt, parsed.expected.length, parsed.options);
  return timingSafeEqual(actual, parsed.expected);
}

/**
 * The same check on libuv's thread pool: a server answering many desks must not stop for the ~100 ms of
 * scrypt per sign-in or signature, or ten reviewers signing at once wait behind each other (and every other
 * request waits behind them). Same stored format and parameters as verifyPassword.
 */
export function verifyPasswordAsync(stored: string, password: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (parsed === undefined) return Promise.resolve(false);
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize('NFC'),
      parsed.salt,
      parsed.expected.length,
      parsed.options,
      (error, actual) => {
        if (error !== null) reject(error);
        else resolve(timingSafeEqual(actual, parsed.expected));
      },
    );
  });
}

/** A hash of a random password, spent on unknown user names so that they take as long as known ones. */
export const DUMMY_HASH = hashPassword(randomBytes(16).toString('hex'));

export function checkPasswordPolicy(password: string, userName: string): void {
  if (password.length < MIN_PASSWORD_LENGTH)
    throw badInput(`the password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.toLowerCase().includes(userName.toLowerCase()))
    throw badInput('the password must not contain the user name');
}
