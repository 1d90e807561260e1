import { createHash, randomBytes } from 'node:crypto';

/**
 * Bearer tokens of staff: "hlt_" and 32 random bytes in base64url. The prefix
 * makes a leaked token recognisable (secret scanners, log reviews); the
 * database keeps only its SHA-256, which is enough for a lookup because the
 * token itself carries 256 random bits (no salt or slow hash needed).
 */
export const TOKEN_PREFIX = 'hlt_';

export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A cheap shape check before touching the database. */
export function looksLikeStaffToken(token: string): boolean {
  return token.startsWith(TOKEN_PREFIX) && /^[A-Za-z0-9_-]{43}$/.test(token.slice(TOKEN_PREFIX.length));
}
