import { createHash } from 'node:crypto';

/** Fixed namespace of the project's name-based ids. */
const NAMESPACE = Buffer.from('6f1c2b4e8a7d4c3f9e0b5a1d2c3e4f50', 'hex');

/**
 * A name-based UUID (version 5): the same name always gives the same id, so
 * something written under it twice (an imported call, a month's report
 * notification) is written once.
 */
export function nameUuid(name: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(name).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
