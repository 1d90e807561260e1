import { dayKind } from '../calendar/calendar.ts';
import { addDays, fromLocalMinutes, parseHhmm, toLocalParts } from '../calendar/local-time.ts';
import type { CalendarConfig } from '../config/schema.ts';

/**
 * When the hotline may call a customer: within a local window ("09:00-20:00",
 * end exclusive) on any day but a public holiday. null means any time (the
 * callback of an abandoned emergency call).
 */
export function withinWindow(window: string | null, calendar: CalendarConfig, at: Date): boolean {
  if (window === null) return true;
  const { start, end } = parse(window);
  const local = toLocalParts(at, calendar.timezone);
  return dayKind(calendar, local.date) !== 'holiday' && local.minutes >= start && local.minutes < end;
}

/** The first instant at or after `at` within the window (at itself when it is open). */
export function nextOpening(window: string | null, calendar: CalendarConfig, at: Date): Date {
  if (withinWindow(window, calendar, at)) return at;
  const { start } = parse(window!);
  const local = toLocalParts(at, calendar.timezone);
  // Today's window if it is still to come, else the first day after that is not a holiday.
  let date = local.minutes < start ? local.date : addDays(local.date, 1);
  for (let i = 0; i < 60 && dayKind(calendar, date) === 'holiday'; i++) date = addDays(date, 1);
  return fromLocalMinutes(date, start, calendar.timezone);
}

function parse(window: string): { start: number; end: number } {
  const [from, to] = window.split('-') as [string, string];
  return { start: parseHhmm(from), end: parseHhmm(to) };
}
