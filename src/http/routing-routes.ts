import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, preHandlerHookHandler } from 'fastify';
import type { CalendarConfig } from '../config/schema.ts';
import { serviceState } from '../routing/calendar.ts';
import type { Clock } from '../routing/clock.ts';
import { OverrideError, type OverrideService } from '../routing/override-service.ts';
import type { StoredOverride } from '../routing/override-repository.ts';
import { describeServiceHours } from '../routing/service-hours-text.ts';
import { ErrorSchema, OverrideSchema } from './schemas.ts';

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
    setBy: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
);

export interface RoutingRoutesDeps {
  calendar: CalendarConfig;
  clock: Clock;
  overrides: OverrideService;
  auth: preHandlerHookHandler;
}

/** The line's state and the supervisor's day/night switch. */
export async function routingRoutes(app: FastifyInstance, d: RoutingRoutesDeps): Promise<void> {
  const state = () => {
    const now = d.clock.now();
    const s = serviceState(d.calendar, now, d.overrides.current());
    return {
      now: now.toISOString(),
      open: s.open,
      reason: s.reason,
      dayKind: s.dayKind,
      holiday: s.holiday ?? null,
      nextChange: s.nextChange?.toISOString() ?? null,
      override: serialise(d.overrides.details()),
      serviceHours: { 'zh-CN': describeServiceHours(d.calendar, 'zh-CN'), 'en-US': describeServiceHours(d.calendar, 'en-US') },
    };
  };

  app.get('/api/routing', { preHandler: d.auth, schema: { response: { 200: StateSchema, 401: ErrorSchema } } }, async () => state());

  app.put<{ Body: Static<typeof SetOverrideBody> }>(
    '/api/routing/override',
    { preHandler: d.auth, schema: { body: SetOverrideBody, response: { 200: StateSchema, 400: ErrorSchema, 401: ErrorSchema } } },
    async (req, reply) => {
      try {
        await d.overrides.set(req.body.mode, new Date(req.body.until), req.body.setBy ?? 'api', req.body.reason ?? '');
      } catch (err) {
        if (err instanceof OverrideError) return reply.code(400).send({ error: 'bad-request', message: err.message });
        throw err;
      }
      return state();
    },
  );

  app.delete<{ Querystring: { setBy?: string } }>(
    '/api/routing/override',
    {
      preHandler: d.auth,
      schema: {
        querystring: Type.Object({ setBy: Type.Optional(Type.String({ maxLength: 100 })) }, { additionalProperties: false }),
        response: { 200: StateSchema, 401: ErrorSchema },
      },
    },
    async (req) => {
      await d.overrides.clear(req.query.setBy ?? 'api');
      return state();
    },
  );
}

function serialise(o: StoredOverride | null) {
  return o ? { mode: o.mode, until: o.until.toISOString(), setBy: o.setBy, reason: o.reason, setAt: o.setAt.toISOString() } : null;
}
