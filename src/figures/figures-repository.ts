import type pg from 'pg';
import type { Category } from '../domain/category.ts';
import type { CallRow, CallbackRow, MonthRows, SurveyRow, TicketRow } from './kpi.ts';
import type { Month } from './month.ts';

/**
 * Reads one month's rows for the figures: the calls that arrived in it, the
 * tickets opened in it (with the first time each was resolved or closed), and
 * the surveys and callbacks of those tickets. Read-only.
 */
export class FiguresRepository {
  constructor(private readonly pool: pg.Pool) {}

  async month(m: Month): Promise<MonthRows> {
    const range = [m.from, m.to];
    const [calls, tickets] = await Promise.all([
      this.pool.query(
        `select started_at, answered_at, emergency from calls
          where direction = 'inbound' and started_at >= $1 and started_at < $2`,
        range,
      ),
      this.pool.query(
        `select t.id, t.category, t.caller_number, t.created_at, t.deadline,
                (select min(h.at) from ticket_history h
                  where h.ticket_id = t.id and h.action = 'status' and h.to_value #>> '{}' in ('resolved', 'closed')) as replied_at
           from tickets t
          where t.created_at >= $1 and t.created_at < $2 and t.recording_state <> 'recording'`,
        range,
      ),
    ]);
    const ids = tickets.rows.map((r) => r.id as string);
    const [surveys, callbacks] = await Promise.all([
      this.pool.query(`select ticket_id, satisfied from survey_responses where ticket_id = any($1::uuid[])`, [ids]),
      this.pool.query(`select ticket_id, kind, status in ('done', 'opted-out') as reached from callback_jobs where ticket_id = any($1::uuid[])`, [ids]),
    ]);
    return {
      calls: calls.rows.map(callRow),
      tickets: tickets.rows.map((r): TicketRow => ({
        id: r.id,
        category: r.category as Category,
        callerNumber: r.caller_number,
        createdAt: r.created_at,
        deadline: r.deadline,
        repliedAt: r.replied_at,
      })),
      surveys: surveys.rows.map((r): SurveyRow => ({ ticketId: r.ticket_id, satisfied: r.satisfied })),
      callbacks: callbacks.rows.map((r): CallbackRow => ({ ticketId: r.ticket_id, kind: r.kind, reached: r.reached })),
    };
  }
}

function callRow(r: { started_at: Date; answered_at: Date | null; emergency: Record<string, unknown> | null }): CallRow {
  const e = r.emergency;
  const date = (v: unknown) => (typeof v === 'string' ? new Date(v) : null);
  return {
    startedAt: r.started_at,
    answeredAt: r.answered_at,
    emergency: e && typeof e.requestedAt === 'string'
      ? {
          requestedAt: new Date(e.requestedAt),
          acceptedAt: date(e.acceptedAt),
          acceptSeconds: typeof e.acceptSeconds === 'number' ? e.acceptSeconds : null,
          abandonedAt: date(e.abandonedAt),
          calledBack: typeof e.callbackCallId === 'string',
        }
      : null,
  };
}
