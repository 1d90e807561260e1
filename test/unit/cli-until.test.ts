import { describe, expect, it } from 'vitest';
import { untilFrom } from '../../src/cli/until.ts';

describe('untilFrom (npm run hotline -- night/day)', () => {
  const now = new Date('2026-11-24T15:00:00Z');
  it('takes an ISO time with offset', () => {
    expect(untilFrom('2026-11-25T08:00:00+08:00', undefined, now)?.toISOString()).toBe('2026-11-25T00:00:00.000Z');
  });
  it('takes a duration in minutes, hours or days', () => {
    expect(untilFrom(undefined, '90m', now)?.toISOString()).toBe('2026-11-24T16:30:00.000Z');
    expect(untilFrom(undefined, '2h', now)?.toISOString()).toBe('2026-11-24T17:00:00.000Z');
    expect(untilFrom(undefined, '1d', now)?.toISOString()).toBe('2026-11-25T15:00:00.000Z');
  });
  it('rejects what it cannot read, and returns null when neither is given', () => {
    expect(() => untilFrom('tomorrow', undefined, now)).toThrow(/not a time/);
    expect(() => untilFrom(undefined, '2 weeks', now)).toThrow(/not a duration/);
    expect(untilFrom(undefined, undefined, now)).toBeNull();
  });
});
