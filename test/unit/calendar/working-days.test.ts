import { describe, expect, it } from 'vitest';
import { addWorkingDays, isWorkingDay } from '../../../src/calendar/calendar.ts';
import { at, demoCalendar, weeklyCalendar } from './calendars.ts';

const cal = demoCalendar();

describe('isWorkingDay (demo calendar, 2026)', () => {
  it.each([
    ['2026-11-24', true], // Tuesday
    ['2026-11-28', false], // Saturday, although the desk is open
    ['2026-11-29', false], // Sunday
    ['2026-02-14', true], // Saturday, 春节调休
    ['2026-09-20', true], // Sunday, 国庆节调休
    ['2026-02-16', false], // Monday, 春节
    ['2026-10-01', false], // Thursday, 国庆节
  ])('%s → %s', (date, working) => {
    expect(isWorkingDay(cal, date)).toBe(working);
  });
});

describe('addWorkingDays', () => {
  it('skips weekends and counts a make-up Sunday', () => {
    // Fri 09-18 → Sun 09-20 (调休) 1, Mon 2, Tue 3, Wed 4.
    expect(addWorkingDays(cal, at('2026-09-18T15:30'), 4)).toEqual(at('2026-09-23T15:30'));
  });

  it('jumps the Mid-Autumn and National Day holiday blocks', () => {
    // Thu 09-24 → Mon 09-28 1, Tue 2, Wed 3, (10-01…07 holidays), Thu 10-08 4.
    expect(addWorkingDays(cal, at('2026-09-24T10:00'), 4)).toEqual(at('2026-10-08T10:00'));
    // Mon 09-28 → 29, 30, 10-08, 10-09, Sat 10-10 (调休), Mon 10-12, Tue 10-13.
    expect(addWorkingDays(cal, at('2026-09-28T09:00'), 7)).toEqual(at('2026-10-13T09:00'));
  });

  it('counts the make-up Saturday before Spring Festival and keeps seconds', () => {
    // Thu 02-12 → Fri 02-13 1, Sat 02-14 (调休) 2, (02-15…23 春节), Tue 02-24 3, Wed 02-25 4.
    expect(addWorkingDays(cal, new Date('2026-02-12T16:45:30.250+08:00'), 4)).toEqual(new Date('2026-02-25T16:45:30.250+08:00'));
  });

  it('starts counting on the next day when the start is a holiday', () => {
    expect(addWorkingDays(cal, at('2026-10-03T11:00'), 1)).toEqual(at('2026-10-08T11:00'));
  });

  it('counts by local date, even late in the evening', () => {
    // 23:30 Friday in Shanghai is still Friday there, though already Friday 15:30 UTC.
    expect(addWorkingDays(cal, at('2026-11-27T23:30'), 1)).toEqual(at('2026-11-30T23:30'));
  });

  it('keeps the local time of day across a DST change', () => {
    const berlin = weeklyCalendar({}, 'Europe/Berlin');
    // Fri 10:00 CET (09:00Z) → Mon 10:00 CEST (08:00Z).
    expect(addWorkingDays(berlin, new Date('2026-03-27T09:00:00Z'), 1).toISOString()).toBe('2026-03-30T08:00:00.000Z');
  });

  it('returns the same instant for 0 days and refuses negative or fractional counts', () => {
    expect(addWorkingDays(cal, at('2026-10-03T11:00'), 0)).toEqual(at('2026-10-03T11:00'));
    expect(() => addWorkingDays(cal, at('2026-10-03T11:00'), -1)).toThrow(RangeError);
    expect(() => addWorkingDays(cal, at('2026-10-03T11:00'), 1.5)).toThrow(RangeError);
  });
});
