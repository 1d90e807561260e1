import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { DialDecision, DialFacts } from './dial-rules.ts';
import { inTransaction, type Queryable } from '../db/transaction.ts';
import { attemptFromRow, jobFromRow } from './job-rows.ts';
import { PRIORITY, type Answers, type Attempt, type AttemptOutcome, type Job, type JobKind, type JobStatus, type NewJob } from './job.ts';

/** A job claimed for one attempt: its row says 'dialing' and the attempt row exists before the call is placed. */
export interface Claimed {
  job: Job;
  attempt: Attempt;
}

export interface JobFilter {
  status?: readonly JobStatus[];
  kind?: readonly JobKind[];
  ticketId?: string;
  number?: string;
  limit: number;
  offset: number;
}

/**
 * The queue's SQL (migration 007). A claim is one transaction: due jobs are
 * locked with FOR UPDATE SKIP LOCKED (another node's claim skips them), the
 * rules are checked against what the database says now, and each job to dial
 * gets its attempt row (id = the channel id of the call to come) before the
 * transaction commits and the call is placed.
 */
export class JobRepository {
  constructor(
    readonly pool: pg.Pool,
    /** The calendar's zone: "today" for the cap per number is the local day. */
    private readonly timeZone: string,
    /** The node placing the attempts it claims (callback_attempts.node_id). */
    private readonly nodeId = '',
  ) {}

  /** Queues a job; null when its dedupe key exists already (nothing is queued twice). */
  async enqueue(j: NewJob, maxAttempts: number, db: Queryable = this.pool): Promise<Job | null> {
    const { rows } = await db.query(
      `insert into callback_jobs (id, kind, priority, number, language, ticket_id, call_id, category, due_at, max_attempts, dedupe_key, created_by)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       on conflict (dedupe_key) do nothing returning *`,
      [randomUUID(), j.kind, PRIORITY[j.kind], j.number, j.language ?? 'zh-CN', j.ticketId ?? null, j.callId ?? null, j.category ?? null,
        (j.dueAt ?? new Date()).toISOString(), maxAttempts, j.dedupeKey ?? null, j.createdBy ?? 'hotline'],
    );
    return rows[0] ? jobFromRow(rows[0]) : null;
  }

  /**
   * Claims up to `limit` due jobs for one attempt each. `decide` says per job
   * (with the facts gathered here) whether to dial, wait or cancel; emergency
   * callbacks come first.
   */
  async claim(
    limit: number,
    leaseMs: number,
    now: Date,
    decide: (job: Job, facts: DialFacts) => DialDecision,
  ): Promise<{ claimed: Claimed[]; waited: number; cancelled: Array<{ job: Job; why: string }> }> {
    return inTransaction(this.pool, async (c) => {
      // The service's clock, not the database's: due times are written by it (HOTLINE_NOW in tests and demos).
      const { rows } = await c.query(
        `select * from callback_jobs where status = 'pending' and due_at <= $2
          order by priority desc, due_at limit $1 for update skip locked`,
        [limit, now],
      );
      let inProgress = Number((await c.query(`select count(*)::int as n from callback_jobs where status = 'dialing'`)).rows[0].n);
      const claimed: Claimed[] = [];
      let waited = 0;
      const cancelled: Array<{ job: Job; why: string }> = [];
      for (const row of rows) {
        const job = jobFromRow(row);
        const decision = decide(job, await this.facts(c, job, inProgress, now));
        if (decision.kind === 'wait') {
          waited++;
          if (decision.until) await c.query(`update callback_jobs set due_at = $2, updated_at = now() where id = $1`, [job.id, decision.until]);
          continue;
        }
        if (decision.kind === 'cancel') {
          cancelled.push({ job, why: decision.why });
          await c.query(`update callback_jobs set status = $2, result = $2, result_detail = $3, updated_at = now() where id = $1`, [
            job.id, decision.status, JSON.stringify({ why: decision.why }),
          ]);
          continue;
        }
        const attemptNo = job.attempts + 1;
        const { rows: a } = await c.query(
          `insert into callback_attempts (id, job_id, attempt, number, started_at, node_id) values ($1, $2, $3, $4, $5, $6) returning *`,
          [randomUUID(), job.id, attemptNo, job.number, now, this.nodeId],
        );
        const { rows: j } = await c.query(
          `update callback_jobs set status = 'dialing', attempts = $2, lease_until = $3, updated_at = now()
            where id = $1 returning *`,
          [job.id, attemptNo, new Date(now.getTime() + leaseMs)],
        );
        claimed.push({ job: jobFromRow(j[0]), attempt: attemptFromRow(a[0]) });
        inProgress++;
      }
      return { claimed, waited, cancelled };
    });
  }

  private async facts(c: pg.PoolClient, job: Job, inProgress: number, now: Date): Promise<DialFacts> {
    const optedOut = (await c.query('select 1 from callback_opt_outs where number = $1', [job.number])).rowCount! > 0;
    const today = await c.query(
      `select count(*)::int as n from callback_attempts
        where number = $1 and started_at >= date_trunc('day', $3::timestamptz at time zone $2) at time zone $2 and started_at <= $3`,
      [job.number, this.timeZone, now],
    );
    let ticketStatus: string | null | undefined;
    if (job.ticketId) ticketStatus = (await c.query('select status from tickets where id = $1', [job.ticketId])).rows[0]?.status ?? null;
    let gotThroughSince = false;
    if (job.kind === 'missed-call') {
      const { rowCount } = await c.query(
        `select 1 from calls where caller_number = $1 and started_at > $2 and outcome in ('transferred', 'voicemail', 'emergency-accepted') limit 1`,
        [job.number, job.createdAt],
      );
      gotThroughSince = (rowCount ?? 0) > 0;
    }
    return { optedOut, callsToNumberToday: today.rows[0].n, ...(ticketStatus !== undefined ? { ticketStatus } : {}), gotThroughSince, inProgress };
  }

  /** A person picked up; the call runs its flow now. */
  async answered(attemptId: string, callId: string, at: Date): Promise<void> {
    await this.pool.query(`update callback_attempts set state = 'answered', answered_at = coalesce(answered_at, $3), call_id = $2 where id = $1`, [attemptId, callId, at]);
  }

  /** Adds what the callee keyed to the attempt, as it happens (kept if the call drops). */
  async recordAnswers(attemptId: string, answers: Answers, db: Queryable = this.pool): Promise<void> {
    await db.query(`update callback_attempts set answers = answers || $2::jsonb where id = $1`, [attemptId, JSON.stringify(answers)]);
  }

  /**
   * Ends an attempt and moves its job on, in one transaction: `next` decides
   * (and writes ticket changes, opt-outs, survey answers on the same client).
   * Ending an attempt twice does nothing the second time.
   */
  async finish(
    attemptId: string,
    outcome: AttemptOutcome,
    cause: number | null,
    answers: Answers,
    now: Date,
    next: (c: pg.PoolClient, job: Job, attempt: Attempt) => Promise<{ status: JobStatus; result?: string; detail?: Record<string, unknown>; dueAt?: Date }>,
  ): Promise<{ job: Job; attempt: Attempt } | null> {
    return inTransaction(this.pool, async (c) => {
      const { rows: a } = await c.query(
        `update callback_attempts set state = 'ended', outcome = $2, cause = $3, ended_at = $5, answers = answers || $4::jsonb
          where id = $1 and state <> 'ended' returning *`,
        [attemptId, outcome, cause, JSON.stringify(answers), now],
      );
      if (!a[0]) return null;
      const attempt = attemptFromRow(a[0]);
      const { rows: j } = await c.query('select * from callback_jobs where id = $1 for update', [attempt.jobId]);
      const job = jobFromRow(j[0]);
      const n = await next(c, job, attempt);
      const { rows: updated } = await c.query(
        `update callback_jobs set status = $2, result = coalesce($3, result), result_detail = result_detail || $4::jsonb,
                due_at = coalesce($5, due_at), lease_until = null, updated_at = now()
          where id = $1 returning *`,
        [job.id, n.status, n.result ?? null, JSON.stringify(n.detail ?? {}), n.dueAt?.toISOString() ?? null],
      );
      return { job: jobFromRow(updated[0]), attempt };
    });
  }

  /** Attempts not ended: after a restart, each is a call that still lives in Asterisk, or one that was cut. */
  /** Attempts not ended, placed by one of `nodes`. */
  async openAttempts(nodes: readonly string[]): Promise<Claimed[]> {
    const { rows } = await this.pool.query(
      `select row_to_json(a) as a, row_to_json(j) as j from callback_attempts a join callback_jobs j on j.id = a.job_id
        where a.state <> 'ended' and a.node_id = any($1)`,
      [nodes],
    );
    return rows.map((r) => ({ attempt: attemptFromRow(r.a), job: jobFromRow(r.j) }));
  }

  async attempt(attemptId: string): Promise<Claimed | null> {
    const { rows } = await this.pool.query(
      `select row_to_json(a) as a, row_to_json(j) as j from callback_attempts a join callback_jobs j on j.id = a.job_id where a.id = $1`,
      [attemptId],
    );
    return rows[0] ? { attempt: attemptFromRow(rows[0].a), job: jobFromRow(rows[0].j) } : null;
  }

  async get(id: string): Promise<{ job: Job; attempts: Attempt[] } | null> {
    const { rows } = await this.pool.query('select * from callback_jobs where id = $1', [id]);
    if (!rows[0]) return null;
    const attempts = await this.pool.query('select * from callback_attempts where job_id = $1 order by attempt', [id]);
    return { job: jobFromRow(rows[0]), attempts: attempts.rows.map(attemptFromRow) };
  }

  async list(f: JobFilter): Promise<{ jobs: Array<{ job: Job; attempts: Attempt[] }>; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    if (f.status?.length) where.push(`status = any(${p(f.status)})`);
    if (f.kind?.length) where.push(`kind = any(${p(f.kind)})`);
    if (f.ticketId) where.push(`ticket_id = ${p(f.ticketId)}`);
    if (f.number) where.push(`number = ${p(f.number)}`);
    const clause = where.length ? `where ${where.join(' and ')}` : '';
    const total = (await this.pool.query(`select count(*)::int as n from callback_jobs ${clause}`, params)).rows[0].n;
    const { rows } = await this.pool.query(`select * from callback_jobs ${clause} order by created_at desc, id limit ${p(f.limit)} offset ${p(f.offset)}`, params);
    const ids = rows.map((r) => r.id);
    const attempts = ids.length ? (await this.pool.query('select * from callback_attempts where job_id = any($1) order by attempt', [ids])).rows.map(attemptFromRow) : [];
    return { jobs: rows.map((r) => ({ job: jobFromRow(r), attempts: attempts.filter((a) => a.jobId === r.id) })), total };
  }

  /** Staff: stop a job that has not ended (one being dialed finishes its call, then stays cancelled). */
  async cancel(id: string, by: string): Promise<Job | null> {
    const { rows } = await this.pool.query(
      `update callback_jobs set status = 'cancelled', result = 'cancelled', result_detail = result_detail || $2::jsonb, updated_at = now()
        where id = $1 and status = 'pending' returning *`,
      [id, JSON.stringify({ cancelledBy: by })],
    );
    return rows[0] ? jobFromRow(rows[0]) : null;
  }

  /** Staff: dial a pending job now, or one that ended unreachable once more (one more attempt). */
  async retryNow(id: string, by: string, now: Date): Promise<Job | null> {
    const { rows } = await this.pool.query(
      `update callback_jobs set status = 'pending', due_at = $3, max_attempts = greatest(max_attempts, attempts + 1),
              result_detail = result_detail || $2::jsonb, updated_at = now()
        where id = $1 and status in ('pending', 'unreachable') returning *`,
      [id, JSON.stringify({ retriedBy: by }), now],
    );
    return rows[0] ? jobFromRow(rows[0]) : null;
  }

  /** Cancels the pending jobs of a ticket (of the given kinds): a reopened ticket needs no survey. */
  async cancelForTicket(db: Queryable, ticketId: string, kinds: readonly JobKind[], why: string): Promise<number> {
    const { rowCount } = await db.query(
      `update callback_jobs set status = 'cancelled', result = 'cancelled', result_detail = result_detail || $3::jsonb, updated_at = now()
        where ticket_id = $1 and status = 'pending' and kind = any($2)`,
      [ticketId, kinds, JSON.stringify({ why })],
    );
    return rowCount ?? 0;
  }

  /** Milliseconds until the next pending job is due (0 when one is overdue), null when none is pending. */
  async msUntilNextDue(now: Date): Promise<number | null> {
    const { rows } = await this.pool.query(
      // Not greatest(0, …) in SQL: it skips NULLs, so an empty queue would read as "due now" and the
      // dialer would poll without pause (it did: a third of a core on an idle node).
      `select (extract(epoch from (min(due_at) - $1::timestamptz)) * 1000)::float8 as ms from callback_jobs where status = 'pending'`,
      [now],
    );
    const ms = rows[0]?.ms;
    return ms === null || ms === undefined ? null : Math.max(0, Number(ms));
  }
}
