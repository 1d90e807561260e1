import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { DialDecision, DialFacts } from '../../src/outbound/dial-rules.ts';
import type { Claimed } from '../../src/outbound/job-repository.ts';
import { PRIORITY, type Answers, type Attempt, type AttemptOutcome, type Job, type JobStatus, type NewJob } from '../../src/outbound/job.ts';

type Next = (c: pg.PoolClient, job: Job, attempt: Attempt) => Promise<{ status: JobStatus; result?: string; detail?: Record<string, unknown>; dueAt?: Date }>;

/**
 * The queue of outbound calls in memory, for flow tests on the fake
 * telephony (the emergency callback): the same operations as JobRepository,
 * without the SQL; the rules are the real ones (decideDial, nextStep). The
 * real queue is tested on PostgreSQL and end to end.
 */
export class MemoryJobStore {
  readonly jobs: Job[] = [];
  readonly attempts: Attempt[] = [];

  constructor(private readonly now: () => Date) {}

  async enqueue(j: NewJob, maxAttempts: number): Promise<Job | null> {
    if (j.dedupeKey && this.jobs.some((x) => x.resultDetail.dedupeKey === j.dedupeKey)) return null;
    const at = this.now().toISOString();
    const job: Job = {
      id: randomUUID(), kind: j.kind, priority: PRIORITY[j.kind], number: j.number, language: j.language ?? 'zh-CN',
      ticketId: j.ticketId ?? null, callId: j.callId ?? null, category: j.category ?? null, status: 'pending',
      dueAt: (j.dueAt ?? this.now()).toISOString(), attempts: 0, maxAttempts, result: null,
      resultDetail: j.dedupeKey ? { dedupeKey: j.dedupeKey } : {}, createdBy: j.createdBy ?? 'hotline', createdAt: at, updatedAt: at,
    };
    this.jobs.push(job);
    return { ...job };
  }

  async claim(limit: number, _leaseMs: number, _now: Date, decide: (job: Job, facts: DialFacts) => DialDecision) {
    const now = this.now();
    const due = this.jobs.filter((j) => j.status === 'pending' && Date.parse(j.dueAt) <= now.getTime()).sort((a, b) => b.priority - a.priority || a.dueAt.localeCompare(b.dueAt)).slice(0, limit);
    const claimed: Claimed[] = [];
    let waited = 0;
    const cancelled: Array<{ job: Job; why: string }> = [];
    for (const job of due) {
      const inProgress = this.jobs.filter((j) => j.status === 'dialing').length;
      const d = decide({ ...job }, { optedOut: false, callsToNumberToday: this.attempts.filter((a) => a.number === job.number).length, gotThroughSince: false, inProgress });
      if (d.kind === 'wait') {
        waited++;
        if (d.until) job.dueAt = d.until.toISOString();
        continue;
      }
      if (d.kind === 'cancel') {
        cancelled.push({ job: { ...job }, why: d.why });
        job.status = d.status;
        continue;
      }
      job.attempts += 1;
      job.status = 'dialing';
      const attempt: Attempt = {
        id: randomUUID(), jobId: job.id, attempt: job.attempts, number: job.number, state: 'dialing', outcome: null, answers: {},
        cause: null, callId: null, startedAt: now.toISOString(), answeredAt: null, endedAt: null,
      };
      this.attempts.push(attempt);
      claimed.push({ job: { ...job }, attempt: { ...attempt } });
    }
    return { claimed, waited, cancelled };
  }

  async answered(attemptId: string, callId: string, _at: Date): Promise<void> {
    const a = this.find(attemptId);
    a.state = 'answered';
    a.callId = callId;
    a.answeredAt = this.now().toISOString();
  }

  async recordAnswers(attemptId: string, answers: Answers): Promise<void> {
    Object.assign(this.find(attemptId).answers, answers);
  }

  async finish(attemptId: string, outcome: AttemptOutcome, cause: number | null, answers: Answers, _now: Date, next: Next) {
    const a = this.find(attemptId);
    if (a.state === 'ended') return null;
    Object.assign(a, { state: 'ended', outcome, cause, endedAt: this.now().toISOString(), answers: { ...a.answers, ...answers } });
    const job = this.jobs.find((j) => j.id === a.jobId)!;
    const n = await next(undefined as unknown as pg.PoolClient, { ...job }, { ...a });
    Object.assign(job, { status: n.status, result: n.result ?? job.result, resultDetail: { ...job.resultDetail, ...n.detail } });
    if (n.dueAt) job.dueAt = n.dueAt.toISOString();
    return { job: { ...job }, attempt: { ...a } };
  }

  async openAttempts(): Promise<Claimed[]> {
    return this.attempts.filter((a) => a.state !== 'ended').map((a) => ({ attempt: { ...a }, job: { ...this.jobs.find((j) => j.id === a.jobId)! } }));
  }

  async attempt(attemptId: string): Promise<Claimed | null> {
    const a = this.attempts.find((x) => x.id === attemptId);
    return a ? { attempt: { ...a }, job: { ...this.jobs.find((j) => j.id === a.jobId)! } } : null;
  }

  async msUntilNextDue(_now: Date): Promise<number | null> {
    const pending = this.jobs.filter((j) => j.status === 'pending').map((j) => Date.parse(j.dueAt));
    return pending.length ? Math.max(0, Math.min(...pending) - this.now().getTime()) : null;
  }

  private find(attemptId: string): Attempt {
    const a = this.attempts.find((x) => x.id === attemptId);
    if (!a) throw new Error(`no attempt ${attemptId}`);
    return a;
  }
}
