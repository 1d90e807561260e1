import type pg from 'pg';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AuthService, type AuthServiceOptions } from '../../src/auth/auth-service.ts';
import { CallRepository } from '../../src/calls/call-repository.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { buildApp } from '../../src/http/app.ts';
import type { TicketRoutesDeps } from '../../src/http/ticket-routes.ts';
import { createClock } from '../../src/routing/clock.ts';
import { OverrideRepository } from '../../src/routing/override-repository.ts';
import { OverrideService } from '../../src/routing/override-service.ts';

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
  const app = await buildApp({
    log,
    auth: service,
    health: {
      ariConnected: () => true,
      telephony: () => ({ legs: 0, pendingWaits: 0, bridges: 0 }),
      activeCalls: () => 0,
      pendingRecords: () => 0,
      databaseOk: async () => true,
    },
    routing: { calendar: config.calendar, clock, overrides: new OverrideService(new OverrideRepository(pool), clock, log) },
    calls: new CallRepository(pool),
    ...(extra.tickets ? { tickets: extra.tickets } : {}),
  });
  return { app, auth: service };
}
