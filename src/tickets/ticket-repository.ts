import type pg from 'pg';
import { NO_MESSAGE_BELOW_MS } from '../audio/speech.ts';
import type { CalendarConfig } from '../config/schema.ts';
import { toLocalParts } from '../calendar/local-time.ts';
import { inTransaction } from '../db/transaction.ts';
import { appendHistory, fromRow, iso, keyColumn, type HistoryEntry } from './ticket-rows.ts';
import {
  FINISHED_STATUSES,
  formatReference,
  type RecordingEnd,
  type StoredAudio,
  type Ticket,
  type TicketCategory,
  type TicketDraft,
  type TicketHistoryEntry,
  type TicketStatus,
} from './ticket.ts';

export interface TicketFilter {
  status?: readonly TicketStatus[];
  category?: readonly TicketCategory[];
  overdue?: boolean;
  /** The caller said nothing (true) or left a message (false). */
  noMessage?: boolean;
  assignee?: string;
  from?: Date;
  to?: Date;
  /** Free text: reference, phone numbers, assignee, notes. */
  text?: string;
  limit: number;
  offset: number;
}

/**
 * The tickets table and its append-only history, in SQL (the rules of staff
 * changes are in ticket-rules.ts). Every write of the voicemail
 * path is idempotent (keyed by the ticket id the application made), so the
 * keeper may repeat any of them after a crash or a database outage.
 */
export class TicketRepository {
  constructor(
    private readonly pool: pg.Pool,
    private readonly calendar: CalendarConfig,
    private readonly referencePrefix = 'HL',
  ) {}

  /**
   * Creates the ticket of a voicemail unless it exists; returns it either way.
   * The day's sequence number is only used when the row is really inserted.
   */
  async create(draft: TicketDraft): Promise<Ticket> {
    try {
      return await this.#insert(draft);
    } catch (err) {
      // Two creates of the same id at once (the keeper's open and a retry or
      // the reconciler): both found no row, the later insert lost. Its
      // transaction rolled back, day counter included; the winner's row is it.
      const { code, constraint } = err as { code?: string; constraint?: string };
      if (code === '23505' && constraint === 'tickets_pkey') {
        const existing = await this.pool.query('select * from tickets where id = $1', [draft.id]);
        if (existing.rows[0]) return fromRow(existing.rows[0]);
      }
      throw err;
    }
  }

  /** A ticket locked for change until the transaction ends (SELECT … FOR UPDATE); null when there is none. */
  async lock(c: pg.PoolClient, idOrReference: string): Promise<Ticket | null> {
    const { rows } = await c.query(`select * from tickets where ${keyColumn(idOrReference)} = $1 for update`, [idOrReference]);
    return rows[0] ? fromRow(rows[0]) : null;
  }

  /** Writes changed columns of a locked ticket and its history entries; returns it as it is now. */
  async write(c: pg.PoolClient, id: string, set: Record<string, unknown>, history: readonly HistoryEntry[], actor: string): Promise<Ticket> {
    const columns = Object.keys(set);
    if (columns.length > 0) {
      const assignments = columns.map((col, i) => `${col} = $${i + 2}`).join(', ');
      await c.query(`update tickets set ${assignments}, updated_at = now() where id = $1`, [id, ...Object.values(set)]);
    }
    for (const h of history) await appendHistory(c, id, actor, h.action, h.from, h.to, h.note);
    const after = await c.query('select * from tickets where id = $1', [id]);
    return fromRow(after.rows[0]);
  }

  async #insert(draft: TicketDraft): Promise<Ticket> {
    return this.tx(async (c) => {
      const existing = await c.query('select * from tickets where id = $1', [draft.id]);
      if (existing.rows[0]) return fromRow(existing.rows[0]);
      const day = toLocalParts(new Date(draft.createdAt), this.calendar.timezone).date;
      const { rows: counter } = await c.query(
        `insert into ticket_day_counters (day, last) values ($1, 1)
         on conflict (day) do update set last = ticket_day_counters.last + 1 returning last`,
        [day],
      );
      const reference = formatReference(this.referencePrefix, day, counter[0].last);
      const { rows } = await c.query(
        `insert into tickets (id, reference, category, level, caller_number, callback_number, language, call_id,
                              accepted_at, deadline, recording_name, created_at, recorded_on)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) returning *`,
        [
          draft.id, reference, draft.category, draft.level, draft.callerNumber, draft.callbackNumber, draft.language,
          draft.callId, draft.acceptedAt, draft.deadline, draft.recordingName, draft.createdAt, draft.recordedOn ?? '',
        ],
      );
      await appendHistory(c, draft.id, 'hotline', 'created', null, {
        category: draft.category,
        level: draft.level,
        deadline: draft.deadline,
        language: draft.language,
      });
      return fromRow(rows[0]);
    });
  }

  /**
   * Marks the recording finished: `audio` when it is safe in the store, null
   * when the caller left none. Does nothing (and returns changed: false) when
   * the recording was already completed: the keeper and the reconciler may
   * both arrive here.
   */
  async completeRecording(id: string, audio: StoredAudio | null, end: RecordingEnd, at: Date): Promise<{ changed: boolean; ticket: Ticket | null }> {
    return this.tx(async (c) => {
      const { rows } = await c.query(
        `update tickets set recording_state = $2, recording_path = $3, recording_bytes = $4, recording_ms = $5,
                recording_sha256 = $6, recording_end = $7, completed_at = $8, recording_speech_ms = $9, updated_at = now()
          where id = $1 and (recording_state = 'recording'
                -- completed empty by another node while the recording node was away: its audio, when that node
                -- comes back with it, still goes on the ticket instead of being dropped with its journal entry
                or ($2 = 'stored' and recording_state = 'empty' and recording_end = 'node-lost'))
          returning *`,
        [id, audio ? 'stored' : 'empty', audio?.path ?? null, audio?.bytes ?? null, audio?.ms ?? null, audio?.sha256 ?? null, end, at, audio ? (audio.speechMs ?? null) : 0],
      );
      if (!rows[0]) {
        const current = await c.query('select * from tickets where id = $1', [id]);
        return { changed: false, ticket: current.rows[0] ? fromRow(current.rows[0]) : null };
      }
      await appendHistory(c, id, 'hotline', 'recorded', null, audio ? { ms: audio.ms, bytes: audio.bytes, speechMs: audio.speechMs ?? null, end } : { empty: true, end });
      return { changed: true, ticket: fromRow(rows[0]) };
    });
  }

  /** By uuid or by reference (HL-…). */
  async get(idOrReference: string): Promise<Ticket | null> {
    const { rows } = await this.pool.query(`select * from tickets where ${keyColumn(idOrReference)} = $1`, [idOrReference]);
    return rows[0] ? fromRow(rows[0]) : null;
  }

  async history(id: string): Promise<TicketHistoryEntry[]> {
    const { rows } = await this.pool.query('select * from ticket_history where ticket_id = $1 order by id', [id]);
    return rows.map((r) => ({
      id: Number(r.id),
      at: iso(r.at)!,
      actor: r.actor,
      action: r.action,
      from: r.from_value,
      to: r.to_value,
      note: r.note,
    }));
  }

  /** Tickets whose recording is not completed yet (the reconciler's work list), of the given recording nodes. */
  async unfinished(nodes: readonly string[]): Promise<Ticket[]> {
    const { rows } = await this.pool.query(`select * from tickets where recording_state = 'recording' and recorded_on = any($1) order by created_at`, [nodes]);
    return rows.map(fromRow);
  }

  async list(f: TicketFilter, now: Date): Promise<{ tickets: Ticket[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    if (f.status?.length) where.push(`t.status = any(${p(f.status)})`);
    if (f.category?.length) where.push(`t.category = any(${p(f.category)})`);
    if (f.assignee) where.push(`t.assignee = ${p(f.assignee)}`);
    if (f.from) where.push(`t.created_at >= ${p(f.from)}`);
    if (f.to) where.push(`t.created_at < ${p(f.to)}`);
    if (f.overdue !== undefined) {
      const cond = `(t.deadline < ${p(now)} and t.status <> all(${p(FINISHED_STATUSES)}))`;
      where.push(f.overdue ? cond : `not ${cond}`);
    }
    if (f.noMessage !== undefined) {
      const none = `(t.recording_state = 'empty' or t.recording_speech_ms < ${p(NO_MESSAGE_BELOW_MS)})`;
      where.push(f.noMessage ? none : `not coalesce(${none}, false)`);
    }
    if (f.text) {
      const like = p(`%${f.text.replace(/[\\%_]/g, (m) => `\\${m}`)}%`);
      where.push(`(t.reference ilike ${like} or t.caller_number ilike ${like} or t.callback_number ilike ${like}
                   or coalesce(t.assignee, '') ilike ${like}
                   or exists (select 1 from ticket_history h where h.ticket_id = t.id and h.note ilike ${like}))`);
    }
    const clause = where.length ? `where ${where.join(' and ')}` : '';
    const count = `select count(*)::int as n from tickets t ${clause}`;
    const countParams = [...params];
    // The count and the page at once, on two connections: one round trip of waiting instead of two.
    const [total, { rows }] = await Promise.all([
      this.pool.query(count, countParams),
      this.pool.query(`select t.* from tickets t ${clause} order by t.created_at desc, t.id limit ${p(f.limit)} offset ${p(f.offset)}`, params),
    ]);
    return { tickets: rows.map(fromRow), total: total.rows[0].n };
  }

  /** Runs `fn` in one transaction (rolled back when it throws). */
  tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, fn);
  }

}

