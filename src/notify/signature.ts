import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signing of the ticket webhook, so that a receiver can tell a notification
 * from this hotline from a forged one and reject a replayed old request.
 *
 * The signature covers the timestamp and the exact bytes of the body:
 *
 *   x-hotline-timestamp: 1795500000
 *   x-hotline-signature: sha256=<hex HMAC-SHA256(secret, "1795500000" + "." + rawBody)>
 *
 * A receiver verifies it like this (Node; other languages alike):
 *
 *   1. Read the body as raw bytes, before any JSON parsing (a re-serialised
 *      body differs from what was signed).
 *   2. Compute HMAC-SHA256 with the shared secret over `${timestamp}.${rawBody}`
 *      and compare its hex form with the part after "sha256=" in constant
 *      time (crypto.timingSafeEqual), e.g. with verifyWebhookSignature below.
 *   3. Reject timestamps more than a few minutes from its own clock (replay).
 *   4. Deduplicate on x-hotline-delivery: a delivery is retried until it gets a
 *      2xx, so the same delivery can arrive more than once (each attempt is
 *      signed anew with its own timestamp).
 */

export const SIGNATURE_PREFIX = 'sha256=';

/** The x-hotline-signature header value for a body sent at `timestamp` (unix seconds). */
export function signWebhook(secret: string, timestamp: number | string, rawBody: string | Buffer): string {
  return SIGNATURE_PREFIX + hmacHex(secret, String(timestamp), rawBody);
}

export interface VerifyOptions {
  /** Largest accepted distance between the timestamp and now; default 300 s. Infinity turns the check off. */
  toleranceSeconds?: number;
  /** Now in unix seconds (tests). */
  now?: number;
}

/**
 * True when `header` is a valid signature of rawBody at `timestamp` with
 * `secret`, and the timestamp is within the tolerance of now. The comparison
 * runs in constant time, so response timing tells an attacker nothing about
 * how close a guess was.
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: number | string | undefined,
  rawBody: string | Buffer,
  header: string | undefined,
  options: VerifyOptions = {},
): boolean {
  if (!secret || timestamp === undefined || header === undefined) return false;
  const ts = String(timestamp).trim();
  if (!/^\d{1,12}$/.test(ts)) return false;
  const tolerance = options.toleranceSeconds ?? 300;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(ts)) > tolerance) return false;

  const value = header.trim();
  if (!value.startsWith(SIGNATURE_PREFIX)) return false;
  const given = Buffer.from(value.slice(SIGNATURE_PREFIX.length), 'utf8');
  const expected = Buffer.from(hmacHex(secret, ts, rawBody), 'utf8');
  // timingSafeEqual needs equal lengths; the length of a hex SHA-256 is public anyway.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function hmacHex(secret: string, timestamp: string, rawBody: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}
