import { addDays, toLocalParts, weekdayOf } from '../calendar/local-time.ts';
import type { CalendarConfig } from '../config/schema.ts';
import { InputError, NotFoundError } from '../errors/domain-error.ts';
import type { Logger } from '../logging/logger.ts';
import type { Clock } from '../time/clock.ts';
import type { CalendarDay, CalendarDaysRepository, ImportCounts, StoredDay, WriteResult } from './calendar-days-repository.ts';

type Holiday = CalendarConfig['holidays'][number];
type MakeupWorkday = CalendarConfig['makeupWorkdays'][number];

/** Name of a stored holiday entered without one (the configuration requires a name). */
export const UNNAMED_HOLIDAY = '节假日';
/** How far ahead the calendar must know the year's holidays (calendarAhead). */
export const AHEAD_DAYS = 60;
export const MAX_NAME_LENGTH = 100;

/**
 * The configured calendar with the database's days merged in: holidays and
 * make-up days are config ∪ database, and on a date the database has, the
 * database alone decides (its kind and name; a configured holiday or make-up
 * day on that date is dropped, so a date is never in both lists). Lists come
 * out sorted by date, in exactly the shape of CalendarConfig:
 *  - a holiday is { date, name, greeting? }: a stored holiday without a name
 *    is called UNNAMED_HOLIDAY; its greeting is that of the configured holiday
 *    on the same date, else of a configured holiday of the same name (元旦 in
 *    2027 greets as 元旦 in 2026), else none, so every greeting stays one the
 *    configuration (and so the flow) already knows;
 *  - a make-up day is { date, name? } (no name when stored without one) and
 *    has Monday's hours, as a configured one without `hours`.
 */
export function mergeCalendar(config: CalendarConfig, stored: readonly CalendarDay[]): CalendarConfig {
  const byDate = new Map(stored.map((d) => [d.date, d]));
  const greetingByName = new Map<string, string>();
  for (const h of config.holidays) if (h.greeting && !greetingByName.has(h.name)) greetingByName.set(h.name, h.greeting);

  const holidays: Holiday[] = config.holidays.filter((h) => !byDate.has(h.date));
  const makeupWorkdays: MakeupWorkday[] = config.makeupWorkdays.filter((m) => !byDate.has(m.date));
  for (const d of byDate.values()) {
    if (d.kind === 'holiday') {
      const name = d.name.trim() || UNNAMED_HOLIDAY;
      const greeting = config.holidays.find((h) => h.date === d.date)?.greeting ?? greetingByName.get(name);
      holidays.push(greeting ? { date: d.date, name, greeting } : { date: d.date, name });
    } else {
      const name = d.name.trim();
      makeupWorkdays.push(name ? { date: d.date, name } : { date: d.date });
    }
  }
  const byDay = (a: { date: string }, b: { date: string }) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0);
  return { ...config, holidays: holidays.sort(byDay), makeupWorkdays: makeupWorkdays.sort(byDay) };
}

/**
 * Years that a date from `today` to `days` days later falls in and that have
 * no holiday at all in the calendar: there the line would open on New Year's
 * Day as on any working day.
 */
export function missingHolidayYears(cal: CalendarConfig, today: string, days = AHEAD_DAYS): number[] {
  const years = new Set([Number(today.slice(0, 4)), Number(addDays(today, days).slice(0, 4))]);
  for (let y = Math.min(...years); y <= Math.max(...years); y++) years.add(y);
  const known = new Set(cal.holidays.map((h) => Number(h.date.slice(0, 4))));
  return [...years].filter((y) => !known.has(y)).sort((a, b) => a - b);
}

/** Why a day cannot be stored, or null: a real date, a make-up day on a Saturday or Sunday, a short name. */
export function dayProblem(day: CalendarDay): string | null {
  if (!isDate(day.date)) return `"${day.date}" is not a date (YYYY-MM-DD)`;
  const year = Number(day.date.slice(0, 4));
  if (year < 1900 || year > 2999) return `${day.date}: the year must be between 1900 and 2999`;
  if (day.kind !== 'holiday' && day.kind !== 'makeup-workday') return `${day.date}: kind must be "holiday" or "makeup-workday"`;
  if (day.name.length > MAX_NAME_LENGTH) return `${day.date}: the name is longer than ${MAX_NAME_LENGTH} characters`;
  if (day.kind === 'makeup-workday') {
    const weekday = weekdayOf(day.date);
    if (weekday !== 'sat' && weekday !== 'sun') return `${day.date}: a make-up working day must be a Saturday or Sunday, not a ${weekday}`;
  }
  return null;
}

/** A real local date 'YYYY-MM-DD' (not 2027-02-30). */
export function isDate(date: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(date) && addDays(date, 0) === date;
}

export interface CalendarStoreOptions {
  /** The configured calendar (config.calendar). */
  calendar: CalendarConfig;
  repository: CalendarDaysRepository;
  clock: Clock;
  log: Logger;
  /** Settles when the database may be read (the poll skips its turn while this rejects). */
  ready?: () => Promise<void>;
}

/**
 * The calendar routing reads: the configuration merged with the database's
 * days, held in memory (a call never waits on the database). Loaded at start,
 * again after every change made here and every minute (changes by another
 * instance); when the database cannot be read the last known days stay.
 */
export class CalendarStore {
  private merged: CalendarConfig;
  private days: StoredDay[] = [];
  private loaded = false;
  private started = 0;
  private applied = 0;
  private checkedOn: string | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: CalendarStoreOptions) {
    this.merged = freeze(mergeCalendar(o.calendar, []));
  }

  /** The calendar in force: config ∪ database, the database winning on a date. Do not modify it. */
  current(): CalendarConfig {
    return this.merged;
  }

  /** The days stored in the database, as last loaded. */
  storedDays(): readonly StoredDay[] {
    return this.days;
  }

  /** Whether the database's days have been read at least once. */
  get databaseRead(): boolean {
    return this.loaded;
  }

  /** Reads the database's days; throws when it cannot. A slower, older read never replaces a newer one. */
  async reload(): Promise<void> {
    const seq = ++this.started;
    const days = await this.o.repository.all();
    if (seq < this.applied) return;
    this.applied = seq;
    this.days = days;
    this.merged = freeze(mergeCalendar(this.o.calendar, days));
    this.loaded = true;
  }

  /** reload(), logging a failure instead of throwing (the last known days stay in force). */
  async refresh(): Promise<boolean> {
    try {
      await this.reload();
      return true;
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message }, 'could not read the calendar days; keeping the last known ones');
      return false;
    }
  }

  /** Enters or changes a day (400 when it cannot be one). */
  async put(input: CalendarDay, setBy: string): Promise<{ day: StoredDay; result: WriteResult }> {
    const day = this.valid(input);
    const at = this.o.clock.now();
    const result = await this.o.repository.put(day, setBy, at);
    await this.refresh();
    const stored = this.days.find((d) => d.date === day.date) ?? { ...day, setBy, setAt: at };
    this.o.log.info({ date: day.date, kind: day.kind, name: day.name, setBy, result }, 'calendar day set');
    return { day: stored, result };
  }

  /** Removes a stored day (404 when the database has none; a configured day cannot be removed here). */
  async remove(date: string, by: string): Promise<void> {
    if (!isDate(date)) throw new InputError(`"${date}" is not a date (YYYY-MM-DD)`);
    if (!(await this.o.repository.remove(date))) {
      const configured = this.o.calendar.holidays.some((h) => h.date === date) || this.o.calendar.makeupWorkdays.some((m) => m.date === date);
      throw new NotFoundError(
        configured
          ? `${date} is configured in the calendar of the configuration file, not stored: change it there (or PUT a day to override it)`
          : `no calendar day stored for ${date}`,
      );
    }
    await this.refresh();
    this.o.log.info({ date, by }, 'calendar day removed');
  }

  /** Enters many days at once, all or none (400 naming every day that cannot be one). */
  async importDays(input: readonly CalendarDay[], setBy: string): Promise<ImportCounts> {
    const problems = input.map((d) => dayProblem(d)).filter((p): p is string => p !== null);
    if (problems.length > 0) throw new InputError(`cannot import: ${problems.slice(0, 10).join('; ')}${problems.length > 10 ? ` (and ${problems.length - 10} more)` : ''}`);
    const days = input.map((d) => ({ ...d, name: d.name.trim() }));
    const counts = await this.o.repository.putAll(days, setBy, this.o.clock.now());
    await this.refresh();
    this.o.log.info({ days: days.length, ...counts, setBy }, 'calendar days imported');
    return counts;
  }

  /** Years within the next AHEAD_DAYS days (local dates) that have no holiday at all. */
  missingYears(): number[] {
    return missingHolidayYears(this.merged, toLocalParts(this.o.clock.now(), this.o.calendar.timezone).date);
  }

  /** Warns when a year ahead has no holidays; at most once per local day. */
  checkAhead(): void {
    const today = toLocalParts(this.o.clock.now(), this.o.calendar.timezone).date;
    if (this.checkedOn === today) return;
    this.checkedOn = today;
    const missingYears = this.missingYears();
    if (missingYears.length === 0) return;
    this.o.log.warn(
      { missingYears, aheadDays: AHEAD_DAYS, databaseRead: this.loaded },
      `no public holidays are known for ${missingYears.join(', ')}: the line would open on those holidays as on working days; ` +
        'enter them (PUT /api/calendar/days/:date or POST /api/calendar/import)',
    );
  }

  /** Reloads every `everyMs` (and checks the year ahead once a day). */
  startPolling(everyMs = 60_000): void {
    this.stop();
    this.timer = setInterval(() => void this.tick(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    let ready = true;
    await this.o.ready?.().catch(() => (ready = false));
    if (ready) await this.refresh();
    this.checkAhead();
  }

  private valid(input: CalendarDay): CalendarDay {
    const day = { ...input, name: input.name.trim() };
    const problem = dayProblem(day);
    if (problem) throw new InputError(problem);
    return day;
  }
}

function freeze(cal: CalendarConfig): CalendarConfig {
  Object.freeze(cal.holidays);
  Object.freeze(cal.makeupWorkdays);
  return Object.freeze(cal);
}
