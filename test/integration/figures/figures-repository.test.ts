import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../src/db/migrate.ts';
import { FiguresRepository } from '../../../src/figures/figures-repository.ts';
import { computeFigures } from '../../../src/figures/kpi.ts';
import { parseMonth } from '../../../src/figures/month.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { startPgCluster, type PgCluster } from '../../support/pg-cluster.ts';

/** The month's rows as the figures read them from PostgreSQL: local month bounds, first replies, surveys, callbacks. */
const log = createLogger('silent');
let cluster: PgCluster;
let pool: pg.Pool;
const NOV = parseMonth('2026-11', 'Asia/Shanghai');

async function call(startedAt: string, answeredAfterS: number | null, emergency: object | null = null) {
  const answered = answeredAfterS === null ? null : new Date(Date.parse(startedAt) + answeredAfterS * 1000).toISOString();
  await pool.query(
    `insert into calls (id, channel_id, direction, language, started_at, answered_at, emergency) values ($1, $2, 'inbound', 'zh-CN', $3, $4, $5)`,
    [randomUUID(), `chan-${randomUUID()}`, startedAt, answered, emergency],
  );
}

async function ticket(category: string, number: string, createdAt: string, deadline: string, statuses: Array<[string, string]>) {
  const id = randomUUID();
  await pool.query(
    `insert into tickets (id, reference, category, status, caller_number, language, accepted_at, deadline, recording_state, recording_name, created_at)
     values ($1, $2, $3, 'new', $4, 'zh-CN', $5, $6, 'stored', $7, $5)`,
    [id, `HL-${id.slice(0, 8)}`, category, number, createdAt, deadline, `voicemail-${id}`],
  );
  for (const [status, at] of statuses) {
    await pool.query(`insert into ticket_history (ticket_id, at, actor, action, from_value, to_value) values ($1, $2, 'sam', 'status', '"new"', $3)`, [id, at, JSON.stringify(status)]);
  }
  return id;
}

beforeAll(async () => {
  cluster = await startPgCluster();
  pool = new pg.Pool({ connectionString: cluster.url, max: 3 });
  await migrate(pool, log);
  // 31 Oct 23:30 local (15:30 UTC) is October; 1 Nov 00:10 local (31 Oct 16:10 UTC) is November; 1 Dec 00:10 local is December.
  await call('2026-10-31T15:30:00Z', 0);
  await call('2026-10-31T16:10:00Z', 0);
  await call('2026-11-30T16:10:00Z', 0);
  await call('2026-11-10T02:00:00Z', 75);
  await call('2026-11-10T03:00:00Z', 1, { requestedAt: '2026-11-10T03:00:05Z', acceptedAt: '2026-11-10T03:00:20Z', acceptSeconds: 15, attempts: [], abandonedAt: null, alerted: false, callbackCallId: null });
  await call('2026-11-11T03:00:00Z', 1, { requestedAt: '2026-11-11T03:00:05Z', acceptedAt: null, acceptSeconds: null, attempts: [], abandonedAt: '2026-11-11T03:00:30Z', alerted: true, callbackCallId: randomUUID() });
  // A complaint resolved in time, then reopened and closed later: its first resolution counts.
  const c1 = await ticket('complaint', '1500', '2026-11-02T01:00:00Z', '2026-11-03T01:00:00Z', [['in_progress', '2026-11-02T02:00:00Z'], ['resolved', '2026-11-02T05:00:00Z'], ['reopened', '2026-11-04T01:00:00Z'], ['closed', '2026-11-05T01:00:00Z']]);
  await ticket('complaint', '1500', '2026-11-03T01:00:00Z', '2026-11-04T01:00:00Z', []);
  await ticket('other', '1600', '2026-11-02T01:00:00Z', '2026-11-04T01:00:00Z', [['in_progress', '2026-11-02T02:00:00Z']]);
  const job = randomUUID();
  await pool.query(
    `insert into callback_jobs (id, kind, priority, number, ticket_id, status, due_at, max_attempts, created_by) values ($1, 'survey', 1, '1500', $2, 'done', now(), 3, 'test')`,
    [job, c1],
  );
  await pool.query(`insert into survey_responses (job_id, ticket_id, category, score, satisfied) values ($1, $2, 'complaint', 2, false)`, [job, c1]);
});

afterAll(async () => {
  await pool?.end();
  await cluster?.stop();
});

describe('the figures repository on PostgreSQL', () => {
  it('reads the calls of the local month only, with their emergencies', async () => {
    const rows = await new FiguresRepository(pool).month(NOV);
    expect(rows.calls).toHaveLength(4);
    const f = computeFigures(NOV, rows);
    expect(f.figures.find((x) => x.key === 'answerRate')).toMatchObject({ numerator: 3, denominator: 4 });
    expect(f.emergency).toEqual({ calls: 2, accepted: 1, acceptSeconds: { p50: 15, p90: 15, max: 15 }, abandoned: 1, calledBack: 1 });
    expect(f.days.find((d) => d.date === '2026-11-01')).toMatchObject({ calls: 1 });
  });

  it('takes the first resolution as the reply, and links surveys and callbacks to their tickets', async () => {
    const f = computeFigures(NOV, await new FiguresRepository(pool).month(NOV));
    const by = (key: string) => f.figures.find((x) => x.key === key)!;
    expect(by('complaintReplyRate')).toMatchObject({ numerator: 1, denominator: 2 });
    expect(by('complaintTimelyRate')).toMatchObject({ numerator: 1, denominator: 2 });
    expect(by('consultationReplyRate')).toMatchObject({ numerator: 0, denominator: 1, value: 0 });
    // The second complaint came while the first was resolved but rated unsatisfied: a repeat.
    expect(by('repeatComplaintRate')).toMatchObject({ numerator: 1, denominator: 1 });
    expect(by('complaintSatisfaction')).toMatchObject({ numerator: 0, denominator: 2, value: 0 });
    expect(by('complaintCallbackRate')).toMatchObject({ numerator: 1, denominator: 2 });
    expect(by('consultationSatisfaction')).toMatchObject({ value: null });
  });
});
