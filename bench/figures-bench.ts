/**
 * `npm run bench:figures` (issue 12, "Measured, not asserted"): seeds a month
 * of realistic data (bench/seed-month.ts: 100,000 calls, 10,000 tickets,
 * 5,000 callbacks by default) and prints
 *  (a) how long the month's figures take (FiguresRepository.month, the load,
 *      plus computeFigures, as MonthlyReports.figures does): target < 1 s;
 *  (b) how long the console's ticket page takes to serve with 10,000 open
 *      tickets: the request it makes (GET /api/tickets?limit=200, the console
 *      sorts overdue first itself), one after the other and several at once,
 *      the overdue filter and one ticket's detail: target p99 < 100 ms.
 *
 *   npm run bench:figures -- [--month 2026-11] [--runs 20] [--requests 500] [--concurrency 8]
 *                            [--calls 100000] [--tickets 10000] [--callbacks 5000] [--open 10000]
 *
 * On DATABASE_URL when set (seeded unless the month already has calls; a
 * backlog of open tickets is added up to --open), otherwise on a throwaway
 * PostgreSQL cluster on 127.0.0.1 that is removed at the end.
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../src/config/load-config.ts';
import { FiguresRepository } from '../src/figures/figures-repository.ts';
import { computeFigures } from '../src/figures/kpi.ts';
import { parseMonth } from '../src/figures/month.ts';
import { startPgCluster, type PgCluster } from '../test/support/pg-cluster.ts';
import { percentile } from './asterisk-log-timing.ts';
import { defaultAsOf, DEFAULTS, seedMonth, seedOpenBacklog } from './seed-month.ts';
import { httpLoad } from './http-load.ts';
import { startTicketApi, type TicketApi } from './ticket-api-app.ts';

interface Line {
  name: string;
  ms: number[];
  /** The percentile the target is about, and its bound in ms. */
  target?: { p: 'p50' | 'p99' | 'max'; ms: number };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      month: { type: 'string', default: '2026-11' },
      runs: { type: 'string', default: '20' },
      requests: { type: 'string', default: '500' },
      concurrency: { type: 'string', default: '8' },
      calls: { type: 'string', default: String(DEFAULTS.calls) },
      tickets: { type: 'string', default: String(DEFAULTS.tickets) },
      callbacks: { type: 'string', default: String(DEFAULTS.callbacks) },
      open: { type: 'string', default: '10000' },
    },
  });
  const o = {
    month: values.month, runs: Number(values.runs), requests: Number(values.requests), concurrency: Number(values.concurrency),
    calls: Number(values.calls), tickets: Number(values.tickets), callbacks: Number(values.callbacks), open: Number(values.open),
  };
  let cluster: PgCluster | null = null;
  let pool: pg.Pool | null = null;
  let api: TicketApi | null = null;
  try {
    if (!process.env.DATABASE_URL) process.stderr.write('starting a throwaway PostgreSQL on 127.0.0.1 …\n');
    cluster = process.env.DATABASE_URL ? null : await startPgCluster();
    // The service's own pool size (src/db/database.ts).
    pool = new pg.Pool({ connectionString: process.env.DATABASE_URL ?? cluster!.url, max: 10 });
    const month = parseMonth(o.month, loadConfig({}).calendar.timezone);
    const asOf = defaultAsOf(month);
    const migrated = (await pool.query(`select to_regclass('calls') is not null as t`)).rows[0].t;
    if (migrated && (await pool.query(`select 1 from calls where started_at >= $1 and started_at < $2 limit 1`, [month.from, month.to])).rowCount) {
      process.stderr.write(`${o.month} has calls already: measuring the data that is there\n`);
    } else {
      process.stderr.write(`seeding ${o.month}: ${o.calls} calls, ${o.tickets} tickets, ${o.callbacks} callbacks …\n`);
      const s = await seedMonth(pool, { month: o.month, calls: o.calls, tickets: o.tickets, callbacks: o.callbacks });
      process.stderr.write(`seeded in ${(s.ms / 1000).toFixed(1)} s: ${JSON.stringify(s.rows)}\n`);
    }
    // What is measured, from the database itself (it may have been seeded before, with other counts).
    const seeded = (await pool.query(
      `select (select count(*) from calls where started_at >= $1 and started_at < $2)::int as calls,
              (select count(*) from tickets where created_at >= $1 and created_at < $2)::int as tickets,
              (select count(*) from callback_jobs)::int as callbacks`,
      [month.from, month.to],
    )).rows[0] as { calls: number; tickets: number; callbacks: number };
    const lines: Line[] = [];

    // (a) The month's figures, as MonthlyReports.figures computes them; the load and the count apart.
    process.stderr.write(`(a) the month's figures, ${o.runs} runs …\n`);
    const repository = new FiguresRepository(pool);
    const total: number[] = [], reads: number[] = [], compute: number[] = [];
    for (let i = -2; i < o.runs; i++) {
      const t0 = performance.now();
      const rows = await repository.month(month);
      const t1 = performance.now();
      computeFigures(month, rows);
      const t2 = performance.now();
      // Two warm-up runs: the first reads the tables from disk into the cache.
      if (i < 0) continue;
      total.push(t2 - t0), reads.push(t1 - t0), compute.push(t2 - t1);
    }
    lines.push({ name: 'monthly figures (load + compute)', ms: total, target: { p: 'max', ms: 1000 } });
    lines.push({ name: '  load: FiguresRepository.month', ms: reads }, { name: '  compute: computeFigures', ms: compute });

    // (b) The console's ticket page with the open backlog the issue asks for.
    const open = async () => (await pool!.query(`select count(*)::int as n from tickets where status not in ('resolved', 'closed')`)).rows[0].n as number;
    const missing = o.open - (await open());
    if (missing > 0) {
      process.stderr.write(`adding ${missing} open tickets …\n`);
      await seedOpenBacklog(pool, { month: o.month, count: missing });
    }
    const openTickets = await open();
    const allTickets = (await pool.query(`select count(*)::int as n from tickets`)).rows[0].n as number;
    api = await startTicketApi(pool, asOf);
    const load = (paths: string[], requests: number, concurrency = 1) => httpLoad({ base: api!.url, token: api!.token, paths, requests, concurrency });
    const page = `/api/tickets?${new URLSearchParams({ limit: '200' })}`;
    process.stderr.write(`(b) ${page} with ${openTickets} open tickets (${allTickets} in all), ${o.requests} requests …\n`);
    await load([page], 50, 2); // warm-up: connections, plans, the JIT of the serializers
    const p99 = { p: 'p99', ms: 100 } as const;
    lines.push({ name: `ticket page ${page}, one at a time`, ms: await load([page], o.requests), target: p99 });
    lines.push({ name: `  the same, ${o.concurrency} at a time`, ms: await load([page], o.requests, o.concurrency), target: p99 });
    const overdue = `/api/tickets?${new URLSearchParams({ limit: '200', overdue: 'true' })}`;
    lines.push({ name: `  overdue filter ${overdue}`, ms: await load([overdue], o.requests), target: p99 });
    const { rows: refs } = await pool.query(`select reference from tickets where status not in ('resolved', 'closed') order by md5(reference) limit 200`);
    lines.push({ name: 'ticket detail GET /api/tickets/:ref', ms: await load(refs.map((x) => `/api/tickets/${x.reference}`), o.requests), target: p99 });
    lines.push({ name: 'GET /api/figures/monthly (HTTP, JSON)', ms: await load([`/api/figures/monthly?month=${o.month}`], Math.max(5, Math.floor(o.runs / 2))), target: { p: 'max', ms: 1000 } });

    const pgVersion = (await pool.query('show server_version')).rows[0].server_version;
    process.stdout.write(report(lines, `figures benchmark ${new Date().toISOString()}: ${o.month} with ${seeded.calls} calls, ${seeded.tickets} tickets, ${seeded.callbacks} callbacks; `
      + `${openTickets} open tickets (${allTickets} in all); ${cpus().length} cores (${cpus()[0]?.model.trim()}), PostgreSQL ${pgVersion}, Node ${process.versions.node}`));
  } finally {
    await api?.stop().catch(() => undefined);
    await pool?.end().catch(() => undefined);
    await cluster?.stop();
  }
}

function report(lines: Line[], title: string): string {
  const f = (v: number | null) => (v === null ? '-' : v >= 100 ? v.toFixed(0) : v.toFixed(1));
  const head = ['measurement (ms)', 'n', 'min', 'p50', 'p99', 'max', 'target', 'met'];
  const rows = lines.map((l) => {
    const stats = { min: Math.min(...l.ms), p50: percentile(l.ms, 50)!, p99: percentile(l.ms, 99)!, max: Math.max(...l.ms) };
    const met = l.target ? (stats[l.target.p] < l.target.ms ? 'yes' : 'NO') : '';
    return [l.name, String(l.ms.length), f(stats.min), f(stats.p50), f(stats.p99), f(stats.max), l.target ? `${l.target.p} < ${l.target.ms}` : '', met];
  });
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join('  ');
  return ['', title, '', fmt(head), ...rows.map(fmt), ''].join('\n');
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
