import { describe, expect, it } from 'vitest';
import { greetingFor } from '../../../src/calendar/calendar.ts';
import { at, demoCalendar } from './calendars.ts';

const cal = demoCalendar();

describe('greetingFor: periods (05:00 morning, 11:00 noon, 13:00 afternoon, 18:00 evening)', () => {
  it.each([
    ['2026-11-24T04:59', 'evening'],
    ['2026-11-24T05:00', 'morning'],
    ['2026-11-24T10:59', 'morning'],
    ['2026-11-24T11:00', 'noon'],
    ['2026-11-24T12:59', 'noon'],
    ['2026-11-24T13:00', 'afternoon'],
    ['2026-11-24T17:59', 'afternoon'],
    ['2026-11-24T18:00', 'evening'],
    ['2026-11-24T23:59', 'evening'],
    ['2026-11-25T00:00', 'evening'],
  ])('%s Shanghai is %s', (local, period) => {
    expect(greetingFor(cal, at(local))).toEqual({ period, special: null });
  });

  it('reads the period in the calendar zone, not UTC', () => {
    // 22:00 UTC on Monday is 06:00 Tuesday in Shanghai.
    expect(greetingFor(cal, new Date('2026-11-23T22:00:00Z')).period).toBe('morning');
  });

  it('follows configured period starts, in whatever order they are written', () => {
    const late = { ...cal, greetingPeriods: { evening: '19:30', morning: '06:30', afternoon: '14:00', noon: '11:30' } };
    expect(greetingFor(late, at('2026-11-24T06:29')).period).toBe('evening');
    expect(greetingFor(late, at('2026-11-24T11:29')).period).toBe('morning');
    expect(greetingFor(late, at('2026-11-24T13:59')).period).toBe('noon');
    expect(greetingFor(late, at('2026-11-24T19:29')).period).toBe('afternoon');
    expect(greetingFor(late, at('2026-11-24T19:30')).period).toBe('evening');
  });
});

describe('greetingFor: holiday and weekend variants', () => {
  it("uses the holiday's greeting key", () => {
    expect(greetingFor(cal, at('2026-10-01T09:00'))).toEqual({ period: 'morning', special: 'national-day' });
    expect(greetingFor(cal, at('2026-02-17T12:00'))).toEqual({ period: 'noon', special: 'new-year' });
    expect(greetingFor(cal, at('2026-09-25T19:00'))).toEqual({ period: 'evening', special: 'mid-autumn' });
    expect(greetingFor(cal, at('2026-05-01T15:00'))).toEqual({ period: 'afternoon', special: 'labour-day' });
  });

  it("says 'holiday' for a holiday without a greeting key", () => {
    expect(greetingFor(cal, at('2026-04-06T09:00')).special).toBe('holiday');
    expect(greetingFor(cal, at('2026-06-19T09:00')).special).toBe('holiday');
  });

  it('prefers the holiday over the weekend when a holiday falls on a Saturday', () => {
    expect(greetingFor(cal, at('2026-01-03T09:00')).special).toBe('new-year');
  });

  it("says 'weekend' on Saturdays and Sundays, whatever the opening hours", () => {
    expect(greetingFor(cal, at('2026-11-28T10:00'))).toEqual({ period: 'morning', special: 'weekend' });
    expect(greetingFor(cal, at('2026-11-29T10:00'))).toEqual({ period: 'morning', special: 'weekend' });
    // Past midnight it is the new day that counts.
    expect(greetingFor(cal, at('2026-11-29T02:00'))).toEqual({ period: 'evening', special: 'weekend' });
    expect(greetingFor(cal, at('2026-11-30T02:00'))).toEqual({ period: 'evening', special: null });
  });

  it('gives no special greeting on a make-up working day (调休)', () => {
    expect(greetingFor(cal, at('2026-02-14T09:00')).special).toBeNull();
    expect(greetingFor(cal, at('2026-09-20T09:00')).special).toBeNull();
  });
});
