import type { Attempt, Job } from './job.ts';

const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());

// Rows come from pg as plain objects; the columns are the migration's (007-outbound.sql).
export function jobFromRow(r: any): Job {
  return {
    id: r.id,
    kind: r.kind,
    priority: r.priority,
    number: r.number,
    language: r.language,
    ticketId: r.ticket_id,
    callId: r.call_id,
    category: r.category,
    status: r.status,
    dueAt: iso(r.due_at)!,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    result: r.result,
    resultDetail: r.result_detail ?? {},
    createdBy: r.created_by,
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
  };
}

export function attemptFromRow(r: any): Attempt {
  return {
    id: r.id,
    jobId: r.job_id,
    attempt: r.attempt,
    number: r.number,
    state: r.state,
    outcome: r.outcome,
    answers: r.answers ?? {},
    cause: r.cause,
    callId: r.call_id,
    startedAt: iso(r.started_at)!,
    answeredAt: iso(r.answered_at),
    endedAt: iso(r.ended_at),
  };
}

