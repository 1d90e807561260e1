import type { CalendarConfig } from '../config/schema.ts';
import { addDays, parseHhmm, weekdayOf } from './local-time.ts';

/**
 * Mistakes in a calendar that the schema's patterns let through and that would
 * otherwise go unnoticed until a caller meets them: a holiday on 2026-02-30
 * never matches, a make-up day that is also a holiday is silently closed.
 * Meant for the config loader, which reports them at start-up (SCR-14: the
 * calendar is re-entered from each year's notice, by hand).
 *
 * @returns One message per problem, each naming the setting; empty when fine.
 */
export function calendarProblems(cal: CalendarConfig): string[] {
  const problems: string[] = [];
  // Round-tripping through Date normalises 02-30 to 03-02, which gives it away.
  const isRealDate = (date: string) => addDays(date, 0) === date;

  const holidays = new Set<string>();
  for (const h of cal.holidays) {
    if (!isRealDate(h.date)) problems.push(`calendar.holidays: "${h.date}" is not a date`);
    if (holidays.has(h.date)) problems.push(`calendar.holidays: ${h.date} is listed twice`);
    holidays.add(h.date);
  }

  const makeups = new Set<string>();
  for (const m of cal.makeupWorkdays) {
    const where = `calendar.makeupWorkdays ${m.date}`;
    if (!isRealDate(m.date)) {
      problems.push(`calendar.makeupWorkdays: "${m.date}" is not a date`);
      continue;
    }
    if (makeups.has(m.date)) problems.push(`${where}: listed twice`);
    makeups.add(m.date);
    if (holidays.has(m.date)) problems.push(`${where}: is also a holiday (the holiday wins, the line stays closed)`);
    const weekday = weekdayOf(m.date);
    if (weekday !== 'sat' && weekday !== 'sun') problems.push(`${where}: is a ${weekday}, not a Saturday or Sunday`);
    for (const iv of m.hours ?? []) {
      const [from = '', to = ''] = iv.split('-');
      if (parseHhmm(from) >= parseHhmm(to)) problems.push(`${where}: "${iv}" ends before it starts`);
    }
  }

  const starts = Object.values(cal.greetingPeriods);
  if (new Set(starts).size !== starts.length) {
    problems.push('calendar.greetingPeriods: two periods start at the same time');
  }
  return problems;
}
