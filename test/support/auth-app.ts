import type pg from 'pg';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AuthService, type AuthServiceOptions } from '../../src/auth/auth-service.ts';
import { authRoutes } from '../../src/auth/routes.ts';
import { staffRoutes } from '../../src/auth/staff-routes.ts';
import { CallRepository } from '../../src/calls/call-repository.ts';
import { callRoutes } from '../../src/calls/routes.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import type { Feature } from '../../src/feature.ts';
import { buildApp } from '../../src/http/app.ts';
import { ticketRoutes, type TicketRoutesDeps } from '../../src/tickets/routes.ts';
import { OverrideRepository } from '../../src/routing/override-repository.ts';
import { OverrideService } from '../../src/routing/override-service.ts';
import { routingRoutes } from '../../src/routing/routes.ts';
import { createClock } from '../../src/time/clock.ts';

/** scrypt at a low cost: the tests hash many passwords, and verifying reads the cost from the hash. */
export const FAST_PASSWORDS = { N: 2 ** 10, r: 8, p: 1 };

/**
 * The HTTP API on a (migrated) database for auth tests, Tuesday 10:00 local
 * (open). `auth` overrides AuthService options (clock, delays, throttle).
 */
export async function buildAuthTestApp(
  pool: pg.Pool,
  log: Logger,
  serviceToken: string,
  auth: Partial<AuthServiceOptions> = {},
  extra: { tickets?: TicketRoutesDeps } = {},
): Promise<{ app: FastifyInstance; auth: AuthService }> {
  const config = loadConfig({});
  const clock = createClock('2026-11-24T10:00:00+08:00');
  const service = new AuthService({ db: pool, log, serviceToken, failureDelayMs: 0, passwordParams: FAST_PASSWORDS, ...auth });
  // The features' routes as the service installs them, and a node where every health check is well.
  const features: Feature[] = [
    {
      name: 'health',
      health: [
        { name: 'ari', read: () => true, whenFalse: 'down' },
        { name: 'database', read: () => true, whenFalse: 'degraded' },
        { name: 'activeCalls', read: () => 0 },
        { name: 'telephony', read: () => ({ legs: 0, pendingWaits: 0, bridges: 0 }) },
        { name: 'pendingRecords', read: () => 0 },
      ],
    },
    { name: 'auth', routes: async (app) => { await authRoutes(app, service); await staffRoutes(app, service); } },
    { name: 'routing', routes: (app) => routingRoutes(app, { calendar: config.calendar, clock, overrides: new OverrideService(new OverrideRepository(pool), clock, log) }) },
    { name: 'calls', routes: (app) => callRoutes(app, { calls: new CallRepository(pool) }) },
    ...(extra.tickets ? [{ name: 'tickets', routes: (app: FastifyInstance) => ticketRoutes(app, extra.tickets!) }] : []),
  ];
  const app = await buildApp({ log, auth: service, features });
  return { app, auth: service };
}
