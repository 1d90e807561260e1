/**
 * Ticket rows of a seeded month (bench/seed-month.ts) with their history, as
 * the ticket service writes them: created and recorded, then taken, worked,
 * resolved (mostly by the deadline, some late), closed or reopened; the rest
 * still open at the seed's "as of" instant. Deadlines come from the real rules
 * (src/tickets/deadline.ts) and calendar.
 */
import type { CalendarConfig } from '../src/config/schema.ts';
import { toLocalParts } from '../src/calendar/local-time.ts';
import { deadlineFor } from '../src/tickets/deadline.ts';
import type { TicketCategory, TicketStatus } from '../src/tickets/ticket.ts';
import type { Row } from './seed-calls.ts';
import { addSeconds, type MonthProfile, type Random } from './seed-random.ts';

export const TICKET_COLUMNS = {
  id: 'uuid', reference: 'text', category: 'text', level: 'smallint', status: 'text', assignee: 'text', caller_number: 'text',
  callback_number: 'text', language: 'text', call_id: 'uuid', accepted_at: 'timestamptz', deadline: 'timestamptz',
  recording_state: 'text', recording_name: 'text', recording_path: 'text', recording_bytes: 'integer', recording_ms: 'integer',
  recording_sha256: 'text', recording_end: 'text', recording_speech_ms: 'integer', created_at: 'timestamptz', completed_at: 'timestamptz',
  updated_at: 'timestamptz',
} as const;

export const HISTORY_COLUMNS = { ticket_id: 'uuid', at: 'timestamptz', actor: 'text', action: 'text', from_value: 'jsonb', to_value: 'jsonb', note: 'text' } as const;

/** What later rows (callbacks, notifications) need to know of a ticket. */
export interface SeededTicket {
  id: string;
  reference: string;
  category: TicketCategory;
  level: number | null;
  status: TicketStatus;
  callerNumber: string;
  createdAt: Date;
  deadline: Date;
  /** When it was last resolved (resolved, closed) or closed. */
  resolvedAt: Date | null;
  closedAt: Date | null;
}

/** Where a month's tickets stand at the seed's "as of" instant. */
export const MONTH_STATUS_MIX: Readonly<Record<TicketStatus, number>> = { closed: 50, resolved: 27, in_progress: 7, assigned: 6, new: 6, reopened: 4 };
/** A backlog: open tickets only (the console's queue with 10,000 of them). */
export const OPEN_STATUS_MIX: Readonly<Record<TicketStatus, number>> = { closed: 0, resolved: 0, in_progress: 30, assigned: 25, new: 35, reopened: 10 };

const CATEGORIES = { repair: 40, billing: 25, complaint: 15, other: 20 } as const;
const LEVELS = { 1: 10, 2: 50, 3: 30, 4: 10 } as const;
const AGENTS = ['li.wei', 'wang.fang', 'zhang.min', 'liu.yang', 'chen.jie', 'yang.li', 'zhao.lei', 'huang.hui'];
const NOTES = ['客户不在家，约定明天上门', 'called the customer, no answer', '已派维修人员', 'meter reading checked, bill is correct', '等待配件'];

export interface TicketSeedOptions {
  count: number;
  mix: Readonly<Record<TicketStatus, number>>;
  asOf: Date;
  calendar: CalendarConfig;
  /** The last sequence number of each local day so far (updated): references stay unique. */
  counters: Map<string, number>;
  prefix?: string;
}

export function ticketRows(r: Random, profile: MonthProfile, o: TicketSeedOptions) {
  const tickets: Row[] = [];
  const history: Row[] = [];
  const seeded: SeededTicket[] = [];
  const { timeZone } = profile.month;
  for (let i = 0; i < o.count; i++) {
    const id = r.uuid();
    const category = r.weighted(CATEGORIES);
    const level = category === 'complaint' ? Number(r.weighted(LEVELS)) : null;
    const createdAt = profile.draw(r);
    const { acceptedAt, deadline } = deadlineFor(o.calendar, category, level, createdAt);
    const day = toLocalParts(createdAt, timeZone).date;
    const seq = (o.counters.get(day) ?? 0) + 1;
    o.counters.set(day, seq);
    const reference = `${o.prefix ?? 'HL'}-${day.replaceAll('-', '')}-${String(seq).padStart(4, '0')}`;
    // A few complainers complain again within the month (KPI-06 counts them).
    const callerNumber = category === 'complaint' && r.chance(0.15) ? r.number(300) : r.number(60_000);
    const empty = r.chance(0.06);
    const ms = empty ? null : r.int(4_000, 180_000);
    const completedAt = addSeconds(createdAt, (ms ?? 10_000) / 1000 + 1);

    const h = (at: Date, action: string, from: unknown, to: unknown, note: string | null = null) =>
      history.push({ ticket_id: id, at, actor: action === 'created' || action === 'recorded' ? 'hotline' : assignee ?? 'supervisor', action, from_value: json(from), to_value: json(to), note });
    let assignee: string | null = null;
    h(createdAt, 'created', null, { category, level, deadline: deadline.toISOString(), language: 'zh-CN' });
    h(completedAt, 'recorded', null, ms === null ? { empty: true, end: 'silence' } : { ms, bytes: ms * 16 + 44, speechMs: ms - 1500, end: 'hangup' });

    const status = statusAt(r, o.mix, deadline, createdAt, o.asOf);
    let at = completedAt;
    let current: TicketStatus = 'new';
    // Each step comes a while after the one before, never after "as of".
    const step = (to: TicketStatus, when: Date) => {
      at = new Date(Math.min(Math.max(when.getTime(), at.getTime() + 60_000), o.asOf.getTime() - 60_000));
      h(at, 'status', current, to);
      current = to;
    };
    let resolvedAt: Date | null = null;
    let closedAt: Date | null = null;
    if (status !== 'new') {
      assignee = r.pick(AGENTS);
      at = addSeconds(at, r.int(300, 4 * 3600));
      h(at, 'assignee', null, assignee);
      step('assigned', at);
      if (r.chance(0.25)) h(addSeconds(at, 600), 'note', null, null, r.pick(NOTES));
    }
    if (status !== 'new' && status !== 'assigned') step('in_progress', addSeconds(at, r.int(600, 6 * 3600)));
    if (status === 'resolved' || status === 'closed' || status === 'reopened') {
      // 85 % by the deadline, the rest up to three days late.
      const late = r.chance(0.15);
      const span = deadline.getTime() - at.getTime();
      step('resolved', late ? addSeconds(deadline, r.int(600, 72 * 3600)) : new Date(at.getTime() + Math.max(60_000, span * r.next() * 0.95)));
      resolvedAt = at;
    }
    if (status === 'closed') step('closed', addSeconds(at, r.int(3600, 48 * 3600)));
    if (status === 'closed') closedAt = at;
    if (status === 'reopened') step('reopened', addSeconds(at, r.int(3600, 48 * 3600)));

    tickets.push({
      id, reference, category, level, status, assignee, caller_number: callerNumber, callback_number: callerNumber,
      language: r.chance(0.04) ? 'en-US' : 'zh-CN', call_id: r.uuid(), accepted_at: acceptedAt, deadline,
      recording_state: empty ? 'empty' : 'stored', recording_name: `voicemail-${id}`,
      recording_path: empty ? null : `${day.replaceAll('-', '/')}/${id}.wav`, recording_bytes: ms === null ? null : ms * 16 + 44, recording_ms: ms,
      recording_sha256: empty ? null : r.hex(64), recording_end: empty ? 'silence' : 'hangup', recording_speech_ms: ms === null ? 0 : ms - 1500,
      created_at: createdAt, completed_at: completedAt, updated_at: at,
    });
    seeded.push({ id, reference, category, level, status, callerNumber, createdAt, deadline, resolvedAt, closedAt });
  }
  return { tickets, history, seeded };
}

/** A status from the mix; a ticket made too recently to be finished stays open. */
function statusAt(r: Random, mix: Readonly<Record<TicketStatus, number>>, deadline: Date, createdAt: Date, asOf: Date): TicketStatus {
  const s = r.weighted(mix);
  const finished = s === 'resolved' || s === 'closed' || s === 'reopened';
  if (finished && asOf.getTime() - createdAt.getTime() < 6 * 3600_000 && deadline > asOf) return 'in_progress';
  return s;
}

const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));
