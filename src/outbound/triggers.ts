import type { OutboundConfig } from '../config/outbound-schema.ts';
import type { CallRecord } from '../domain/call-record.ts';
import type { TicketListener } from '../tickets/ticket-service.ts';
import type { Ticket } from '../tickets/ticket.ts';
import type { Queryable } from '../db/transaction.ts';
import type { JobKind, NewJob } from './job.ts';

/** Queues a job (null: it exists already). */
export type Enqueue = (job: NewJob, db?: Queryable) => Promise<unknown>;

/**
 * Ticket status changes that owe the customer a call, in the change's own
 * transaction: a repair set to resolved is confirmed with the customer
 * (CB-04); a ticket closed in a surveyed category gets a survey; a ticket that
 * goes back to work no longer needs either.
 */
export function ticketCallbacks(
  enqueue: Enqueue,
  cancel: (db: Queryable, ticketId: string, kinds: JobKind[], why: string) => Promise<unknown>,
  config: OutboundConfig,
  now: () => Date,
): TicketListener {
  return async (c, before, after) => {
    const base = { number: after.callbackNumber || after.callerNumber, language: after.language, ticketId: after.id, category: after.category };
    if (after.status === 'resolved' && after.category === 'repair') {
      await enqueue({ ...base, kind: 'repair-confirmation', dedupeKey: `repair-confirmation:${after.id}:${after.updatedAt}` }, c);
    } else if (after.status === 'closed' && config.surveyCategories.includes(after.category)) {
      const dueAt = new Date(now().getTime() + config.surveyDelayMinutes * 60_000);
      await enqueue({ ...base, kind: 'survey', dueAt, dedupeKey: `survey:${after.id}:${after.updatedAt}` }, c);
    } else if (!['resolved', 'closed'].includes(after.status) && ['resolved', 'closed'].includes(before.status)) {
      await cancel(c, after.id, ['repair-confirmation', 'survey'], `the ticket is ${after.status} again`);
    }
  };
}

/** Outcomes of a call whose caller chose a topic and left before a person or the beep. */
const MISSED = ['abandoned', 'desk-unanswered', 'after-hours-message', 'silent-caller'];

/**
 * A caller who chose a topic and hung up before a person answered or before
 * the voicemail beep is called back at the next window (KPI-03/04: every
 * contact gets an answer). Emergency calls have their own callback.
 */
export function missedCall(record: CallRecord, config: OutboundConfig): NewJob | null {
  if (record.direction !== 'inbound' || record.category === null || record.emergency !== null) return null;
  if (!record.outcome || !MISSED.includes(record.outcome) || !config.missedCallCategories.includes(record.category)) return null;
  if (!/^\+?\d{5,20}$/.test(record.callerNumber)) return null;
  return { kind: 'missed-call', number: record.callerNumber, language: record.language, callId: record.id, category: record.category, dedupeKey: `missed-call:${record.id}` };
}

/** A voicemail in which the caller said nothing is a missed call too: it is called back. */
export function silentVoicemail(t: Ticket, config: OutboundConfig): NewJob | null {
  if (!t.noMessage || !config.missedCallCategories.includes(t.category)) return null;
  const number = t.callbackNumber || t.callerNumber;
  if (!/^\+?\d{5,20}$/.test(number)) return null;
  return {
    kind: 'missed-call', number, language: t.language, ticketId: null, callId: t.callId, category: t.category,
    dedupeKey: `missed-call:${t.callId ?? t.id}`,
  };
}
