import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { calendarGetter, type CalendarSource } from './decisions.ts';
import { serviceState } from '../calendar/calendar.ts';
import type { Clock } from '../time/clock.ts';
import type { OverrideService } from './override-service.ts';
import type { StoredOverride } from './override-repository.ts';
import { describeServiceHours } from '../calendar/service-hours-text.ts';
import { authenticate, principalOf, requireRole } from '../http/auth.ts';
import { ErrorSchema } from '../http/schemas.ts';

export const OverrideSchema = Type.Object({
  mode: Type.Union([Type.Literal('day'), Type.Literal('night')]),
  until: Type.String({ format: 'date-time' }),
  setBy: Type.String(),
  reason: Type.String(),
  setAt: Type.String({ format: 'date-time' }),
});

const StateSchema = Type.Object({
  now: Type.String({ format: 'date-time' }),
  open: Type.Boolean(),
  reason: Type.String(),
  dayKind: Type.String(),
  holiday: Type.Union([Type.Object({ name: Type.String(), greeting: Type.Optional(Type.String()) }), Type.Null()]),
  nextChange: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  override: Type.Union([OverrideSchema, Type.Null()]),
  serviceHours: Type.Object({ 'zh-CN': Type.String(), 'en-US': Type.String() }),
});

const SetOverrideBody = Type.Object(
  {
    mode: Type.Union([Type.Literal('day'), Type.Literal('night')]),
    until: Type.String({ format: 'date-time', description: 'when the override ends (ISO 8601 with offset)' }),
    reason: Type.Optional(Type.String({ maxLength: 500 })),
    setBy: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'who set it; default: the caller’s username' })),
  },
  { additionalProperties: false },
);

export interface RoutingRoutesDeps {
  calendar: CalendarSource;
  clock: Clock;
  overrides: OverrideService;
}

const tags = ['routing'];
const supervisor = requireRole('supervisor');

/** The line's state (any staff role) and the supervisor's day/night switch (supervisor and up). */
export async function routingRoutes(app: FastifyInstance, d: RoutingRoutesDeps): Promise<void> {
  const state = () => {
    const now = d.clock.now();
    const calendar = calendarGetter(d.calendar)();
    const s = serviceState(calendar, now, d.overrides.current());
    return {
      now: now.toISOString(),
      open: s.open,
      reason: s.reason,
      dayKind: s.dayKind,
      holiday: s.holiday ?? null,
      nextChange: s.nextChange?.toISOString() ?? null,
      override: serialise(d.overrides.details()),
      serviceHours: { 'zh-CN': describeServiceHours(calendar, 'zh-CN'), 'en-US': describeServiceHours(calendar, 'en-US') },
    };
  };

  app.get(
    '/api/routing',
    { preHandler: authenticate, schema: { tags, summary: 'Open or closed now, why, and the next change', response: { 200: StateSchema } } },
    async () => state(),
  );

  app.put<{ Body: Static<typeof SetOverrideBody> }>(
    '/api/routing/override',
    {
      preHandler: supervisor,
      schema: { tags, summary: 'Force day or night mode until a time', body: SetOverrideBody, response: { 200: StateSchema, 400: ErrorSchema } },
    },
    async (req) => {
      await d.overrides.set(req.body.mode, new Date(req.body.until), req.body.setBy ?? principalOf(req).username, req.body.reason ?? '');
      return state();
    },
  );

  app.delete<{ Querystring: { setBy?: string } }>(
    '/api/routing/override',
    {
      preHandler: supervisor,
      schema: {
        tags,
        summary: 'Remove the override: the calendar decides again',
        querystring: Type.Object({ setBy: Type.Optional(Type.String({ maxLength: 100 })) }, { additionalProperties: false }),
        response: { 200: StateSchema, 400: ErrorSchema },
      },
    },
    async (req) => {
      await d.overrides.clear(req.query.setBy ?? principalOf(req).username);
      return state();
    },
  );
}

function serialise(o: StoredOverride | null) {
  return o ? { mode: o.mode, until: o.until.toISOString(), setBy: o.setBy, reason: o.reason, setAt: o.setAt.toISOString() } : null;
}
