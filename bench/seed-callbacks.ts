/**
 * Outbound rows of a seeded month (bench/seed-month.ts), as src/outbound
 * writes them: surveys after closed tickets, repair confirmations after
 * resolved repairs, callbacks of abandoned emergency calls and of missed
 * calls; each with its attempts, and a survey answer for each survey reached.
 * Also the new-ticket notification (webhook) every ticket had.
 */
import type { Row, SeededCall } from './seed-calls.ts';
import { addSeconds, type Random } from './seed-random.ts';
import type { SeededTicket } from './seed-tickets.ts';

export const JOB_COLUMNS = {
  id: 'uuid', kind: 'text', priority: 'smallint', number: 'text', language: 'text', ticket_id: 'uuid', call_id: 'uuid', category: 'text',
  status: 'text', due_at: 'timestamptz', attempts: 'integer', max_attempts: 'integer', result: 'text', result_detail: 'jsonb',
  dedupe_key: 'text', created_at: 'timestamptz', updated_at: 'timestamptz',
} as const;
export const ATTEMPT_COLUMNS = {
  id: 'uuid', job_id: 'uuid', attempt: 'integer', number: 'text', state: 'text', outcome: 'text', answers: 'jsonb',
  started_at: 'timestamptz', answered_at: 'timestamptz', ended_at: 'timestamptz',
} as const;
export const SURVEY_COLUMNS = { job_id: 'uuid', ticket_id: 'uuid', category: 'text', score: 'smallint', satisfied: 'boolean', answered_at: 'timestamptz' } as const;
export const DELIVERY_COLUMNS = {
  id: 'uuid', subject_id: 'uuid', event: 'text', channel: 'text', target: 'text', payload: 'jsonb', status: 'text', attempts: 'integer',
  last_status: 'integer', next_attempt_at: 'timestamptz', created_at: 'timestamptz', delivered_at: 'timestamptz',
} as const;

const PRIORITY = { 'emergency-callback': 100, 'missed-call': 40, 'repair-confirmation': 30, survey: 10 } as const;
type Kind = keyof typeof PRIORITY;
/** Scores of the surveys reached; 4 and 5 count as satisfied (config outbound.satisfiedScores). */
const SCORES = { 5: 55, 4: 30, 3: 8, 2: 4, 1: 3 } as const;

interface Source {
  kind: Kind;
  number: string;
  ticket: SeededTicket | null;
  callId: string | null;
  after: Date;
}

export function callbackRows(r: Random, count: number, tickets: readonly SeededTicket[], calls: readonly SeededCall[], asOf: Date) {
  // Half surveys, a quarter repair confirmations, every abandoned emergency call, missed calls for the rest.
  const surveys = tickets.filter((t) => t.closedAt).slice(0, Math.floor(count * 0.5));
  const repairs = tickets.filter((t) => t.category === 'repair' && t.resolvedAt).slice(0, Math.floor(count * 0.25));
  const emergencies = calls.filter((c) => c.abandonedEmergency).slice(0, count - surveys.length - repairs.length);
  const missed = calls.filter((c) => c.missed).slice(0, Math.max(0, count - surveys.length - repairs.length - emergencies.length));
  const sources: Source[] = [
    ...surveys.map((t): Source => ({ kind: 'survey', number: t.callerNumber, ticket: t, callId: null, after: addSeconds(t.closedAt!, 20 * 3600) })),
    ...repairs.map((t): Source => ({ kind: 'repair-confirmation', number: t.callerNumber, ticket: t, callId: null, after: addSeconds(t.resolvedAt!, 600) })),
    ...emergencies.map((c): Source => ({ kind: 'emergency-callback', number: c.callerNumber, ticket: null, callId: c.id, after: addSeconds(c.startedAt, 120) })),
    ...missed.map((c): Source => ({ kind: 'missed-call', number: c.callerNumber, ticket: null, callId: c.id, after: addSeconds(c.startedAt, 900) })),
  ];
  const jobs: Row[] = [];
  const attempts: Row[] = [];
  const answers: Row[] = [];
  for (const s of sources) {
    const id = r.uuid();
    const maxAttempts = s.kind === 'emergency-callback' ? 5 : 3;
    const end = r.weighted({ done: 75, unreachable: 18, 'opted-out': 2, pending: 5 });
    // Not yet due at "as of": still waiting.
    const status = s.after >= asOf ? 'pending' : end;
    const tries = status === 'pending' ? 0 : status === 'unreachable' ? maxAttempts : r.int(1, maxAttempts);
    let at = s.after;
    let answeredAt: Date | null = null;
    const score = Number(r.weighted(SCORES));
    for (let n = 1; n <= tries; n++) {
      const last = n === tries && status !== 'unreachable';
      const answered = last ? addSeconds(at, r.int(5, 25)) : null;
      const said = !last ? {} : s.kind === 'survey' ? { score } : status === 'opted-out' ? { optOut: true } : s.kind === 'repair-confirmation' ? { confirm: r.chance(0.9) ? 'solved' : 'not-solved' } : {};
      attempts.push({
        id: r.uuid(), job_id: id, attempt: n, number: s.number, state: 'ended', outcome: last ? 'answered' : r.weighted({ 'no-answer': 70, busy: 20, rejected: 10 }),
        answers: JSON.stringify(said), started_at: at, answered_at: answered, ended_at: addSeconds(answered ?? at, r.int(20, 90)),
      });
      answeredAt = answered;
      if (!last) at = addSeconds(at, 2 * 3600);
    }
    if (s.kind === 'survey' && status === 'done' && answeredAt) {
      answers.push({ job_id: id, ticket_id: s.ticket!.id, category: s.ticket!.category, score, satisfied: score >= 4, answered_at: answeredAt });
    }
    jobs.push({
      id, kind: s.kind, priority: PRIORITY[s.kind], number: s.number, language: 'zh-CN', ticket_id: s.ticket?.id ?? null, call_id: s.callId,
      category: s.ticket?.category ?? null, status, due_at: status === 'pending' ? s.after : at, attempts: tries, max_attempts: maxAttempts,
      result: status === 'done' ? RESULT[s.kind] : status === 'pending' ? null : status, result_detail: '{}',
      dedupe_key: `${s.kind}:${s.ticket?.id ?? s.callId}`, created_at: s.after, updated_at: at,
    });
  }
  return { jobs, attempts, answers };
}

const RESULT: Record<Kind, string> = { survey: 'surveyed', 'repair-confirmation': 'confirmed', 'emergency-callback': 'reached', 'missed-call': 'reached' };

/** The webhook notification of each new ticket, delivered at the first attempt. */
export function deliveryRows(r: Random, tickets: readonly SeededTicket[]): Row[] {
  return tickets.map((t) => ({
    id: r.uuid(), subject_id: t.id, event: 'ticket.created', channel: 'webhook', target: 'https://ops.example.cn/hooks/hotline',
    payload: JSON.stringify({
      ticketId: t.id, reference: t.reference, category: t.category, level: t.level, language: 'zh-CN', callerMasked: `*******${t.callerNumber.slice(-4)}`,
      deadline: t.deadline.toISOString(), createdAt: t.createdAt.toISOString(), recordingSeconds: 30, url: `http://127.0.0.1:8080/api/tickets/${t.reference}`,
    }),
    status: 'delivered', attempts: 1, last_status: 200, next_attempt_at: t.createdAt, created_at: t.createdAt, delivered_at: addSeconds(t.createdAt, 95),
  }));
}
