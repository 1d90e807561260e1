import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClock, systemClock } from '../../../src/time/clock.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('createClock', () => {
  it('starts at HOTLINE_NOW and then runs on in real time', () => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    const clock = createClock('2026-11-24T23:00:00+08:00');
    expect(clock.now().toISOString()).toBe('2026-11-24T15:00:00.000Z');
    vi.advanceTimersByTime(90_000);
    expect(clock.now().toISOString()).toBe('2026-11-24T15:01:30.000Z');
  });

  it('tells the caller once that the start instant is in use', () => {
    const onOverride = vi.fn();
    const clock = createClock('2026-11-24T23:00:00+08:00', onOverride);
    clock.now();
    clock.now();
    expect(onOverride).toHaveBeenCalledTimes(1);
    expect(onOverride).toHaveBeenCalledWith('2026-11-24T23:00:00+08:00');
  });

  it('is the system clock without a start instant', () => {
    const onOverride = vi.fn();
    expect(createClock(undefined, onOverride)).toBe(systemClock);
    expect(createClock('', onOverride)).toBe(systemClock);
    expect(onOverride).not.toHaveBeenCalled();
    vi.useFakeTimers({ now: new Date('2026-05-01T08:00:00Z') });
    expect(systemClock.now().toISOString()).toBe('2026-05-01T08:00:00.000Z');
  });

  it('refuses a start that is not a date-time', () => {
    expect(() => createClock('tomorrow at eight')).toThrow(RangeError);
  });
});
