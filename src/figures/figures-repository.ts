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
    const ticketsOfMonth = `t.created_at >= $1 and t.created_at < $2 and t.recording_state <> 'recording'`;
    // All four at once. Calls come as rows of arrays with times in epoch ms: parsing 100,000 timestamptz
    // values into Dates cost more than the query itself (issue 12, bench/figures-bench.ts).
    const [calls, tickets, surveys, callbacks] = await Promise.all([
      this.pool.query<[number, number | null, Record<string, unknown> | null]>({
        text: `select ${epochMs('started_at')}, ${epochMs('answered_at')}, emergency from calls
                where direction = 'inbound' and started_at >= $1 and started_at < $2`,
        values: range,
        rowMode: 'array',
      }),
      this.pool.query(
        `select t.id, t.category, t.caller_number, t.created_at, t.deadline,
                (select min(h.at) from ticket_history h
                  where h.ticket_id = t.id and h.action = 'status' and h.to_value #>> '{}' in ('resolved', 'closed')) as replied_at
           from tickets t
          where ${ticketsOfMonth}`,
        range,
      ),
      // Those tickets' surveys and callbacks, chosen in the database (not a list of thousands of ids sent back).
      this.pool.query(`select s.ticket_id, s.satisfied from survey_responses s where s.ticket_id in (select t.id from tickets t where ${ticketsOfMonth})`, range),
      this.pool.query(
        `select c.ticket_id, c.kind, c.status in ('done', 'opted-out') as reached from callback_jobs c
          where c.ticket_id in (select t.id from tickets t where ${ticketsOfMonth})`,
        range,
      ),
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

/**
 * An instant as epoch milliseconds, cut to whole ms as a Date is; float8 so that pg hands over a number.
 * Exact: extract() is numeric since PostgreSQL 14 (the Debian 12 server is 15, PGlite 17).
 */
const epochMs = (column: string) => `floor(extract(epoch from ${column}) * 1000)::float8`;

function callRow([startedAt, answeredAt, e]: [number, number | null, Record<string, unknown> | null]): CallRow {
  const date = (v: unknown) => (typeof v === 'string' ? new Date(v) : null);
  return {
    startedAt: new Date(startedAt),
    answeredAt: answeredAt === null ? null : new Date(answeredAt),
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
