import { addDays } from '../calendar/local-time.ts';
import { InputError } from '../errors/domain-error.ts';
import type { CalendarDay } from './calendar-days-repository.ts';

/**
 * Public holidays and make-up working days from an iCalendar text (RFC 5545),
 * as published for the State Council's yearly notice: all-day VEVENTs
 *
 *   BEGIN:VEVENT
 *   DTSTART;VALUE=DATE:20270101
 *   DTEND;VALUE=DATE:20270104        (exclusive; or DURATION:P3D; none: one day)
 *   SUMMARY:元旦
 *   END:VEVENT
 *
 * An event whose SUMMARY or CATEGORIES says 补班, 调休上班, make-up or working
 * day is a make-up working day (调休), every other one a holiday. Folded lines
 * (CRLF or LF, then a space or tab) are unfolded; text escapes (\, \; \n \\)
 * are undone; components nested in an event (VALARM) and outside events
 * (VTIMEZONE) are skipped; cancelled events (STATUS:CANCELLED) are left out.
 *
 * Anything the hotline would otherwise misread is refused with an InputError
 * (400) naming the line: no VCALENDAR, unbalanced BEGIN/END, an event without
 * DTSTART, with a date-time instead of a date, a recurring one (RRULE), an
 * end not after its start, a block of more than MAX_EVENT_DAYS days, or one
 * date given both as a holiday and as a make-up day.
 */

export const MAX_EVENT_DAYS = 31;
export const MAX_ICAL_DAYS = 2_000;

export interface ParsedIcal {
  /** One entry per date, sorted by date. */
  days: CalendarDay[];
  /** Events read (cancelled ones included). */
  events: number;
  /** Cancelled events, left out. */
  cancelled: number;
}

const MAKEUP = /补班|调休上班|make[- ]?up|(?<!non[- ]?)work(?:ing)?[- ]?day/i;

/** True when a SUMMARY or CATEGORIES text names a make-up working day. */
export function isMakeupText(text: string): boolean {
  return MAKEUP.test(text);
}

interface ContentLine {
  /** Line number (1-based) in the text as given, of the line's first physical line. */
  line: number;
  name: string;
  params: Map<string, string>;
  value: string;
}

interface RawEvent {
  line: number;
  props: ContentLine[];
}

export function parseIcal(text: string): ParsedIcal {
  if (typeof text !== 'string' || text.trim() === '') throw new InputError('iCalendar: the text is empty');
  const lines = unfold(text.replace(/^\uFEFF/, ''));
  const events = readEvents(lines);
  const byDate = new Map<string, CalendarDay & { line: number }>();
  let cancelled = 0;
  for (const event of events) {
    const day = eventDays(event);
    if (day === null) {
      cancelled++;
      continue;
    }
    for (const date of day.dates) {
      const seen = byDate.get(date);
      if (seen && seen.kind !== day.kind) {
        throw new InputError(
          `iCalendar line ${event.line}: ${date} is a ${day.kind === 'holiday' ? 'holiday' : 'make-up working day'} here, ` +
            `but a ${seen.kind === 'holiday' ? 'holiday' : 'make-up working day'} in the event of line ${seen.line}`,
        );
      }
      if (!seen) byDate.set(date, { date, kind: day.kind, name: day.name, line: event.line });
    }
    if (byDate.size > MAX_ICAL_DAYS) throw new InputError(`iCalendar: more than ${MAX_ICAL_DAYS} days`);
  }
  const days = [...byDate.values()]
    .map(({ date, kind, name }) => ({ date, kind, name }))
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  return { days, events: events.length, cancelled };
}

/** Content lines, unfolded (RFC 5545 3.1), each with the number of its first physical line. */
function unfold(text: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  const physical = text.split(/\r\n|\n|\r/);
  for (let i = 0; i < physical.length; i++) {
    const raw = physical[i]!;
    if ((raw.startsWith(' ') || raw.startsWith('\t')) && out.length > 0) {
      out[out.length - 1]!.text += raw.slice(1);
    } else if (raw.trim() !== '') {
      out.push({ line: i + 1, text: raw });
    }
  }
  return out;
}

function parseLine(l: { line: number; text: string }): ContentLine {
  // name *(";" param) ":" value; a quoted parameter value may hold ':' and ';'.
  const text = l.text;
  let colon = -1;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (c === ':' && !quoted) {
      colon = i;
      break;
    }
  }
  if (colon <= 0) throw new InputError(`iCalendar line ${l.line}: not a "NAME:value" line: "${clip(text)}"`);
  const [name = '', ...rawParams] = splitOutsideQuotes(text.slice(0, colon), ';');
  if (!/^[A-Za-z0-9-]+$/.test(name)) throw new InputError(`iCalendar line ${l.line}: "${clip(name)}" is not a property name`);
  const params = new Map<string, string>();
  for (const p of rawParams) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new InputError(`iCalendar line ${l.line}: parameter "${clip(p)}" has no value`);
    params.set(p.slice(0, eq).toUpperCase(), p.slice(eq + 1).replace(/^"(.*)"$/, '$1'));
  }
  return { line: l.line, name: name.toUpperCase(), params, value: text.slice(colon + 1) };
}

function splitOutsideQuotes(s: string, sep: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const c of s) {
    if (c === '"') quoted = !quoted;
    if (c === sep && !quoted) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts;
}

/** The VEVENTs of the (first and only) VCALENDAR, with their own properties. */
function readEvents(physical: Array<{ line: number; text: string }>): RawEvent[] {
  const stack: Array<{ name: string; line: number }> = [];
  const events: RawEvent[] = [];
  let event: RawEvent | null = null;
  let calendars = 0;
  for (const l of physical) {
    const p = parseLine(l);
    if (p.name === 'BEGIN') {
      const what = p.value.trim().toUpperCase();
      if (stack.length === 0) {
        if (what !== 'VCALENDAR') throw new InputError(`iCalendar line ${p.line}: expected BEGIN:VCALENDAR, found BEGIN:${clip(what)}`);
        calendars++;
      } else if (what === 'VCALENDAR') {
        throw new InputError(`iCalendar line ${p.line}: BEGIN:VCALENDAR inside ${stack.at(-1)!.name}`);
      }
      if (what === 'VEVENT') {
        if (event) throw new InputError(`iCalendar line ${p.line}: BEGIN:VEVENT inside the event of line ${event.line}`);
        if (stack.length !== 1) throw new InputError(`iCalendar line ${p.line}: VEVENT inside ${stack.at(-1)!.name}`);
        event = { line: p.line, props: [] };
      }
      stack.push({ name: what, line: p.line });
      continue;
    }
    if (p.name === 'END') {
      const what = p.value.trim().toUpperCase();
      const open = stack.pop();
      if (!open) throw new InputError(`iCalendar line ${p.line}: END:${clip(what)} without BEGIN`);
      if (open.name !== what) throw new InputError(`iCalendar line ${p.line}: END:${clip(what)} closes BEGIN:${open.name} of line ${open.line}`);
      if (what === 'VEVENT' && event) {
        events.push(event);
        event = null;
      }
      continue;
    }
    if (stack.length === 0) throw new InputError(`iCalendar line ${p.line}: "${p.name}" outside BEGIN:VCALENDAR … END:VCALENDAR`);
    // Only the event's own properties: not those of a VALARM within it.
    if (event && stack.at(-1)!.name === 'VEVENT') event.props.push(p);
  }
  if (calendars === 0) throw new InputError('iCalendar: no BEGIN:VCALENDAR (is this an .ics file?)');
  if (stack.length > 0) throw new InputError(`iCalendar: BEGIN:${stack.at(-1)!.name} of line ${stack.at(-1)!.line} is never ended`);
  return events;
}

/** The dates, kind and name of one event; null when it is cancelled. */
function eventDays(event: RawEvent): { dates: string[]; kind: CalendarDay['kind']; name: string } | null {
  const one = (name: string) => {
    const found = event.props.filter((p) => p.name === name);
    if (found.length > 1) throw new InputError(`iCalendar line ${found[1]!.line}: ${name} given twice in the event of line ${event.line}`);
    return found[0];
  };
  const where = `iCalendar event of line ${event.line}`;
  if (one('STATUS')?.value.trim().toUpperCase() === 'CANCELLED') return null;
  if (event.props.some((p) => p.name === 'RRULE' || p.name === 'RDATE')) {
    throw new InputError(`${where}: recurring events (RRULE, RDATE) are not supported; list each year's days as events of their own`);
  }
  const summary = unescapeText(one('SUMMARY')?.value ?? '').trim();
  const categories = event.props.filter((p) => p.name === 'CATEGORIES').map((p) => unescapeText(p.value)).join(',');

  const startProp = one('DTSTART');
  if (!startProp) throw new InputError(`${where}${summary ? ` (${clip(summary)})` : ''}: no DTSTART`);
  const start = dateOf(startProp, where);
  const endProp = one('DTEND');
  const durationProp = one('DURATION');
  if (endProp && durationProp) throw new InputError(`${where}: both DTEND and DURATION`);
  let days = 1;
  if (endProp) {
    const end = dateOf(endProp, where);
    days = daysBetween(start, end);
    if (days <= 0) throw new InputError(`iCalendar line ${endProp.line}: DTEND ${end} is not after DTSTART ${start} (the end date is exclusive)`);
  } else if (durationProp) {
    const m = /^P(?:(\d+)W|(\d+)D)$/.exec(durationProp.value.trim().toUpperCase());
    if (!m) throw new InputError(`iCalendar line ${durationProp.line}: DURATION "${clip(durationProp.value)}" is not a whole number of days (P3D) or weeks (P1W)`);
    days = m[1] !== undefined ? Number(m[1]) * 7 : Number(m[2]);
    if (days <= 0) throw new InputError(`iCalendar line ${durationProp.line}: DURATION of no days`);
  }
  if (days > MAX_EVENT_DAYS) throw new InputError(`${where}: ${days} days from ${start}; at most ${MAX_EVENT_DAYS} days per event`);

  const kind = isMakeupText(summary) || isMakeupText(categories) ? 'makeup-workday' : 'holiday';
  return { dates: Array.from({ length: days }, (_, i) => addDays(start, i)), kind, name: summary };
}

/** 'YYYY-MM-DD' from an all-day DTSTART/DTEND (VALUE=DATE, or a bare 8-digit date). */
function dateOf(p: ContentLine, where: string): string {
  const value = p.value.trim();
  const valueType = p.params.get('VALUE')?.toUpperCase();
  if (/^\d{8}T\d{6}Z?$/i.test(value) || valueType === 'DATE-TIME') {
    throw new InputError(`iCalendar line ${p.line}: ${p.name} ${clip(value)} is a date-time; only all-day events (${p.name};VALUE=DATE:YYYYMMDD) are understood (${where})`);
  }
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(value);
  if (!m) throw new InputError(`iCalendar line ${p.line}: ${p.name} "${clip(value)}" is not a date (YYYYMMDD)`);
  const date = `${m[1]}-${m[2]}-${m[3]}`;
  if (addDays(date, 0) !== date) throw new InputError(`iCalendar line ${p.line}: ${p.name} ${value} is not a real date`);
  return date;
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** TEXT value escapes (RFC 5545 3.3.11). */
function unescapeText(s: string): string {
  return s.replace(/\\([\\;,nN])/g, (_, c: string) => (c === 'n' || c === 'N' ? ' ' : c));
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}
