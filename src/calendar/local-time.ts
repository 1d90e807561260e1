/**
 * Local (wall-clock) time in an IANA time zone, on nothing but Intl. Local
 * dates are plain 'YYYY-MM-DD' strings so that date arithmetic never touches a
 * time zone; only the conversions to and from instants do.
 */

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/** Monday first, as the Chinese working week (and the service-hours sentence) counts. */
export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** An instant as seen on a wall clock in some zone. */
export interface LocalParts {
  /** Local calendar date, 'YYYY-MM-DD'. */
  date: string;
  weekday: Weekday;
  /** Wall-clock minutes since local midnight, 0–1439 (hour × 60 + minute, not elapsed time on DST days). */
  minutes: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

// Building a DateTimeFormat costs far more than using one, and the routing code
// converts hundreds of instants when it looks for the next change.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Wall-clock fields of an instant; seconds are kept so the zone offset comes out exact. */
function wallClock(utcMs: number, timeZone: string) {
  const fields: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(utcMs))) {
    if (p.type !== 'literal') fields[p.type] = Number(p.value);
  }
  return {
    year: fields.year ?? 0,
    month: fields.month ?? 1,
    day: fields.day ?? 1,
    // Some engines still print midnight as 24 even with h23.
    hour: (fields.hour ?? 0) % 24,
    minute: fields.minute ?? 0,
    second: fields.second ?? 0,
  };
}

/** Zone offset (local minus UTC) in milliseconds at an instant. */
function offsetMs(utcMs: number, timeZone: string): number {
  const w = wallClock(utcMs, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function parseDate(date: string): [number, number, number] {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new RangeError(`not a local date (YYYY-MM-DD): "${date}"`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** Converts an instant to the local date, weekday and wall-clock minutes in `timeZone`. */
export function toLocalParts(instant: Date, timeZone: string): LocalParts {
  const w = wallClock(instant.getTime(), timeZone);
  const date = `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
  return { date, weekday: weekdayOf(date), minutes: w.hour * 60 + w.minute };
}

/** Day of the week of a local date. */
export function weekdayOf(date: string): Weekday {
  const [y, m, d] = parseDate(date);
  // getUTCDay counts from Sunday; WEEKDAYS starts on Monday.
  return WEEKDAYS[(new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7]!;
}

/** The local date `days` days after (or before, when negative) `date`. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = parseDate(date);
  const t = new Date(Date.UTC(y, m - 1, d) + days * DAY_MS);
  return `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

/** 'HH:MM' to minutes since midnight; '24:00' is 1440, the end of the day. */
export function parseHhmm(hhmm: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm);
  const minutes = m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
  if (!m || Number(m[2]) > 59 || minutes > 1440) throw new RangeError(`not a time of day (HH:MM): "${hhmm}"`);
  return minutes;
}

/**
 * The instant at which the wall clock in `timeZone` shows `minutes` (0–1440,
 * 1440 = next midnight) on local date `date`.
 *
 * Follows the usual "compatible" rule on DST days: a wall time that occurs
 * twice (autumn) is the earlier instant; one skipped by a spring-forward gap is
 * moved forward by the length of the gap (02:30 → 03:30 in Berlin).
 */
export function fromLocalMinutes(date: string, minutes: number, timeZone: string): Date {
  // Pure, and asked for the same few instants (today's opening hours) by every routing decision.
  const key = `${timeZone} ${date} ${minutes}`;
  let ms = instants.get(key);
  if (ms === undefined) {
    if (instants.size >= INSTANTS_KEPT) instants.clear();
    instants.set(key, (ms = instantOf(date, minutes, timeZone)));
  }
  return new Date(ms);
}

const instants = new Map<string, number>();
const INSTANTS_KEPT = 4096;

function instantOf(date: string, minutes: number, timeZone: string): number {
  const [y, m, d] = parseDate(date);
  const wallMs = Date.UTC(y, m - 1, d) + minutes * MINUTE_MS;
  // Offsets a day either side bracket any transition near this wall time.
  const before = offsetMs(wallMs - DAY_MS, timeZone);
  const after = offsetMs(wallMs + DAY_MS, timeZone);
  const candidates = [wallMs - before, wallMs - after]
    .filter((t) => t + offsetMs(t, timeZone) === wallMs)
    .sort((a, b) => a - b);
  return candidates[0] ?? wallMs - before;
}

/** The instant of local date `date` at `hhmm` ('HH:MM', or '24:00' for the next midnight) in `timeZone`. */
export function fromLocalTime(date: string, hhmm: string, timeZone: string): Date {
  return fromLocalMinutes(date, parseHhmm(hhmm), timeZone);
}
