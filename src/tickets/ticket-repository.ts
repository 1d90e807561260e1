import type pg from 'pg';
import type { CalendarConfig } from '../config/schema.ts';
import { toLocalParts } from '../calendar/local-time.ts';
import { deadlineFor } from './deadline.ts';
import {
  formatReference,
  STATUS_TRANSITIONS,
  type RecordingEnd,
  type StoredAudio,
  type Ticket,
  type TicketCategory,
  type TicketDraft,
  type TicketHistoryEntry,
  type TicketStatus,
} from './ticket.ts';

/** A change staff asked for that the ticket's state does not allow (HTTP 409). */
export class TicketConflictError extends Error {
  override name = 'TicketConflictError';
}

/** A change that makes no sense for this ticket (HTTP 400). */
export class TicketInputError extends Error {
  override name = 'TicketInputError';
}

export interface TicketFilter {
  status?: readonly TicketStatus[];
  category?: readonly TicketCategory[];
  overdue?: boolean;
  assignee?: string;
  from?: Date;
  to?: Date;
  /** Free text: reference, phone numbers, assignee, notes. */
  text?: string;
  limit: number;
  offset: number;
}

export interface TicketChanges {
  status?: TicketStatus;
  level?: number;
  /** null un-assigns. */
  assignee?: string | null;
  callbackNumber?: string;
  note?: string;
}

/** Statuses in which a ticket no longer counts against its deadline. */
const FINISHED: readonly TicketStatus[] = ['resolved', 'closed'];

/**
 * The tickets table and its append-only history. Every write of the voicemail
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

  async #insert(draft: TicketDraft): Promise<Ticket> {
    return this.#tx(async (c) => {
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
                              accepted_at, deadline, recording_name, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) returning *`,
        [
          draft.id, reference, draft.category, draft.level, draft.callerNumber, draft.callbackNumber, draft.language,
          draft.callId, draft.acceptedAt, draft.deadline, draft.recordingName, draft.createdAt,
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
    return this.#tx(async (c) => {
      const { rows } = await c.query(
        `update tickets set recording_state = $2, recording_path = $3, recording_bytes = $4, recording_ms = $5,
                recording_sha256 = $6, recording_end = $7, completed_at = $8, updated_at = now()
          where id = $1 and recording_state = 'recording' returning *`,
        [id, audio ? 'stored' : 'empty', audio?.path ?? null, audio?.bytes ?? null, audio?.ms ?? null, audio?.sha256 ?? null, end, at],
      );
      if (!rows[0]) {
        const current = await c.query('select * from tickets where id = $1', [id]);
        return { changed: false, ticket: current.rows[0] ? fromRow(current.rows[0]) : null };
      }
      await appendHistory(c, id, 'hotline', 'recorded', null, audio ? { ms: audio.ms, bytes: audio.bytes, end } : { empty: true, end });
      return { changed: true, ticket: fromRow(rows[0]) };
    });
  }

  /** By uuid or by reference (HL-…). */
  async get(idOrReference: string): Promise<Ticket | null> {
    const column = /^[0-9a-f-]{36}$/i.test(idOrReference) ? 'id' : 'reference';
    const { rows } = await this.pool.query(`select * from tickets where ${column} = $1`, [idOrReference]);
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

  /** Tickets whose recording is not completed yet (the reconciler's work list). */
  async unfinished(): Promise<Ticket[]> {
    const { rows } = await this.pool.query(`select * from tickets where recording_state = 'recording' order by created_at`);
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
      const cond = `(t.deadline < ${p(now)} and t.status <> all(${p(FINISHED)}))`;
      where.push(f.overdue ? cond : `not ${cond}`);
    }
    if (f.text) {
      const like = p(`%${f.text.replace(/[\\%_]/g, (m) => `\\${m}`)}%`);
      where.push(`(t.reference ilike ${like} or t.caller_number ilike ${like} or t.callback_number ilike ${like}
                   or coalesce(t.assignee, '') ilike ${like}
                   or exists (select 1 from ticket_history h where h.ticket_id = t.id and h.note ilike ${like}))`);
    }
    const clause = where.length ? `where ${where.join(' and ')}` : '';
    const total = await this.pool.query(`select count(*)::int as n from tickets t ${clause}`, params);
    const { rows } = await this.pool.query(
      `select t.* from tickets t ${clause} order by t.created_at desc, t.id limit ${p(f.limit)} offset ${p(f.offset)}`,
      params,
    );
    return { tickets: rows.map(fromRow), total: total.rows[0].n };
  }

  /**
   * Applies staff changes in one transaction, each with its history entry.
   * A level change recomputes the deadline from the ticket's acceptance time.
   */
  async update(idOrReference: string, changes: TicketChanges, actor: string): Promise<Ticket | null> {
    return this.#tx(async (c) => {
      const column = /^[0-9a-f-]{36}$/i.test(idOrReference) ? 'id' : 'reference';
      const { rows } = await c.query(`select * from tickets where ${column} = $1 for update`, [idOrReference]);
      if (!rows[0]) return null;
      const t = fromRow(rows[0]);
      const set: Record<string, unknown> = {};
      const history: [string, unknown, unknown, string | null][] = [];

      if (changes.level !== undefined && changes.level !== t.level) {
        if (t.category !== 'complaint') throw new TicketInputError(`only complaints have a level; ${t.reference} is ${t.category}`);
        if (!Number.isInteger(changes.level) || changes.level < 1 || changes.level > 4) {
          throw new TicketInputError(`a complaint level is 1 to 4, not ${changes.level}`);
        }
        const { deadline } = deadlineFor(this.calendar, t.category, changes.level, new Date(t.acceptedAt));
        set.level = changes.level;
        set.deadline = deadline;
        history.push(['level', t.level, changes.level, null], ['deadline', t.deadline, deadline.toISOString(), null]);
      }
      let status = t.status;
      if (changes.assignee !== undefined && changes.assignee !== t.assignee) {
        set.assignee = changes.assignee;
        history.push(['assignee', t.assignee, changes.assignee, null]);
        // Taking a new ticket is assigning it; an explicit status below wins.
        if (changes.assignee && changes.status === undefined && (t.status === 'new' || t.status === 'reopened')) {
          status = 'assigned';
        }
        // Nobody holds it any more: it is waiting to be taken again.
        if (changes.assignee === null && changes.status === undefined && t.status === 'assigned') status = 'new';
      }
      const wanted = changes.status ?? status;
      if (wanted !== t.status) {
        if (!STATUS_TRANSITIONS[t.status].includes(wanted)) {
          throw new TicketConflictError(
            `${t.reference} is ${t.status}; it can become ${STATUS_TRANSITIONS[t.status].join(', ')}, not ${wanted}`,
          );
        }
        set.status = wanted;
        history.push(['status', t.status, wanted, null]);
      }
      if (changes.callbackNumber !== undefined && changes.callbackNumber !== t.callbackNumber) {
        set.callback_number = changes.callbackNumber;
        history.push(['callback-number', t.callbackNumber, changes.callbackNumber, null]);
      }
      if (changes.note) history.push(['note', null, null, changes.note]);

      const columns = Object.keys(set);
      if (columns.length > 0) {
        const assignments = columns.map((col, i) => `${col} = $${i + 2}`).join(', ');
        await c.query(`update tickets set ${assignments}, updated_at = now() where id = $1`, [t.id, ...Object.values(set)]);
      }
      for (const [action, from, to, note] of history) await appendHistory(c, t.id, actor, action, from, to, note);
      const after = await c.query('select * from tickets where id = $1', [t.id]);
      return fromRow(after.rows[0]);
    });
  }

  async #tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      const result = await fn(client);
      await client.query('commit');
      return result;
    } catch (err) {
      await client.query('rollback').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }
}

async function appendHistory(
  c: pg.PoolClient,
  ticketId: string,
  actor: string,
  action: string,
  from: unknown,
  to: unknown,
  note: string | null = null,
): Promise<void> {
  await c.query('insert into ticket_history (ticket_id, actor, action, from_value, to_value, note) values ($1, $2, $3, $4, $5, $6)', [
    ticketId,
    actor,
    action,
    from === null || from === undefined ? null : JSON.stringify(from),
    to === null || to === undefined ? null : JSON.stringify(to),
    note,
  ]);
}

const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());

function fromRow(r: any): Ticket {
  return {
    id: r.id,
    reference: r.reference,
    category: r.category,
    level: r.level,
    status: r.status,
    assignee: r.assignee,
    callerNumber: r.caller_number,
    callbackNumber: r.callback_number,
    language: r.language,
    callId: r.call_id,
    source: r.source,
    acceptedAt: iso(r.accepted_at)!,
    deadline: iso(r.deadline)!,
    recording: {
      state: r.recording_state,
      name: r.recording_name,
      path: r.recording_path,
      bytes: r.recording_bytes,
      ms: r.recording_ms,
      sha256: r.recording_sha256,
      end: r.recording_end,
    },
    createdAt: iso(r.created_at)!,
    completedAt: iso(r.completed_at),
    updatedAt: iso(r.updated_at)!,
  };
}
