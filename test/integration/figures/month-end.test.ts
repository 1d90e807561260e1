import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../src/db/migrate.ts';
import { FiguresRepository } from '../../../src/figures/figures-repository.ts';
import { MonthEnd, monthEndWorker } from '../../../src/figures/month-end.ts';
import { MonthlyReports } from '../../../src/figures/monthly-reports.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { NotificationOutbox } from '../../../src/notify/index.ts';
import { createClock } from '../../../src/time/clock.ts';
import { eventually } from '../../support/eventually.ts';
import { testSettings } from '../../support/notify-helpers.ts';
import { startPgCluster, type PgCluster } from '../../support/pg-cluster.ts';
import { parseMessage, startSmtpServer, type ReceivedMail, type TestSmtpServer } from '../notify/smtp-helpers.ts';

/**
 * The month-end report on a real PostgreSQL and a real SMTP server: made once
 * per month however many nodes try at the same moment, taken over from a node
 * that died while making it, sent through the outbox with the figures as CSV.
 */
const log = createLogger('silent');
const TZ = 'Asia/Shanghai';
const TO = ['chief@example.test'];
let cluster: PgCluster;
let pool: pg.Pool;
let smtp: TestSmtpServer;
let outbox: NotificationOutbox;

const monthEnd = (node: string) =>
  new MonthEnd({
    pool, node, timeZone: TZ, to: TO, log,
    reports: new MonthlyReports({ repository: new FiguresRepository(pool), timeZone: TZ, clock: createClock(undefined) }),
    send: async (report, client) => void (await outbox.notify({ event: 'report.monthly', report }, client)),
  });
/** The decoded parts of a multipart mail (the text, the attachment). */
function parts(m: ReceivedMail) {
  const boundary = /boundary="?([^";]+)"?/.exec(m.headers.get('content-type') ?? '')?.[1];
  if (!boundary) throw new Error('not a multipart mail');
  const body = m.raw.slice(m.raw.indexOf('\r\n\r\n') + 4);
  return body.split(`--${boundary}`).slice(1, -1).map((p) => parseMessage(p.replace(/^\r\n/, '')));
}
const reportMails = (month: string) => smtp.mails.filter((m) => m.headers.get('x-hotline-report') === month);

beforeAll(async () => {
  cluster = await startPgCluster();
  pool = new pg.Pool({ connectionString: cluster.url, max: 6 });
  await migrate(pool, log);
  smtp = await startSmtpServer();
  const settings = testSettings({
    email: { host: '127.0.0.1', port: smtp.port, secure: false, from: 'Gas hotline <hotline@example.test>', to: ['desk@example.test'], maxAttempts: 3, timeoutMs: 3_000, publicBaseUrl: 'http://hotline.example.test' },
  });
  outbox = new NotificationOutbox({ pool, log, settings });
  outbox.start();
  // One November call answered in 5 s: the answer rate is 1/1.
  await pool.query(
    `insert into calls (id, channel_id, direction, language, started_at, answered_at) values (gen_random_uuid(), 'c1', 'inbound', 'zh-CN', '2026-11-10T02:00:00Z', '2026-11-10T02:00:05Z')`,
  );
});

afterAll(async () => {
  try {
    await outbox?.stop(2_000);
    await smtp?.close();
    await pool?.end();
  } finally {
    await cluster?.stop();
  }
});

describe('the month-end report', () => {
  it('is made once when three nodes try at the same moment, and mailed once with the figures', async () => {
    const at = new Date('2026-12-01T07:00:00+08:00');
    const made = await Promise.all(['node-a', 'node-b', 'node-c'].map((n) => monthEnd(n).run(at)));
    expect(made.filter((m) => m === '2026-11')).toHaveLength(1);
    expect(made.filter((m) => m === null)).toHaveLength(2);
    const row = (await pool.query(`select state, claimed_by, figures from monthly_reports where month = '2026-11'`)).rows[0];
    expect(row.state).toBe('done');
    expect(['node-a', 'node-b', 'node-c']).toContain(row.claimed_by);
    expect(row.figures.figures.find((f: { key: string }) => f.key === 'answerRate')).toMatchObject({ numerator: 1, denominator: 1 });

    await eventually(() => reportMails('2026-11').length > 0, 'the 2026-11 report mail');
    expect(reportMails('2026-11')).toHaveLength(1);
    const mail = reportMails('2026-11')[0]!;
    expect(mail.rcptTo).toEqual(TO);
    expect(mail.headers.get('subject')).toContain('2026-11');
    const [text, csv] = parts(mail);
    expect(text!.text).toMatch(/KPI-01 Answer rate \/ 热线接通率: 100\.0 % \(1\/1\), target ≥ 90 %, met/);
    expect(text!.text).toContain('http://hotline.example.test/api/reports/monthly?month=2026-11&format=pdf');
    expect(csv!.headers.get('content-disposition')).toContain('hotline-report-2026-11.csv');
    expect(csv!.text).toMatch(/^2026-11,KPI-01,Answer rate,1,1,1\.0000/m);

    // Later runs (the schedule again, a restart) make and send nothing more.
    expect(await monthEnd('node-a').run(new Date('2026-12-15T07:00:00+08:00'))).toBeNull();
    await new Promise((r) => setTimeout(r, 300));
    expect(reportMails('2026-11')).toHaveLength(1);
  });

  it('takes over a month whose node died while making it, but not one being made right now', async () => {
    const at = new Date('2026-11-01T07:00:00+08:00'); // October's report
    await pool.query(`insert into monthly_reports (month, state, claimed_by, claimed_at) values ('2026-10', 'generating', 'dead-node', $1)`, [new Date(at.getTime() - 60_000)]);
    expect(await monthEnd('node-a').run(at)).toBeNull();
    expect(await monthEnd('node-a').run(new Date(at.getTime() + 11 * 60_000))).toBe('2026-10');
    expect((await pool.query(`select state, claimed_by from monthly_reports where month = '2026-10'`)).rows[0]).toEqual({ state: 'done', claimed_by: 'node-a' });
    await eventually(() => reportMails('2026-10').length > 0, 'the 2026-10 report mail');
    expect(reportMails('2026-10')).toHaveLength(1);
  });

  it('catches up at start: a service down over the 1st still makes the report when it comes back', async () => {
    const worker = monthEndWorker(monthEnd('node-b'), { schedule: '0 7 1 * *', timezone: TZ, now: () => new Date('2026-10-03T12:00:00+08:00'), whenReady: Promise.resolve(), log });
    await worker.start();
    try {
      await eventually(() => reportMails('2026-09').length > 0, 'the 2026-09 report mail');
    expect(reportMails('2026-09')).toHaveLength(1);
    } finally {
      await worker.stop();
    }
    expect((await pool.query(`select claimed_by from monthly_reports where month = '2026-09'`)).rows[0].claimed_by).toBe('node-b');
  });
});
