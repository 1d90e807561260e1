import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.ts';
import { migrate } from '../../../src/db/migrate.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { decideDial } from '../../../src/outbound/dial-rules.ts';
import { nextStep, type FinishEffects } from '../../../src/outbound/finish.ts';
import { JobRepository } from '../../../src/outbound/job-repository.ts';
import type { Job, NewJob } from '../../../src/outbound/job.ts';
import { OptOutList } from '../../../src/outbound/opt-outs.ts';
import { startPgCluster, type PgCluster } from '../../support/pg-cluster.ts';

const config = loadConfig({});
const calendar = config.calendar;
const outbound = config.outbound;
/** Local Shanghai wall time. */
const at = (local: string) => new Date(`${local}:00+08:00`);
const TUESDAY_10 = at('2026-11-24T10:00');

describe('the outbound queue on PostgreSQL', () => {
  let cluster: PgCluster | undefined;
  let pool: pg.Pool;
  let other: pg.Pool;
  let jobs: JobRepository;
  let optOuts: OptOutList;
  let n = 0;
  /** A number no other test uses. */
  const number = () => `1390000${String(++n).padStart(4, '0')}`;
  const enqueue = (j: Partial<NewJob> & { kind: NewJob['kind'] }, dueAt = TUESDAY_10) => jobs.enqueue({ number: number(), dueAt, ...j }, outbound.kinds[j.kind].attempts);
  const claimAt = (now: Date, limit = 50) => jobs.claim(limit, 60_000, now, (job, facts) => decideDial(job, facts, outbound, calendar, now));
  const mine = <C extends { job: Job }>(claimed: C[], ids: string[]) => claimed.filter((c) => ids.includes(c.job.id));

  beforeAll(async () => {
    cluster = await startPgCluster();
    pool = new pg.Pool({ connectionString: cluster.url, max: 6 });
    other = new pg.Pool({ connectionString: cluster.url, max: 6 });
    for (const p of [pool, other]) p.on('error', () => {});
    await migrate(pool, createLogger('silent'));
    jobs = new JobRepository(pool, calendar.timezone);
    optOuts = new OptOutList(pool);
  }, 60_000);

  beforeEach(async () => {
    // Every test sees only its own jobs as due.
    await pool.query(`update callback_jobs set status = 'cancelled' where status in ('pending', 'dialing')`);
  });

  afterAll(async () => {
    await pool?.end();
    await other?.end();
    await cluster?.stop();
  });

  it('says when the next job is due: none pending is null (not "now"), a late one 0, a later one its wait', async () => {
    expect(await jobs.msUntilNextDue(TUESDAY_10)).toBeNull();
    const job = await enqueue({ kind: 'survey' });
    await pool.query('update callback_jobs set due_at = $2 where id = $1', [job!.id, new Date(TUESDAY_10.getTime() + 90_000)]);
    expect(await jobs.msUntilNextDue(TUESDAY_10)).toBe(90_000);
    expect(await jobs.msUntilNextDue(new Date(TUESDAY_10.getTime() + 100_000))).toBe(0);
  });

  it('queues a job once per dedupe key', async () => {
    const key = `repair-confirmation:${randomUUID()}`;
    const first = await enqueue({ kind: 'repair-confirmation', dedupeKey: key });
    expect(first).toMatchObject({ status: 'pending', attempts: 0, maxAttempts: 3, priority: 30 });
    expect(await enqueue({ kind: 'repair-confirmation', dedupeKey: key })).toBeNull();
  });

  it('claims the emergency callback first, writes the attempt before the call, and marks the job dialing', async () => {
    const survey = await enqueue({ kind: 'survey' });
    const emergency = await enqueue({ kind: 'emergency-callback' });
    const { claimed } = await claimAt(TUESDAY_10, 1);
    expect(claimed.map((c) => c.job.id)).toEqual([emergency!.id]);
    expect(claimed[0]!.job).toMatchObject({ status: 'dialing', attempts: 1 });
    const attempt = await jobs.attempt(claimed[0]!.attempt.id);
    expect(attempt?.attempt).toMatchObject({ state: 'dialing', attempt: 1, number: emergency!.number });
    expect((await jobs.get(survey!.id))?.job.status).toBe('pending');
  });

  it('a job due at 21:00 local waits until 09:00 the next day; on a holiday until the next day that is not one', async () => {
    const evening = await enqueue({ kind: 'repair-confirmation' }, at('2026-11-24T21:00'));
    expect(mine((await claimAt(at('2026-11-24T21:00'))).claimed, [evening!.id])).toEqual([]);
    expect((await jobs.get(evening!.id))?.job.dueAt).toBe(at('2026-11-25T09:00').toISOString());
    // 30 September 21:00: 1–7 October are the National Day holidays (config/hotline.yaml).
    const beforeHoliday = await enqueue({ kind: 'survey' }, at('2026-09-30T21:00'));
    await claimAt(at('2026-09-30T21:00'));
    expect((await jobs.get(beforeHoliday!.id))?.job.dueAt).toBe(at('2026-10-08T09:00').toISOString());
    // The emergency callback knows no window.
    const night = await enqueue({ kind: 'emergency-callback' }, at('2026-10-02T03:00'));
    expect(mine((await claimAt(at('2026-10-02T03:00'))).claimed, [night!.id])).toHaveLength(1);
  });

  it('an opt-out ends queued jobs of the number at once and any job of it at dial time, but not an emergency callback', async () => {
    const queued = await enqueue({ kind: 'survey' });
    const emergency = await jobs.enqueue({ kind: 'emergency-callback', number: queued!.number, dueAt: TUESDAY_10 }, 3);
    await optOuts.add(queued!.number, 'callee', 'callee');
    expect((await jobs.get(queued!.id))?.job.status).toBe('opted-out');
    const later = await jobs.enqueue({ kind: 'missed-call', number: queued!.number, dueAt: TUESDAY_10 }, 3);
    const { claimed } = await claimAt(TUESDAY_10);
    expect(claimed.map((c) => c.job.id)).toEqual([emergency!.id]);
    expect((await jobs.get(later!.id))?.job).toMatchObject({ status: 'opted-out', result: 'opted-out' });
  });

  it('calls one number at most twice a day: the third job waits for the next day', async () => {
    const num = number();
    const a = await jobs.enqueue({ kind: 'survey', number: num, dueAt: TUESDAY_10 }, 3);
    const b = await jobs.enqueue({ kind: 'repair-confirmation', number: num, dueAt: TUESDAY_10 }, 3);
    const c = await jobs.enqueue({ kind: 'missed-call', number: num, dueAt: TUESDAY_10 }, 3);
    const ids = [a!.id, b!.id, c!.id];
    expect(mine((await claimAt(TUESDAY_10, 1)).claimed, ids)).toHaveLength(1);
    expect(mine((await claimAt(TUESDAY_10, 1)).claimed, ids)).toHaveLength(1);
    expect(mine((await claimAt(TUESDAY_10)).claimed, ids)).toEqual([]);
    const waiting = (await Promise.all(ids.map((id) => jobs.get(id)))).find((x) => x!.job.status === 'pending')!;
    expect(waiting.job.dueAt).toBe(at('2026-11-25T09:00').toISOString());
  });

  it('never more calls at once than maxConcurrent', async () => {
    const queued = await Promise.all(Array.from({ length: outbound.maxConcurrent + 3 }, () => enqueue({ kind: 'survey' })));
    const { claimed } = await claimAt(TUESDAY_10, 100);
    expect(mine(claimed, queued.map((j) => j!.id))).toHaveLength(outbound.maxConcurrent);
  });

  it('claims by two processes at once: every job is claimed exactly once, its attempt named after the claiming node', async () => {
    const queued = await Promise.all(Array.from({ length: 8 }, () => enqueue({ kind: 'emergency-callback' })));
    const otherNode = new JobRepository(other, calendar.timezone, 'node-b');
    const rounds = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? otherNode : jobs).claim(2, 60_000, TUESDAY_10, (job, facts) => decideDial(job, facts, outbound, calendar, TUESDAY_10))),
    );
    const ours = (ids: string[]) => ids.filter((id) => queued.some((q) => q!.id === id)).sort();
    const ids = ours(rounds.flatMap((r) => r.claimed.map((c) => c.job.id)));
    expect(ids).toEqual(queued.map((q) => q!.id).sort());
    // Each node's recovery sees only its own open attempts: the other's calls are in the other's Asterisk.
    const byB = ours(rounds.filter((_, i) => i % 2).flatMap((r) => r.claimed.map((c) => c.job.id)));
    expect(ours((await jobs.openAttempts(['node-b'])).map((c) => c.job.id))).toEqual(byB);
    expect(ours((await jobs.openAttempts([''])).map((c) => c.job.id))).toEqual(ids.filter((id) => !byB.includes(id)));
  });

  describe('after an attempt', () => {
    const history: string[] = [];
    const effects: FinishEffects = {
      reopenTicket: async () => void history.push('reopen'),
      confirmed: async () => void history.push('confirmed'),
      optOut: async (c, job) => optOuts.add(job.number, 'callee', 'callee', null, c),
      surveyed: async () => void history.push('surveyed'),
      unreachable: async () => void history.push('unreachable'),
    };
    const finish = async (attemptId: string, outcome: Parameters<JobRepository['finish']>[1], now: Date, answers = {}) =>
      jobs.finish(attemptId, outcome, null, answers, now, (c, j, a) => nextStep(c, j, a, outcome, effects, outbound, calendar, now));

    it('no answer and busy: retried 2 h later (the third call, over the 2 a day, the next morning); the third failure ends unreachable', async () => {
      const job = await enqueue({ kind: 'repair-confirmation' });
      let now = TUESDAY_10;
      for (const outcome of ['no-answer', 'busy'] as const) {
        const [c] = mine((await claimAt(now)).claimed, [job!.id]);
        const done = await finish(c!.attempt.id, outcome, now);
        expect(done?.job).toMatchObject({ status: 'pending', dueAt: new Date(now.getTime() + 2 * 3600_000).toISOString() });
        expect(done?.attempt).toMatchObject({ state: 'ended', outcome });
        now = new Date(now.getTime() + 2 * 3600_000);
      }
      expect(mine((await claimAt(now)).claimed, [job!.id])).toEqual([]);
      const nextMorning = at('2026-11-25T09:00');
      expect((await jobs.get(job!.id))?.job.dueAt).toBe(nextMorning.toISOString());
      const [third] = mine((await claimAt(nextMorning)).claimed, [job!.id]);
      const done = await finish(third!.attempt.id, 'no-answer', nextMorning);
      expect(done?.job).toMatchObject({ status: 'unreachable', result: 'unreachable', attempts: 3 });
      expect(history).toContain('unreachable');
      expect((await jobs.get(job!.id))?.attempts.map((a) => a.outcome)).toEqual(['no-answer', 'busy', 'no-answer']);
    });

    it('answered without a key is not a person reached: tried again', async () => {
      const job = await enqueue({ kind: 'survey' });
      const [c] = mine((await claimAt(TUESDAY_10)).claimed, [job!.id]);
      expect((await finish(c!.attempt.id, 'no-input', TUESDAY_10))?.job.status).toBe('pending');
    });

    it('answers decide the end: solved, not solved, a score, 8 for later, 9 for no more calls', async () => {
      const cases = [
        [{ kind: 'repair-confirmation' as const }, { confirm: 'solved' }, { status: 'done', result: 'confirmed' }],
        [{ kind: 'repair-confirmation' as const }, { confirm: 'not-solved' }, { status: 'done', result: 'not-solved' }],
        [{ kind: 'survey' as const }, { score: 4 }, { status: 'done', result: 'surveyed' }],
        [{ kind: 'survey' as const }, { later: true }, { status: 'pending', result: 'call-later' }],
        [{ kind: 'missed-call' as const }, { optOut: true }, { status: 'opted-out', result: 'opted-out' }],
      ] as const;
      for (const [j, answers, expected] of cases) {
        const job = await enqueue(j);
        const [c] = mine((await claimAt(TUESDAY_10)).claimed, [job!.id]);
        const done = await finish(c!.attempt.id, 'answered', TUESDAY_10, { keyed: true, ...answers });
        expect(done?.job, JSON.stringify(answers)).toMatchObject(expected);
        expect(done?.attempt.answers).toMatchObject(answers);
      }
      expect(history).toEqual(expect.arrayContaining(['confirmed', 'reopen', 'surveyed']));
    });

    it('an attempt is ended once: a second finish (a retry after a lost connection) changes nothing', async () => {
      const job = await enqueue({ kind: 'survey' });
      const [c] = mine((await claimAt(TUESDAY_10)).claimed, [job!.id]);
      expect(await finish(c!.attempt.id, 'busy', TUESDAY_10)).not.toBeNull();
      expect(await finish(c!.attempt.id, 'busy', TUESDAY_10)).toBeNull();
      expect((await jobs.get(job!.id))?.job.attempts).toBe(1);
    });
  });
});
