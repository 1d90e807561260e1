import { addDays, fromLocalMinutes, toLocalParts } from '../calendar/local-time.ts';
import { InputError } from '../errors/domain-error.ts';

/** A calendar month in the hotline's time zone (the standard's 当月, RPT-02). */
export interface Month {
  /** 'YYYY-MM' */
  id: string;
  /** First instant of the month and first instant of the next, in the time zone. */
  from: Date;
  to: Date;
  /** Its local dates, 'YYYY-MM-DD', in order. */
  days: string[];
  timeZone: string;
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;


export function parseMonth(id: string, timeZone: string): Month {
  const m = MONTH.exec(id);
  if (!m) throw new InputError(`month must be YYYY-MM (for example 2026-11), not "${id}"`);
  const first = `${id}-01`;
  const days: string[] = [];
  for (let d = first; d.startsWith(id); d = addDays(d, 1)) days.push(d);
  const next = addDays(days.at(-1)!, 1);
  return { id, from: fromLocalMinutes(first, 0, timeZone), to: fromLocalMinutes(next, 0, timeZone), days, timeZone };
}

/** The month before the one `now` falls in (the month a month-end report is about). */
export function previousMonth(now: Date, timeZone: string): string {
  const local = toLocalParts(now, timeZone).date;
  const [y, mo] = local.split('-').map(Number) as [number, number];
  const prev = mo === 1 ? { y: y - 1, m: 12 } : { y, m: mo - 1 };
  return `${prev.y}-${String(prev.m).padStart(2, '0')}`;
}

/** The month `now` falls in. */
export function monthOf(now: Date, timeZone: string): string {
  return toLocalParts(now, timeZone).date.slice(0, 7);
}

/** The local date of an instant. */
export function localDate(instant: Date, timeZone: string): string {
  return toLocalParts(instant, timeZone).date;
}
