/**
 * One month of realistic hotline data in any PostgreSQL (issue 12): inbound
 * calls with a daily and hourly profile, tickets with their history,
 * callbacks with their attempts and survey answers, and the new-ticket
 * notifications, on the real schema (the project's migrations run first).
 * Deterministic: the same --seed gives the same rows.
 *
 *   DATABASE_URL=postgres://… npm run -s bench:seed -- --month 2026-11 \
 *     [--calls 100000] [--tickets 10000] [--callbacks 5000] [--open-backlog 0] [--seed 1]
 *
 * As a module: seedMonth(pool, options) and seedOpenBacklog(pool, options)
 * (more open tickets in the month, for the console's queue).
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../src/config/load-config.ts';
import type { CalendarConfig } from '../src/config/schema.ts';
import { migrate } from '../src/db/migrate.ts';
import { parseMonth, type Month } from '../src/figures/month.ts';
import { createLogger } from '../src/logging/logger.ts';
import { ATTEMPT_COLUMNS, callbackRows, DELIVERY_COLUMNS, deliveryRows, JOB_COLUMNS, SURVEY_COLUMNS } from './seed-callbacks.ts';
import { CALL_COLUMNS, callRows, type Row } from './seed-calls.ts';
import { MonthProfile, Random } from './seed-random.ts';
import { HISTORY_COLUMNS, MONTH_STATUS_MIX, OPEN_STATUS_MIX, TICKET_COLUMNS, ticketRows } from './seed-tickets.ts';

export interface SeedOptions {
  /** 'YYYY-MM', a month in the calendar's time zone. */
  month: string;
  calls?: number;
  tickets?: number;
  callbacks?: number;
  seed?: number;
  /** The instant the data is "as of" (what is finished, what is still open); default the 1st of the next month, 10:00 local. */
  asOf?: Date;
  /** Deadlines and the time zone; default the calendar of config/hotline.yaml. */
  calendar?: CalendarConfig;
}

export interface SeedSummary {
  month: Month;
  asOf: Date;
  rows: Record<string, number>;
  ms: number;
}

export const DEFAULTS = { calls: 100_000, tickets: 10_000, callbacks: 5_000, seed: 1 } as const;

export async function seedMonth(pool: pg.Pool, o: SeedOptions): Promise<SeedSummary> {
  const started = Date.now();
  const { month, asOf, calendar, counters } = await prepare(pool, o);
  const already = await pool.query(`select count(*)::int as n from calls where started_at >= $1 and started_at < $2`, [month.from, month.to]);
  if (already.rows[0].n > 0) throw new Error(`${month.id} already has ${already.rows[0].n} calls: seed another month, or an empty database`);
  const r = new Random(o.seed ?? DEFAULTS.seed);
  const calls = callRows(r, new MonthProfile(month), o.calls ?? DEFAULTS.calls);
  // Voicemails come at night and at weekends too: a flatter profile.
  const tickets = ticketRows(r, new MonthProfile(month, 1.5), { count: o.tickets ?? DEFAULTS.tickets, mix: MONTH_STATUS_MIX, asOf, calendar, counters });
  const callbacks = callbackRows(r, o.callbacks ?? DEFAULTS.callbacks, tickets.seeded, calls.calls, asOf);
  const rows: Record<string, number> = {
    calls: await insertRows(pool, 'calls', CALL_COLUMNS, calls.rows),
    ...(await insertTickets(pool, tickets, counters)),
    deliveries: await insertRows(pool, 'notification_deliveries', DELIVERY_COLUMNS, deliveryRows(r, tickets.seeded)),
    callbackJobs: await insertRows(pool, 'callback_jobs', JOB_COLUMNS, callbacks.jobs),
    callbackAttempts: await insertRows(pool, 'callback_attempts', ATTEMPT_COLUMNS, callbacks.attempts),
    surveyResponses: await insertRows(pool, 'survey_responses', SURVEY_COLUMNS, callbacks.answers),
  };
  // As autovacuum would by the time anyone reads the month: plans need statistics.
  await pool.query('analyze');
  return { month, asOf, rows, ms: Date.now() - started };
}

/** `count` more tickets in the month, all still open at `asOf` (many overdue): the queue staff work from. */
export async function seedOpenBacklog(pool: pg.Pool, o: Omit<SeedOptions, 'calls' | 'tickets' | 'callbacks'> & { count: number }): Promise<SeedSummary> {
  const started = Date.now();
  const { month, asOf, calendar, counters } = await prepare(pool, o);
  // Another stream of the generator than seedMonth's, so that no uuid repeats.
  const r = new Random((o.seed ?? DEFAULTS.seed) * 7919 + 17);
  const tickets = ticketRows(r, new MonthProfile(month, 1.5), { count: o.count, mix: OPEN_STATUS_MIX, asOf, calendar, counters });
  const rows = {
    ...(await insertTickets(pool, tickets, counters)),
    deliveries: await insertRows(pool, 'notification_deliveries', DELIVERY_COLUMNS, deliveryRows(r, tickets.seeded)),
  };
  await pool.query('analyze tickets, ticket_history, notification_deliveries');
  return { month, asOf, rows, ms: Date.now() - started };
}

/** The instant of the default "as of": the first day of the next month, 10:00 local. */
export function defaultAsOf(month: Month): Date {
  return new Date(month.to.getTime() + 10 * 3600_000);
}

async function prepare(pool: pg.Pool, o: SeedOptions) {
  await migrate(pool, createLogger('silent'));
  const calendar = o.calendar ?? loadConfig({}).calendar;
  const month = parseMonth(o.month, calendar.timezone);
  const asOf = o.asOf ?? defaultAsOf(month);
  // References continue each day's sequence where the database left it.
  const { rows } = await pool.query(`select to_char(day, 'YYYY-MM-DD') as day, last from ticket_day_counters where day = any($1::date[])`, [month.days]);
  const counters = new Map<string, number>(rows.map((x) => [x.day as string, x.last as number]));
  return { month, asOf, calendar, counters };
}

async function insertTickets(pool: pg.Pool, t: ReturnType<typeof ticketRows>, counters: Map<string, number>): Promise<Record<string, number>> {
  const tickets = await insertRows(pool, 'tickets', TICKET_COLUMNS, t.tickets);
  // History in time order, as the application appends it (ids grow with time).
  const history = await insertRows(pool, 'ticket_history', HISTORY_COLUMNS, [...t.history].sort((a, b) => (a.at as Date).getTime() - (b.at as Date).getTime()));
  await pool.query(
    `insert into ticket_day_counters (day, last) select * from unnest($1::date[], $2::int[])
     on conflict (day) do update set last = greatest(ticket_day_counters.last, excluded.last)`,
    [[...counters.keys()], [...counters.values()]],
  );
  return { tickets, ticketHistory: history };
}

/** Multi-row inserts: one statement per batch, each column an array (insert … select from unnest). */
export async function insertRows(pool: pg.Pool, table: string, columns: Readonly<Record<string, string>>, rows: readonly Row[], batch = 5_000): Promise<number> {
  const names = Object.keys(columns);
  const sql = `insert into ${table} (${names.join(', ')}) select * from unnest(${names.map((n, i) => `$${i + 1}::${columns[n]}[]`).join(', ')})`;
  for (let i = 0; i < rows.length; i += batch) {
    const part = rows.slice(i, i + batch);
    await pool.query(sql, names.map((n) => part.map((row) => row[n] ?? null)));
  }
  return rows.length;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      month: { type: 'string' },
      calls: { type: 'string', default: String(DEFAULTS.calls) },
      tickets: { type: 'string', default: String(DEFAULTS.tickets) },
      callbacks: { type: 'string', default: String(DEFAULTS.callbacks) },
      'open-backlog': { type: 'string', default: '0' },
      seed: { type: 'string', default: String(DEFAULTS.seed) },
    },
  });
  const url = process.env.DATABASE_URL;
  if (!url || !values.month) throw new Error('usage: DATABASE_URL=postgres://… tsx bench/seed-month.ts --month YYYY-MM [--calls N] [--tickets N] [--callbacks N] [--open-backlog N] [--seed N]');
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  try {
    const seed = Number(values.seed);
    const s = await seedMonth(pool, { month: values.month, calls: Number(values.calls), tickets: Number(values.tickets), callbacks: Number(values.callbacks), seed });
    process.stdout.write(`seeded ${s.month.id} (as of ${s.asOf.toISOString()}) in ${s.ms} ms: ${JSON.stringify(s.rows)}\n`);
    const backlog = Number(values['open-backlog']);
    if (backlog > 0) {
      const b = await seedOpenBacklog(pool, { month: values.month, count: backlog, seed });
      process.stdout.write(`open backlog in ${b.ms} ms: ${JSON.stringify(b.rows)}\n`);
    }
  } finally {
    await pool.end();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  });
}
