import cron, { type ScheduledTask } from 'node-cron';
import type pg from 'pg';
import { inTransaction } from '../db/transaction.ts';
import type { Worker } from '../feature.ts';
import type { Logger } from '../logging/logger.ts';
import type { MonthlyReportPayload } from '../notify/index.ts';
import type { MonthlyReports } from './monthly-reports.ts';
import { previousMonth } from './month.ts';
import { reportCsv, reportLines } from './report.ts';

/** How long a claim holds: a node that died while making the report leaves it to another after this. */
export const CLAIM_MS = 10 * 60_000;

export interface MonthEndOptions {
  pool: pg.Pool;
  reports: MonthlyReports;
  /** Sends the report through the outbox, in the transaction that marks it done. */
  send: (report: MonthlyReportPayload, client: pg.PoolClient) => Promise<void>;
  /** Who claims (the node): the row says which node made the report. */
  node: string;
  timeZone: string;
  to: string[];
  log: Logger;
}

/**
 * The month-end report (CB-03, RPT-01): after each month end, the previous
 * month's figures are made once and sent to the supervisors through the
 * notification outbox. Several nodes may run this at the same moment: the
 * month is claimed with one insert (the primary key lets one node win), and a
 * claim older than CLAIM_MS (its node died) is taken over. Marking the report
 * done and enqueueing its e-mail happen in one transaction, and the outbox is
 * unique per month, so a takeover never sends it twice.
 */
export class MonthEnd {
  constructor(private readonly o: MonthEndOptions) {}

  /** Makes the report of the month before `now` unless it exists; returns the month when this call made it. */
  async run(now: Date): Promise<string | null> {
    const month = previousMonth(now, this.o.timeZone);
    const { rows } = await this.o.pool.query(
      `insert into monthly_reports (month, state, claimed_by, claimed_at) values ($1, 'generating', $2, $3)
       on conflict (month) do update set claimed_by = excluded.claimed_by, claimed_at = excluded.claimed_at
         where monthly_reports.state = 'generating' and monthly_reports.claimed_at < $4
       returning month`,
      [month, this.o.node, now, new Date(now.getTime() - CLAIM_MS)],
    );
    if (rows.length === 0) return null; // made already, or being made by another node right now
    const figures = await this.o.reports.figures(month);
    const report: MonthlyReportPayload = {
      type: 'hotline.monthly-report', month, to: this.o.to, lines: reportLines(figures), csv: reportCsv(figures), path: `/api/reports/monthly?month=${month}`,
    };
    const done = await inTransaction(this.o.pool, async (c) => {
      // Still ours? A node that took over a claim we held too long has sent it (or will).
      const res = await c.query(
        `update monthly_reports set state = 'done', generated_at = $3, figures = $4 where month = $1 and claimed_by = $2 and state = 'generating'`,
        [month, this.o.node, now, JSON.stringify(figures)],
      );
      if (res.rowCount === 0) return false;
      await this.o.send(report, c);
      return true;
    });
    if (done) this.o.log.info({ month }, 'monthly report made and queued for the supervisors');
    return done ? month : null;
  }
}

/** At start (a service down over the 1st catches up) and on each schedule, in the hotline's time zone. */
export function monthEndWorker(monthEnd: MonthEnd, o: { schedule: string; timezone: string; now: () => Date; whenReady: Promise<void>; log: Logger }): Worker {
  let task: ScheduledTask | null = null;
  let running: Promise<unknown> = Promise.resolve();
  const run = () => {
    running = running
      .then(() => monthEnd.run(o.now()))
      .catch((err: unknown) => o.log.error({ err }, 'monthly report not made (tried again at start and at the next schedule)'));
    return running;
  };
  return {
    name: 'month-end report',
    start: () => {
      void o.whenReady.then(run, () => undefined);
      task = cron.createTask(o.schedule, run, { name: 'month-end report', timezone: o.timezone, noOverlap: true });
      void task.start();
    },
    stop: async () => {
      await task?.destroy();
      task = null;
      await running;
    },
  };
}
