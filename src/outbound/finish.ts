import type pg from 'pg';
import type { CalendarConfig } from '../config/schema.ts';
import type { OutboundConfig } from '../config/outbound-schema.ts';
import { nextOpening } from './calling-window.ts';
import { afterFailedAttempt } from './dial-rules.ts';
import type { Answers, Attempt, AttemptOutcome, Job, JobStatus } from './job.ts';

/** How a job goes on after an attempt. */
export interface NextStep {
  status: JobStatus;
  result?: string;
  detail?: Record<string, unknown>;
  dueAt?: Date;
}

/** Effects on other features, written in the transaction that ends the attempt. */
export interface FinishEffects {
  /** 2 in a repair confirmation: the ticket goes back to work, and staff hear of it. */
  reopenTicket(c: pg.PoolClient, job: Job, attempt: Attempt): Promise<void>;
  /** 1 in a repair confirmation: the customer confirmed, so the ticket closes (TKT-01). */
  confirmed(c: pg.PoolClient, job: Job): Promise<void>;
  /** 9: the number goes on the opt-out list (and its other queued jobs end). */
  optOut(c: pg.PoolClient, job: Job): Promise<void>;
  /** A survey answered: its score joins the figures (KPI-08/09). */
  surveyed(c: pg.PoolClient, job: Job, answers: Answers): Promise<void>;
  /** The job ended without reaching anyone: the ticket's history says so. */
  unreachable(c: pg.PoolClient, job: Job): Promise<void>;
}

/**
 * What an attempt's outcome and the callee's answers make of its job. An
 * answered call in which nobody keyed anything proves no person (an answering
 * machine, a child): it counts as not reached, and the job is tried again,
 * except the callback of an emergency call, whose callee is put through to the
 * duty line without a key.
 */
export async function nextStep(
  c: pg.PoolClient,
  job: Job,
  attempt: Attempt,
  outcome: AttemptOutcome,
  effects: FinishEffects,
  config: OutboundConfig,
  calendar: CalendarConfig,
  now: Date,
): Promise<NextStep> {
  const a = attempt.answers;
  if (outcome === 'answered' || (outcome === 'no-input' && job.kind === 'emergency-callback')) {
    if (a.optOut) {
      await effects.optOut(c, job);
      return { status: 'opted-out', result: 'opted-out' };
    }
    if (a.later && !a.confirm && a.score === undefined) {
      // SCR-09: not convenient now. Another attempt at the next window, not counted against the callee.
      const kind = config.kinds[job.kind];
      const dueAt = nextOpening(kind.window, calendar, new Date(now.getTime() + kind.retryMinutes * 60_000));
      return { status: 'pending', result: 'call-later', dueAt, detail: { laterAsked: (Number(job.resultDetail.laterAsked ?? 0) || 0) + 1 } };
    }
    switch (job.kind) {
      case 'repair-confirmation':
        if (a.confirm === 'not-solved') {
          await effects.reopenTicket(c, job, attempt);
          return { status: 'done', result: 'not-solved' };
        }
        if (a.confirm === 'solved') {
          await effects.confirmed(c, job);
          return { status: 'done', result: 'confirmed' };
        }
        return { status: 'done', result: 'reached' };
      case 'survey':
        if (a.score !== undefined) {
          await effects.surveyed(c, job, a);
          return { status: 'done', result: 'surveyed', detail: { score: a.score } };
        }
        return { status: 'done', result: 'reached' };
      case 'missed-call':
        return { status: 'done', result: a.desk ? 'put-through' : a.message ? 'message' : 'reached' };
      case 'emergency-callback':
        return { status: 'done', result: 'connected' };
    }
  }
  const failed = afterFailedAttempt(job, config, calendar, now);
  if (failed.status === 'unreachable') {
    await effects.unreachable(c, job);
    return { status: 'unreachable', result: 'unreachable', detail: { lastOutcome: outcome } };
  }
  return { status: 'pending', dueAt: failed.dueAt, detail: { lastOutcome: outcome } };
}
