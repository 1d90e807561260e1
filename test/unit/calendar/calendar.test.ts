import { describe, expect, it } from 'vitest';
import { dayKind, hoursOn, serviceState, type ManualOverride } from '../../../src/calendar/calendar.ts';
import { at, demoCalendar, everyDay, weeklyCalendar } from './calendars.ts';

const cal = demoCalendar();
const iso = (d: Date | null) => d?.toISOString() ?? null;

describe('hoursOn and dayKind (demo calendar, 2026)', () => {
  it('uses the weekday hours on ordinary days', () => {
    expect(hoursOn(cal, '2026-11-24')).toEqual([{ start: 480, end: 1200 }]);
    expect(hoursOn(cal, '2026-11-28')).toEqual([{ start: 540, end: 1020 }]);
    expect(hoursOn(cal, '2026-11-29')).toEqual([]);
    expect(dayKind(cal, '2026-11-24')).toBe('workday');
    expect(dayKind(cal, '2026-11-28')).toBe('weekend');
    expect(dayKind(cal, '2026-11-29')).toBe('weekend');
  });

  it('closes on public holidays, weekday or weekend', () => {
    expect(hoursOn(cal, '2026-10-01')).toEqual([]);
    expect(hoursOn(cal, '2026-01-03')).toEqual([]);
    expect(dayKind(cal, '2026-10-01')).toBe('holiday');
    expect(dayKind(cal, '2026-01-03')).toBe('holiday');
  });

  it("opens make-up working days (调休) with Monday's hours", () => {
    expect(dayKind(cal, '2026-02-14')).toBe('makeup-workday');
    expect(hoursOn(cal, '2026-02-14')).toEqual([{ start: 480, end: 1200 }]);
    expect(dayKind(cal, '2026-09-20')).toBe('makeup-workday');
    expect(hoursOn(cal, '2026-09-20')).toEqual([{ start: 480, end: 1200 }]);
  });

  it("uses a make-up day's own hours when it has them", () => {
    const custom = { ...cal, makeupWorkdays: [{ date: '2026-02-14', hours: ['09:00-12:00', '13:00-16:00'] }] };
    expect(hoursOn(custom, '2026-02-14')).toEqual([
      { start: 540, end: 720 },
      { start: 780, end: 960 },
    ]);
  });

  it('lets a holiday win over a make-up day on the same date', () => {
    const clash = { ...cal, makeupWorkdays: [{ date: '2026-10-01' }] };
    expect(dayKind(clash, '2026-10-01')).toBe('holiday');
    expect(hoursOn(clash, '2026-10-01')).toEqual([]);
  });

  it('sorts and joins overlapping intervals and drops inverted ones', () => {
    const messy = weeklyCalendar({ mon: ['13:00-17:00', '08:00-12:00', '11:30-13:00', '18:00-17:00'] });
    expect(hoursOn(messy, '2026-11-23')).toEqual([{ start: 480, end: 1020 }]);
  });
});

describe('serviceState: opening boundaries to the minute (Shanghai, UTC+8)', () => {
  // Tuesday 2026-11-24, open 08:00-20:00 local = 00:00-12:00 UTC.
  it.each([
    ['2026-11-23T23:59:00Z', false],
    ['2026-11-23T23:59:59.999Z', false],
    ['2026-11-24T00:00:00Z', true],
    ['2026-11-24T11:59:00Z', true],
    ['2026-11-24T11:59:59.999Z', true],
    ['2026-11-24T12:00:00Z', false],
  ])('%s open=%s', (instant, open) => {
    const state = serviceState(cal, new Date(instant));
    expect(state.open).toBe(open);
    expect(state.reason).toBe(open ? 'hours' : 'outside-hours');
    expect(state.dayKind).toBe('workday');
    expect(state.holiday).toBeUndefined();
  });

  it('is open on a Saturday from 09:00 to 17:00 only', () => {
    expect(serviceState(cal, new Date('2026-11-28T00:59:00Z')).open).toBe(false);
    expect(serviceState(cal, new Date('2026-11-28T01:00:00Z')).open).toBe(true);
    expect(serviceState(cal, new Date('2026-11-28T08:59:00Z')).open).toBe(true);
    expect(serviceState(cal, new Date('2026-11-28T09:00:00Z'))).toMatchObject({ open: false, dayKind: 'weekend' });
  });
});

describe('serviceState: nextChange', () => {
  it('closed late on a weekday: opens at 08:00 the next morning', () => {
    const s = serviceState(cal, at('2026-11-24T23:00'));
    expect(s).toMatchObject({ open: false, reason: 'outside-hours', dayKind: 'workday' });
    expect(iso(s.nextChange)).toBe('2026-11-25T00:00:00.000Z');
  });

  it('open on a weekday: closes at 20:00', () => {
    expect(iso(serviceState(cal, at('2026-11-24T08:00')).nextChange)).toBe('2026-11-24T12:00:00.000Z');
  });

  it('Friday evening: opens Saturday 09:00; Saturday evening: opens Monday 08:00', () => {
    expect(iso(serviceState(cal, at('2026-11-27T21:00')).nextChange)).toBe('2026-11-28T01:00:00.000Z');
    expect(iso(serviceState(cal, at('2026-11-28T17:00')).nextChange)).toBe('2026-11-30T00:00:00.000Z');
  });

  it('on a holiday: closed for the holiday, opens when the holiday block is over', () => {
    const s = serviceState(cal, at('2026-10-01T10:00'));
    expect(s).toEqual({
      open: false,
      reason: 'holiday',
      dayKind: 'holiday',
      holiday: { name: '国庆节', greeting: 'national-day' },
      nextChange: new Date('2026-10-08T00:00:00Z'),
    });
  });

  it('a holiday without a greeting key still names the holiday', () => {
    expect(serviceState(cal, at('2026-04-05T10:00')).holiday).toEqual({ name: '清明节' });
  });

  it('the evening before National Day: closes at 20:00, then stays closed a week', () => {
    expect(iso(serviceState(cal, at('2026-09-30T19:59')).nextChange)).toBe('2026-09-30T12:00:00.000Z');
    expect(iso(serviceState(cal, at('2026-09-30T20:00')).nextChange)).toBe('2026-10-08T00:00:00.000Z');
  });

  it('Spring Festival: the make-up Saturday opens at 08:00 and runs to 20:00, then the holiday block', () => {
    expect(iso(serviceState(cal, at('2026-02-13T20:00')).nextChange)).toBe('2026-02-14T00:00:00.000Z');
    const lateSaturday = serviceState(cal, at('2026-02-14T18:00'));
    expect(lateSaturday).toMatchObject({ open: true, reason: 'hours', dayKind: 'makeup-workday' });
    expect(iso(lateSaturday.nextChange)).toBe('2026-02-14T12:00:00.000Z');
    expect(iso(serviceState(cal, at('2026-02-14T20:00')).nextChange)).toBe('2026-02-24T00:00:00.000Z');
  });

  it('a make-up Sunday is open', () => {
    expect(serviceState(cal, at('2026-09-20T10:00'))).toMatchObject({ open: true, dayKind: 'makeup-workday' });
  });

  it('treats an interval ending 24:00 and one starting 00:00 the next day as one', () => {
    const overnight = weeklyCalendar({ mon: ['20:00-24:00'], tue: ['00:00-06:00', '09:00-17:00'] });
    expect(iso(serviceState(overnight, at('2026-11-23T21:00')).nextChange)).toBe(iso(at('2026-11-24T06:00')));
    expect(serviceState(overnight, at('2026-11-24T00:00')).open).toBe(true);
    expect(iso(serviceState(overnight, at('2026-11-24T06:00')).nextChange)).toBe(iso(at('2026-11-24T09:00')));
    expect(iso(serviceState(overnight, at('2026-11-23T19:00')).nextChange)).toBe(iso(at('2026-11-23T20:00')));
  });

  it('never changes when always open or never open', () => {
    expect(serviceState(everyDay(['00:00-24:00']), at('2026-11-24T03:00'))).toMatchObject({ open: true, nextChange: null });
    expect(serviceState(weeklyCalendar({}), at('2026-11-24T03:00'))).toMatchObject({ open: false, nextChange: null });
  });

  it('a 24-hour line still closes for its holidays', () => {
    const allHours = { ...cal, weekly: everyDay(['00:00-24:00']).weekly };
    const s = serviceState(allHours, at('2026-09-30T12:00'));
    expect(s.open).toBe(true);
    expect(iso(s.nextChange)).toBe(iso(at('2026-10-01T00:00')));
  });

  it('finds changes across a DST switch in Berlin', () => {
    const berlin = everyDay(['08:00-20:00'], 'Europe/Berlin');
    // Saturday 20:30 CET; Sunday 2026-03-29 08:00 is already CEST (UTC+2).
    expect(iso(serviceState(berlin, new Date('2026-03-28T19:30:00Z')).nextChange)).toBe('2026-03-29T06:00:00.000Z');
    expect(iso(serviceState(berlin, new Date('2026-03-29T06:00:00Z')).nextChange)).toBe('2026-03-29T18:00:00.000Z');
    expect(serviceState(berlin, new Date('2026-10-25T06:59:00Z')).open).toBe(false);
    expect(serviceState(berlin, new Date('2026-10-25T07:00:00Z')).open).toBe(true);
  });
});

describe('serviceState: manual override', () => {
  const night = (until: string): ManualOverride => ({ mode: 'night', until: at(until) });
  const day = (until: string): ManualOverride => ({ mode: 'day', until: at(until) });

  it('night mode closes an open line until it expires', () => {
    const s = serviceState(cal, at('2026-11-24T10:00'), night('2026-11-24T12:00'));
    expect(s).toMatchObject({ open: false, reason: 'override-night', dayKind: 'workday' });
    expect(iso(s.nextChange)).toBe(iso(at('2026-11-24T12:00')));
  });

  it('night mode expiring after hours: the next change is the next opening', () => {
    const s = serviceState(cal, at('2026-11-24T10:00'), night('2026-11-24T21:00'));
    expect(iso(s.nextChange)).toBe(iso(at('2026-11-25T08:00')));
  });

  it('day mode opens a closed line until it expires', () => {
    const s = serviceState(cal, at('2026-11-24T23:00'), day('2026-11-25T02:00'));
    expect(s).toMatchObject({ open: true, reason: 'override-day' });
    expect(iso(s.nextChange)).toBe(iso(at('2026-11-25T02:00')));
  });

  it('day mode expiring inside business hours: the next change is the closing', () => {
    const s = serviceState(cal, at('2026-11-24T23:00'), day('2026-11-25T09:00'));
    expect(iso(s.nextChange)).toBe(iso(at('2026-11-25T20:00')));
  });

  it('day mode on a holiday keeps reporting the holiday', () => {
    const s = serviceState(cal, at('2026-10-01T10:00'), day('2026-10-01T18:00'));
    expect(s).toMatchObject({ open: true, reason: 'override-day', dayKind: 'holiday', holiday: { name: '国庆节' } });
    expect(iso(s.nextChange)).toBe(iso(at('2026-10-01T18:00')));
  });

  it('is ignored from the instant it expires', () => {
    expect(serviceState(cal, at('2026-11-24T12:00'), night('2026-11-24T12:00'))).toMatchObject({ open: true, reason: 'hours' });
    expect(serviceState(cal, at('2026-11-24T12:01'), night('2026-11-24T12:00'))).toMatchObject({ open: true, reason: 'hours' });
    expect(serviceState(cal, at('2026-11-24T11:59'), night('2026-11-24T12:00'))).toMatchObject({ open: false, reason: 'override-night' });
  });

  it('null means no override', () => {
    expect(serviceState(cal, at('2026-11-24T10:00'), null).reason).toBe('hours');
  });
});
