import { Value } from '@sinclair/typebox/value';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { calendarProblems } from '../../../src/calendar/calendar-check.ts';
import { dayKind, hoursOn, serviceState } from '../../../src/calendar/calendar.ts';
import type { CalendarDay, CalendarDaysRepository, StoredDay } from '../../../src/calendar-days/calendar-days-repository.ts';
import { CalendarStore, dayProblem, mergeCalendar, missingHolidayYears, UNNAMED_HOLIDAY } from '../../../src/calendar-days/calendar-store.ts';
import { loadConfig } from '../../../src/config/load-config.ts';
import { CalendarSchema, type CalendarConfig } from '../../../src/config/schema.ts';
import type { Logger } from '../../../src/logging/logger.ts';

const CONFIGURED = loadConfig({}).calendar;
const configured = (): CalendarConfig => structuredClone(CONFIGURED);

describe('mergeCalendar', () => {
  it('adds the stored days in exactly the shape of CalendarConfig, sorted, the greeting inherited by name', () => {
    const config = configured();
    const before = structuredClone(config);
    const merged = mergeCalendar(config, [
      { date: '2027-01-02', kind: 'holiday', name: '元旦' },
      { date: '2027-01-01', kind: 'holiday', name: '元旦' },
      { date: '2027-02-20', kind: 'makeup-workday', name: '春节调休' },
      { date: '2027-05-03', kind: 'holiday', name: '' },
      { date: '2027-02-21', kind: 'makeup-workday', name: '  ' },
    ]);
    expect(config).toEqual(before); // the configuration is not touched
    expect([...Value.Errors(CalendarSchema, merged)]).toEqual([]);
    expect(calendarProblems(merged)).toEqual([]);
    expect(merged.holidays.slice(-3)).toEqual([
      { date: '2027-01-01', name: '元旦', greeting: 'new-year' },
      { date: '2027-01-02', name: '元旦', greeting: 'new-year' },
      { date: '2027-05-03', name: UNNAMED_HOLIDAY },
    ]);
    expect(merged.makeupWorkdays.slice(-2)).toEqual([{ date: '2027-02-20', name: '春节调休' }, { date: '2027-02-21' }]);
    // No key is present with an undefined value.
    expect(Object.keys(merged.makeupWorkdays.at(-1)!)).toEqual(['date']);
    expect(Object.keys(merged.holidays.at(-1)!)).toEqual(['date', 'name']);
    const dates = merged.holidays.map((h) => h.date);
    expect(dates).toEqual([...dates].sort());
    expect(merged.holidays).toHaveLength(config.holidays.length + 3);
    expect(merged.weekly).toEqual(config.weekly);
    expect(merged.timezone).toBe(config.timezone);

    expect(dayKind(config, '2027-01-01')).toBe('workday'); // the problem this feature solves
    expect(dayKind(merged, '2027-01-01')).toBe('holiday');
    expect(hoursOn(merged, '2027-01-01')).toEqual([]);
    expect(serviceState(merged, new Date('2027-01-01T10:00:00+08:00')).holiday).toEqual({ name: '元旦', greeting: 'new-year' });
    expect(dayKind(merged, '2027-02-20')).toBe('makeup-workday');
    expect(hoursOn(merged, '2027-02-20')).toEqual(hoursOn(merged, '2027-01-04')); // Monday's hours
  });

  it('lets the database decide a date the configuration also has, in either list', () => {
    const config = configured();
    expect(dayKind(config, '2026-10-10')).toBe('makeup-workday');
    expect(dayKind(config, '2026-10-03')).toBe('holiday');
    const merged = mergeCalendar(config, [
      { date: '2026-10-10', kind: 'holiday', name: '国庆节' },
      { date: '2026-10-03', kind: 'makeup-workday', name: '改为上班' },
      { date: '2026-05-01', kind: 'holiday', name: '五一' },
    ]);
    expect(dayKind(merged, '2026-10-10')).toBe('holiday');
    expect(dayKind(merged, '2026-10-03')).toBe('makeup-workday');
    expect(merged.makeupWorkdays.filter((m) => m.date === '2026-10-10')).toEqual([]);
    expect(merged.holidays.filter((h) => h.date === '2026-10-03')).toEqual([]);
    // The stored name wins; the greeting of the configured holiday on that date stays.
    expect(merged.holidays.filter((h) => h.date === '2026-05-01')).toEqual([{ date: '2026-05-01', name: '五一', greeting: 'labour-day' }]);
    expect(calendarProblems(merged)).toEqual([]);
  });

  it('without stored days is the configuration itself', () => {
    const config = configured();
    expect(mergeCalendar(config, [])).toEqual(config);
  });
});

describe('missingHolidayYears', () => {
  const config = configured();
  it('finds a year that begins within 60 days and has no holiday', () => {
    expect(missingHolidayYears(config, '2026-11-01')).toEqual([]);
    expect(missingHolidayYears(config, '2026-11-02')).toEqual([2027]);
    expect(missingHolidayYears(config, '2026-12-01')).toEqual([2027]);
    expect(missingHolidayYears(config, '2025-12-31')).toEqual([2025]);
    expect(missingHolidayYears(mergeCalendar(config, [{ date: '2027-01-01', kind: 'holiday', name: '元旦' }]), '2026-12-01')).toEqual([]);
    // A make-up day alone does not make the year known.
    expect(missingHolidayYears(mergeCalendar(config, [{ date: '2027-01-09', kind: 'makeup-workday', name: '' }]), '2026-12-01')).toEqual([2027]);
  });
});

describe('dayProblem', () => {
  it.each<[CalendarDay, RegExp | null]>([
    [{ date: '2027-01-01', kind: 'holiday', name: '元旦' }, null],
    [{ date: '2027-01-09', kind: 'makeup-workday', name: '' }, null],
    [{ date: '2027-02-30', kind: 'holiday', name: '' }, /is not a date/],
    [{ date: '27-1-1', kind: 'holiday', name: '' }, /is not a date/],
    [{ date: '2027-01-08', kind: 'makeup-workday', name: '' }, /must be a Saturday or Sunday, not a fri/],
    [{ date: '2027-01-01', kind: 'workday' as never, name: '' }, /kind must be/],
    [{ date: '2027-01-01', kind: 'holiday', name: 'x'.repeat(101) }, /longer than 100/],
  ])('%j', (day, problem) => {
    const found = dayProblem(day);
    if (problem) expect(found).toMatch(problem);
    else expect(found).toBeNull();
  });
});

describe('CalendarStore', () => {
  afterEach(() => vi.useRealTimers());

  function fakeLog() {
    const warnings: Array<[unknown, string]> = [];
    const log = { warn: (o: unknown, m: string) => warnings.push([o, m]), info: () => {} } as unknown as Logger;
    return { log, warnings };
  }

  function storeWith(rows: () => Promise<StoredDay[]>, now: () => Date) {
    const { log, warnings } = fakeLog();
    const repository = { all: rows } as unknown as CalendarDaysRepository;
    const store = new CalendarStore({ calendar: configured(), repository, clock: { now }, log });
    return { store, warnings };
  }

  const row = (date: string, kind: StoredDay['kind'], name: string): StoredDay => ({ date, kind, name, setBy: 'sam', setAt: new Date('2026-12-01T00:00:00Z') });

  it('serves the configuration until loaded, then the merge; keeps the last days when the database is away', async () => {
    let rows: StoredDay[] | Error = [row('2027-01-01', 'holiday', '元旦')];
    const { store, warnings } = storeWith(async () => { if (rows instanceof Error) throw rows; return rows; }, () => new Date('2026-12-01T10:00:00+08:00'));
    expect(dayKind(store.current(), '2027-01-01')).toBe('workday');
    expect(store.missingYears()).toEqual([2027]);
    await store.reload();
    expect(dayKind(store.current(), '2027-01-01')).toBe('holiday');
    expect(store.missingYears()).toEqual([]);
    rows = new Error('connection refused');
    expect(await store.refresh()).toBe(false);
    expect(dayKind(store.current(), '2027-01-01')).toBe('holiday');
    expect(warnings.map(([, m]) => m)).toEqual(['could not read the calendar days; keeping the last known ones']);
    expect(Object.isFrozen(store.current().holidays)).toBe(true);
  });

  it('never lets an older, slower read replace a newer one', async () => {
    const pending: Array<(rows: StoredDay[]) => void> = [];
    const { store } = storeWith(() => new Promise((resolve) => pending.push(resolve)), () => new Date('2026-12-01T10:00:00+08:00'));
    const first = store.reload();
    const second = store.reload();
    pending[1]!([row('2027-01-01', 'holiday', '元旦')]);
    await second;
    pending[0]!([]);
    await first;
    expect(store.storedDays().map((d) => d.date)).toEqual(['2027-01-01']);
  });

  it('warns once a day while a year ahead has no holidays', () => {
    let now = new Date('2026-12-01T10:00:00+08:00');
    const { store, warnings } = storeWith(async () => [], () => now);
    store.checkAhead();
    store.checkAhead();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]![0]).toMatchObject({ missingYears: [2027], aheadDays: 60, databaseRead: false });
    expect(warnings[0]![1]).toMatch(/no public holidays are known for 2027/);
    now = new Date('2026-12-01T23:59:00+08:00');
    store.checkAhead();
    expect(warnings).toHaveLength(1);
    now = new Date('2026-12-02T00:01:00+08:00'); // the next local day (still 1 December in UTC)
    store.checkAhead();
    expect(warnings).toHaveLength(2);
  });

  it('says nothing when the year ahead is known', () => {
    const { store, warnings } = storeWith(async () => [], () => new Date('2026-10-01T10:00:00+08:00'));
    store.checkAhead();
    expect(warnings).toEqual([]);
  });

  it('reloads every minute and checks the year ahead on the way', async () => {
    vi.useFakeTimers();
    let reads = 0;
    const { store, warnings } = storeWith(async () => { reads++; return []; }, () => new Date('2026-12-01T10:00:00+08:00'));
    store.startPolling(60_000);
    await vi.advanceTimersByTimeAsync(59_000);
    expect(reads).toBe(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(reads).toBe(1);
    expect(warnings).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(reads).toBe(3);
    expect(warnings).toHaveLength(1);
    store.stop();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(reads).toBe(3);
  });
});
