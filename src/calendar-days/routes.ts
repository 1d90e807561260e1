import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { toLocalParts } from '../calendar/local-time.ts';
import { authenticate, principalOf, requireRole } from '../http/auth.ts';
import { ErrorSchema } from '../http/schemas.ts';
import type { Clock } from '../time/clock.ts';
import type { CalendarStore } from './calendar-store.ts';
import { MAX_NAME_LENGTH } from './calendar-store.ts';
import { parseIcal } from './ical.ts';

const IsoDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'local date, YYYY-MM-DD' });
const Kind = Type.Union([Type.Literal('holiday'), Type.Literal('makeup-workday')]);

export const CalendarDaySchema = Type.Object({
  date: Type.String(),
  kind: Kind,
  name: Type.String(),
  greeting: Type.Optional(Type.String()),
  source: Type.Union([Type.Literal('config'), Type.Literal('database')], { description: 'where the day comes from; the database wins on a date' }),
  setBy: Type.Optional(Type.String()),
  setAt: Type.Optional(Type.String({ format: 'date-time' })),
});

const YearSchema = Type.Object({
  year: Type.Integer(),
  /** Whether the year has any holiday at all (config or database). */
  holidaysKnown: Type.Boolean(),
  days: Type.Array(CalendarDaySchema),
});

const PutBody = Type.Object(
  {
    kind: Kind,
    name: Type.Optional(Type.String({ maxLength: MAX_NAME_LENGTH, description: 'e.g. 元旦, 春节调休; default: none' })),
  },
  { additionalProperties: false },
);

const PutAnswer = Type.Object({
  day: CalendarDaySchema,
  result: Type.Union([Type.Literal('added'), Type.Literal('changed'), Type.Literal('unchanged')]),
});

const ImportBody = Type.Object(
  { ical: Type.String({ minLength: 1, maxLength: 500_000, description: 'iCalendar text (RFC 5545) of all-day events' }) },
  { additionalProperties: false },
);

const ImportAnswer = Type.Object({
  events: Type.Integer({ description: 'VEVENTs read' }),
  cancelled: Type.Integer({ description: 'cancelled events, left out' }),
  holidays: Type.Integer(),
  makeupWorkdays: Type.Integer(),
  added: Type.Integer(),
  changed: Type.Integer(),
  unchanged: Type.Integer(),
  years: Type.Array(Type.Integer()),
});

const DateParams = Type.Object({ date: IsoDate }, { additionalProperties: false });

export interface CalendarDaysRoutesDeps {
  store: CalendarStore;
  clock: Clock;
  timezone: string;
}

const tags = ['calendar'];
const supervisor = requireRole('supervisor');
const errors = { 400: ErrorSchema, 404: ErrorSchema };

/** The calendar's days (any staff role) and the supervisor's changes to them. */
export async function calendarDaysRoutes(app: FastifyInstance, d: CalendarDaysRoutesDeps): Promise<void> {
  app.get<{ Querystring: { year?: number } }>(
    '/api/calendar/days',
    {
      preHandler: authenticate,
      schema: {
        tags,
        summary: 'Holidays and make-up working days of a year, configured and stored',
        querystring: Type.Object({ year: Type.Optional(Type.Integer({ minimum: 1900, maximum: 2999, description: 'default: this year' })) }, { additionalProperties: false }),
        response: { 200: YearSchema, 400: ErrorSchema },
      },
    },
    async (req) => {
      const year = req.query.year ?? Number(toLocalParts(d.clock.now(), d.timezone).date.slice(0, 4));
      return yearOf(d.store, year);
    },
  );

  app.put<{ Params: Static<typeof DateParams>; Body: Static<typeof PutBody> }>(
    '/api/calendar/days/:date',
    {
      preHandler: supervisor,
      schema: { tags, summary: 'Enter or change a holiday or make-up working day', params: DateParams, body: PutBody, response: { 200: PutAnswer, ...errors } },
    },
    async (req) => {
      const { day, result } = await d.store.put({ date: req.params.date, kind: req.body.kind, name: req.body.name ?? '' }, principalOf(req).username);
      const shown = yearOf(d.store, Number(day.date.slice(0, 4))).days.find((x) => x.date === day.date);
      return { day: shown ?? { date: day.date, kind: day.kind, name: day.name, source: 'database' as const, setBy: day.setBy, setAt: day.setAt.toISOString() }, result };
    },
  );

  app.delete<{ Params: Static<typeof DateParams> }>(
    '/api/calendar/days/:date',
    {
      preHandler: supervisor,
      schema: { tags, summary: 'Remove a stored day (a configured one on that date applies again)', params: DateParams, response: { 204: Type.Null(), ...errors } },
    },
    async (req, reply) => {
      await d.store.remove(req.params.date, principalOf(req).username);
      return reply.code(204).send();
    },
  );

  app.post<{ Body: Static<typeof ImportBody> }>(
    '/api/calendar/import',
    {
      preHandler: supervisor,
      bodyLimit: 1_048_576,
      schema: { tags, summary: 'Import holidays and make-up working days from iCalendar (all-day events)', body: ImportBody, response: { 200: ImportAnswer, 400: ErrorSchema } },
    },
    async (req) => {
      const parsed = parseIcal(req.body.ical);
      const counts = await d.store.importDays(parsed.days, principalOf(req).username);
      return {
        events: parsed.events,
        cancelled: parsed.cancelled,
        holidays: parsed.days.filter((x) => x.kind === 'holiday').length,
        makeupWorkdays: parsed.days.filter((x) => x.kind === 'makeup-workday').length,
        ...counts,
        years: [...new Set(parsed.days.map((x) => Number(x.date.slice(0, 4))))].sort((a, b) => a - b),
      };
    },
  );
}

/** The merged days of a year, each with where it comes from. */
function yearOf(store: CalendarStore, year: number): Static<typeof YearSchema> {
  const cal = store.current();
  const prefix = `${year}-`;
  const stored = new Map(store.storedDays().map((s) => [s.date, s]));
  const from = (date: string) => {
    const s = stored.get(date);
    return s ? { source: 'database' as const, setBy: s.setBy, setAt: s.setAt.toISOString() } : { source: 'config' as const };
  };
  const days = [
    ...cal.holidays.filter((h) => h.date.startsWith(prefix)).map((h) => ({ date: h.date, kind: 'holiday' as const, name: h.name, ...(h.greeting ? { greeting: h.greeting } : {}), ...from(h.date) })),
    ...cal.makeupWorkdays.filter((m) => m.date.startsWith(prefix)).map((m) => ({ date: m.date, kind: 'makeup-workday' as const, name: m.name ?? '', ...from(m.date) })),
  ].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  return { year, holidaysKnown: days.some((x) => x.kind === 'holiday'), days };
}
