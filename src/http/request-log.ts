import type { FastifyRequest } from 'fastify';
import { maskNumber } from '../logging/mask.ts';

/**
 * What a request log line says about the request: method, URL and client
 * address, never headers (Authorization) or bodies (passwords). The URL is
 * cleaned too: query values under secret-looking names are replaced, and
 * anything shaped like a phone number (in a path segment or a query value)
 * is masked to its last 4 digits, so a route such as ?phone=… cannot leak one.
 */
export function requestLogFields(req: FastifyRequest): Record<string, unknown> {
  return { method: req.method, url: cleanUrl(req.url), remoteAddress: req.ip };
}

const SECRET_KEY = /token|password|passwd|secret|key|auth|session/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function cleanUrl(url: string): string {
  const q = url.indexOf('?');
  const path = (q < 0 ? url : url.slice(0, q)).split('/').map((segment) => maskIfNumber(segment)).join('/');
  if (q < 0) return path;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      const key = pair.slice(0, eq);
      return `${key}=${SECRET_KEY.test(safeDecode(key)) ? '[redacted]' : maskIfNumber(pair.slice(eq + 1))}`;
    })
    .join('&');
  return `${path}?${query}`;
}

function maskIfNumber(raw: string): string {
  const value = safeDecode(raw.replace(/\+/g, ' '));
  if (UUID.test(value) || DATE.test(value) || !/^[+\d\s().-]+$/.test(value)) return raw;
  return value.replace(/\D/g, '').length >= 7 ? maskNumber(value) : raw;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
