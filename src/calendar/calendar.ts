import type { CalendarConfig } from '../config/schema.ts';
import { normaliseIntervals, type OpeningInterval } from './intervals.ts';
import { addDays, fromLocalMinutes, parseHhmm, toLocalParts, weekdayOf } from './local-time.ts';

/**
 * Service hours from the calendar: whether the service desk is staffed at an
 * instant, what greeting fits it, and which days count as working days. Pure
 * functions of (calendar, instant, override); the caller supplies the clock.
 */

/** What kind of day a local date is; 'makeup-workday' is 调休, a weekend day worked. */
export type DayKind = 'workday' | 'weekend' | 'holiday' | 'makeup-workday';

/** A supervisor's switch to day or night mode, in force until `until` (exclusive). */
export interface ManualOverride {
  mode: 'day' | 'night';
  /** The override is ignored from this instant on. */
  until: Date;
}

export interface ServiceState {
  /** The service desk is staffed: business-hours flow, not the after-hours message. */
  open: boolean;
  reason: 'hours' | 'outside-hours' | 'holiday' | 'override-day' | 'override-night';
  /** Kind of the local day at the instant asked about, whatever the override says. */
  dayKind: DayKind;
  /** Set when the local day is a public holiday. */
  holiday?: { name: string; greeting?: string };
  /** The next instant at which `open` flips, or null if it does not within about 400 days. */
  nextChange: Date | null;
}

export type GreetingPeriod = 'morning' | 'noon' | 'afternoon' | 'evening';

export interface Greeting {
  period: GreetingPeriod;
  /** The holiday's greeting key, 'holiday' for a holiday without one, 'weekend', or null. */
  special: null | 'weekend' | 'holiday' | string;
}

/** How far serviceState looks for the next change; longer than any holiday block or year. */
const HORIZON_DAYS = 400;

function holidayOn(cal: CalendarConfig, date: string) {
  return cal.holidays.find((h) => h.date === date);
}

function makeupOn(cal: CalendarConfig, date: string) {
  return cal.makeupWorkdays.find((m) => m.date === date);
}

/** Kind of a local date ('YYYY-MM-DD'); a holiday wins over a make-up day on the same date. */
export function dayKind(cal: CalendarConfig, date: string): DayKind {
  if (holidayOn(cal, date)) return 'holiday';
  if (makeupOn(cal, date)) return 'makeup-workday';
  const weekday = weekdayOf(date);
  return weekday === 'sat' || weekday === 'sun' ? 'weekend' : 'workday';
}

/**
 * The opening intervals of a local date, sorted and joined: none on a holiday;
 * a make-up working day's own hours, or else Monday's; otherwise the weekday's.
 */
export function hoursOn(cal: CalendarConfig, date: string): OpeningInterval[] {
  if (holidayOn(cal, date)) return [];
  const makeup = makeupOn(cal, date);
  return normaliseIntervals(makeup ? (makeup.hours ?? cal.weekly.mon) : cal.weekly[weekdayOf(date)]);
}

/**
 * Open spans as UTC milliseconds from local date `first` on, for `days` days,
 * joined across midnight so that 24:00 followed by 00:00 is one span.
 */
function* openSpans(cal: CalendarConfig, first: string, days: number): Generator<[number, number]> {
  let current: [number, number] | null = null;
  for (let i = 0; i < days; i++) {
    const date = addDays(first, i);
    for (const iv of hoursOn(cal, date)) {
      const start = fromLocalMinutes(date, iv.start, cal.timezone).getTime();
      const end = fromLocalMinutes(date, iv.end, cal.timezone).getTime();
      // A DST gap can swallow a short interval whole.
      if (end <= start) continue;
      if (current && start <= current[1]) {
        current[1] = Math.max(current[1], end);
        continue;
      }
      if (current) yield current;
      current = [start, end];
    }
  }
  if (current) yield current;
}

/** Whether the calendar alone has the desk open at `at`, and when that next flips. */
function calendarState(cal: CalendarConfig, at: Date): { open: boolean; next: Date | null } {
  const t = at.getTime();
  // From the day before: yesterday's interval may end at today's 00:00 and join today's.
  const first = addDays(toLocalParts(at, cal.timezone).date, -1);
  const horizonEnd = fromLocalMinutes(addDays(first, HORIZON_DAYS), 0, cal.timezone).getTime();
  for (const [start, end] of openSpans(cal, first, HORIZON_DAYS)) {
    if (end <= t) continue;
    if (start > t) return { open: false, next: new Date(start) };
    // A span reaching the horizon may run on beyond it: we cannot say when it ends.
    return { open: true, next: end >= horizonEnd ? null : new Date(end) };
  }
  return { open: false, next: null };
}

/**
 * Whether the service desk is open at `now`, why, and when that next changes.
 * An override whose `until` is at or before `now` is ignored; while one is in
 * force, `nextChange` is its expiry if the calendar then disagrees with it.
 */
export function serviceState(cal: CalendarConfig, now: Date, override?: ManualOverride | null): ServiceState {
  const date = toLocalParts(now, cal.timezone).date;
  const kind = dayKind(cal, date);
  const holiday = holidayOn(cal, date);
  const day: Pick<ServiceState, 'dayKind' | 'holiday'> = { dayKind: kind };
  if (holiday) day.holiday = holiday.greeting ? { name: holiday.name, greeting: holiday.greeting } : { name: holiday.name };

  if (override && override.until.getTime() > now.getTime()) {
    const open = override.mode === 'day';
    const after = calendarState(cal, override.until);
    return {
      open,
      reason: open ? 'override-day' : 'override-night',
      ...day,
      nextChange: after.open !== open ? new Date(override.until) : after.next,
    };
  }
  const { open, next } = calendarState(cal, now);
  return { open, reason: open ? 'hours' : kind === 'holiday' ? 'holiday' : 'outside-hours', ...day, nextChange: next };
}

const PERIODS: readonly GreetingPeriod[] = ['morning', 'noon', 'afternoon', 'evening'];

/**
 * The greeting for a call at `now` (SCR-11…14): the period whose start is the
 * latest one at or before the local time, wrapping past midnight (so evening
 * runs until morning), and a holiday or weekend variant.
 */
export function greetingFor(cal: CalendarConfig, now: Date): Greeting {
  const local = toLocalParts(now, cal.timezone);
  const starts = PERIODS.map((period) => ({ period, start: parseHhmm(cal.greetingPeriods[period]) })).sort(
    (a, b) => a.start - b.start,
  );
  const current = starts.filter((s) => s.start <= local.minutes).at(-1) ?? starts.at(-1)!;
  const kind = dayKind(cal, local.date);
  let special: Greeting['special'] = null;
  if (kind === 'holiday') special = holidayOn(cal, local.date)?.greeting ?? 'holiday';
  else if (kind === 'weekend') special = 'weekend';
  return { period: current.period, special };
}

/** A working day: a weekday that is not a holiday, or a make-up working day (调休). */
export function isWorkingDay(cal: CalendarConfig, date: string): boolean {
  const kind = dayKind(cal, date);
  return kind === 'workday' || kind === 'makeup-workday';
}

/**
 * The instant `days` working days after `from`, at the same local time of day
 * (for deadlines such as "4 working days", CMP-04/05). Days are counted from
 * the day after `from`'s local date, whether or not that date is itself a
 * working day; 0 returns `from`.
 */
export function addWorkingDays(cal: CalendarConfig, from: Date, days: number): Date {
  if (!Number.isInteger(days) || days < 0) throw new RangeError(`working days must be a whole number ≥ 0, got ${days}`);
  if (days === 0) return new Date(from);
  const local = toLocalParts(from, cal.timezone);
  let date = local.date;
  for (let counted = 0; counted < days; ) {
    date = addDays(date, 1);
    if (isWorkingDay(cal, date)) counted++;
  }
  // Offsets are whole minutes, so the seconds and milliseconds carry over as they are.
  const subMinute = ((from.getTime() % 60_000) + 60_000) % 60_000;
  return new Date(fromLocalMinutes(date, local.minutes, cal.timezone).getTime() + subMinute);
}
