/**
 * The staff HTTP API as the service builds it (src/app/service.ts), for the
 * figures benchmark: the same fastify app (buildApp) with the features the
 * console's ticket pages reach: auth (every request checks its login
 * session in the database), audit (its request hooks), notify (a ticket's
 * notifications), tickets, and outbound (a ticket's callbacks and survey
 * answers), listening on 127.0.0.1. Workers are not started and no call is
 * placed, so Asterisk, prompts and flows are stand-ins that nothing uses.
 */
import pino from 'pino';
import type pg from 'pg';
import { createAudit } from '../src/audit/index.ts';
import { StaffError } from '../src/auth/auth-service.ts';
import { createAuth } from '../src/auth/index.ts';
import { loadConfig } from '../src/config/load-config.ts';
import type { ServiceBase, ServiceDatabase } from '../src/feature.ts';
import { createFigures } from '../src/figures/index.ts';
import { buildApp } from '../src/http/app.ts';
import { createLogger } from '../src/logging/logger.ts';
import { createNodes } from '../src/nodes/index.ts';
import { createNotify } from '../src/notify/index.ts';
import { createOutbound } from '../src/outbound/index.ts';
import { createTickets } from '../src/tickets/index.ts';
import { createClock } from '../src/time/clock.ts';

export interface TicketApi {
  url: string;
  /** A login session of a supervisor (the figures need one), as the console holds one. */
  token: string;
  stop(): Promise<void>;
}

export async function startTicketApi(pool: pg.Pool, clockStart: Date): Promise<TicketApi> {
  const config = loadConfig({});
  // Logged at info as in production (a line per request), into /dev/null.
  const log = createLogger('info', pino.destination({ dest: '/dev/null', sync: false }));
  const db: ServiceDatabase = { pool, ready: Promise.resolve(), whenMigrated: () => Promise.resolve() };
  const clock = createClock(clockStart.toISOString());
  const unused = new Proxy({}, { get: (_, p) => { throw new Error(`the ticket API benchmark does not place calls (${String(p)})`); } });
  const base = {
    config, log, clock, db,
    telephony: { recordings: unused }, prompts: unused, flows: unused, runner: { track: () => undefined },
  } as unknown as ServiceBase;

  const auth = createAuth(base, 'bench-service-token-0123456789abcdef');
  const notify = createNotify(base);
  const tickets = createTickets(base, { deliveries: notify.deliveries });
  const outbound = createOutbound(base, { tickets, notify, recordings: tickets.recordings, nodes: createNodes(base, { calls: { closeOfGoneNodes: async () => 0 } }).registry });
  const app = await buildApp({ log, auth: auth.service, features: [auth, createAudit(base), notify, tickets, outbound, createFigures(base)] });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });

  const password = 'bench-agent-password-123';
  await auth.service.createStaff('bench', { username: 'bench.supervisor', role: 'supervisor', password }).catch((err) => {
    // A database benchmarked before keeps its account.
    if (!(err instanceof StaffError && err.httpStatus === 409)) throw err;
  });
  const login = await auth.service.login('bench.supervisor', password, '127.0.0.1');
  if (!login.ok) throw new Error('the benchmark account could not log in');
  return { url, token: login.token, stop: () => app.close() };
}
