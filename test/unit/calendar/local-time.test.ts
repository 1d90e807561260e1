import { describe, expect, it } from 'vitest';
import {
  addDays,
  fromLocalMinutes,
  fromLocalTime,
  parseHhmm,
  toLocalParts,
  weekdayOf,
} from '../../../src/calendar/local-time.ts';

const SHANGHAI = 'Asia/Shanghai';
const BERLIN = 'Europe/Berlin';

describe('toLocalParts', () => {
  it('gives the Shanghai date, weekday and minutes of a UTC instant', () => {
    expect(toLocalParts(new Date('2026-11-24T15:00:00Z'), SHANGHAI)).toEqual({
      date: '2026-11-24',
      weekday: 'tue',
      minutes: 23 * 60,
    });
  });

  it('moves to the next local day at local midnight, not UTC midnight', () => {
    expect(toLocalParts(new Date('2026-11-24T15:59:59Z'), SHANGHAI)).toEqual({ date: '2026-11-24', weekday: 'tue', minutes: 1439 });
    expect(toLocalParts(new Date('2026-11-24T16:00:00Z'), SHANGHAI)).toEqual({ date: '2026-11-25', weekday: 'wed', minutes: 0 });
  });

  it('follows Berlin across the spring-forward gap (02:00 CET → 03:00 CEST on 2026-03-29)', () => {
    expect(toLocalParts(new Date('2026-03-29T00:59:00Z'), BERLIN)).toEqual({ date: '2026-03-29', weekday: 'sun', minutes: 1 * 60 + 59 });
    expect(toLocalParts(new Date('2026-03-29T01:00:00Z'), BERLIN)).toEqual({ date: '2026-03-29', weekday: 'sun', minutes: 3 * 60 });
  });

  it('shows the repeated Berlin hour twice on 2026-10-25', () => {
    expect(toLocalParts(new Date('2026-10-25T00:30:00Z'), BERLIN).minutes).toBe(2 * 60 + 30);
    expect(toLocalParts(new Date('2026-10-25T01:30:00Z'), BERLIN).minutes).toBe(2 * 60 + 30);
    expect(toLocalParts(new Date('2026-10-25T02:30:00Z'), BERLIN).minutes).toBe(3 * 60 + 30);
  });

  it('handles zones west of UTC and with odd offsets', () => {
    expect(toLocalParts(new Date('2026-01-01T03:00:00Z'), 'America/New_York')).toEqual({ date: '2025-12-31', weekday: 'wed', minutes: 22 * 60 });
    expect(toLocalParts(new Date('2026-01-01T00:00:00Z'), 'Asia/Kathmandu').minutes).toBe(5 * 60 + 45);
  });
});

describe('fromLocalTime', () => {
  it('turns a Shanghai wall time into the UTC instant', () => {
    expect(fromLocalTime('2026-11-24', '08:00', SHANGHAI).toISOString()).toBe('2026-11-24T00:00:00.000Z');
    expect(fromLocalTime('2026-11-24', '07:59', SHANGHAI).toISOString()).toBe('2026-11-23T23:59:00.000Z');
  });

  it("reads '24:00' as the next local midnight", () => {
    expect(fromLocalTime('2026-11-24', '24:00', SHANGHAI).toISOString()).toBe('2026-11-24T16:00:00.000Z');
    expect(fromLocalTime('2026-12-31', '24:00', SHANGHAI).toISOString()).toBe(fromLocalTime('2027-01-01', '00:00', SHANGHAI).toISOString());
  });

  it('uses the Berlin offset in force on the day (CET in winter, CEST in summer)', () => {
    expect(fromLocalTime('2026-01-15', '12:00', BERLIN).toISOString()).toBe('2026-01-15T11:00:00.000Z');
    expect(fromLocalTime('2026-07-01', '12:00', BERLIN).toISOString()).toBe('2026-07-01T10:00:00.000Z');
    expect(fromLocalTime('2026-03-29', '01:59', BERLIN).toISOString()).toBe('2026-03-29T00:59:00.000Z');
    expect(fromLocalTime('2026-03-29', '03:00', BERLIN).toISOString()).toBe('2026-03-29T01:00:00.000Z');
  });

  it('moves a wall time inside the spring-forward gap forward by the gap', () => {
    // 02:30 does not exist on 2026-03-29; an hour later it is 03:30 CEST.
    expect(fromLocalTime('2026-03-29', '02:30', BERLIN).toISOString()).toBe('2026-03-29T01:30:00.000Z');
  });

  it('takes the earlier of the two instants of a repeated autumn wall time', () => {
    expect(fromLocalTime('2026-10-25', '02:30', BERLIN).toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(fromLocalTime('2026-10-25', '03:00', BERLIN).toISOString()).toBe('2026-10-25T02:00:00.000Z');
  });

  it('round-trips every quarter hour of both Berlin DST days, except the repeated hour', () => {
    for (const day of ['2026-03-29T00:00:00Z', '2026-10-25T00:00:00Z']) {
      for (let i = -8; i < 4 * 30; i++) {
        const instant = new Date(Date.parse(day) + i * 15 * 60_000);
        const local = toLocalParts(instant, BERLIN);
        const back = fromLocalMinutes(local.date, local.minutes, BERLIN);
        const secondPass = instant.toISOString() >= '2026-10-25T01:00' && instant.toISOString() < '2026-10-25T02:00';
        expect(back.getTime()).toBe(secondPass ? instant.getTime() - 3_600_000 : instant.getTime());
      }
    }
  });
});

describe('local date arithmetic', () => {
  it('adds days across month, year and leap-day boundaries', () => {
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
    expect(addDays('2026-10-01', 400)).toBe('2027-11-05');
  });

  it('is not disturbed by DST days', () => {
    expect(addDays('2026-03-28', 1)).toBe('2026-03-29');
    expect(addDays('2026-03-29', 1)).toBe('2026-03-30');
    expect(addDays('2026-10-25', -1)).toBe('2026-10-24');
  });

  it('knows the weekday of a local date', () => {
    expect(weekdayOf('2026-02-14')).toBe('sat');
    expect(weekdayOf('2026-09-20')).toBe('sun');
    expect(weekdayOf('2026-10-01')).toBe('thu');
    expect(weekdayOf('2026-11-23')).toBe('mon');
  });

  it('rejects malformed dates and times', () => {
    expect(() => addDays('2026-2-14', 1)).toThrow(RangeError);
    expect(parseHhmm('24:00')).toBe(1440);
    expect(parseHhmm('08:30')).toBe(510);
    expect(() => parseHhmm('24:30')).toThrow(RangeError);
    expect(() => parseHhmm('8:00')).toThrow(RangeError);
  });
});
