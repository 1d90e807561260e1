import type { NewTicketEvent } from './new-ticket-event.ts';
import { summarizeTicket, type TicketSummary } from './ticket-summary.ts';
import { maskNumber } from '../logging/mask.ts';
import { nameUuid } from '../domain/name-uuid.ts';

/**
 * What the outbox carries: new and reopened tickets for staff, and alerts for
 * the duty line. Each becomes one delivery per channel that carries its kind
 * (unique per event, subject and channel: enqueueing again creates nothing).
 */
export type Notification =
  | { event: 'ticket.created'; ticket: NewTicketEvent }
  /** A callback found the problem not solved: the ticket was reopened. */
  | { event: 'ticket.reopened'; ticket: NewTicketEvent; reason: string; subjectId: string }
  | { event: `duty.${DutyAlertKind}`; alert: DutyAlertEvent }
  /** The month-end report for the supervisors (CB-03, RPT-01). */
  | { event: 'report.monthly'; report: MonthlyReportPayload };

/** What the month-end report's e-mail says: the headline figures, the CSV, where the full report is. */
export interface MonthlyReportPayload {
  type: 'hotline.monthly-report';
  month: string;
  /** Recipients of this report; empty: the e-mail channel's own. */
  to: string[];
  /** One line per figure: "KPI-01 answer rate: 93.1 % (931/1000, target ≥ 90 %)". */
  lines: string[];
  csv: string;
  /** Path of the report on the API (the PDF: add &format=pdf). */
  path: string;
}

export type DutyAlertKind =
  | 'emergency-abandoned' // the caller hung up before an officer accepted
  | 'duty-unanswered' // a whole round of the duty list rang and nobody accepted
  | 'callback-failed'; // the caller of an abandoned emergency call could not be reached again

export interface DutyAlertEvent {
  kind: DutyAlertKind;
  callId: string;
  /** Full number: the duty staff need it to act at once; it never goes to the log. */
  callerNumber: string;
  at: string;
  detail?: Record<string, unknown>;
}

/** The stored form of a ticket notification: the summary (masked number), and why for a reopening. */
export type TicketPayload = TicketSummary & { reason?: string };

/** The stored form of a duty alert: what the duty line's paging webhook receives. */
export interface DutyAlertPayload {
  type: 'hotline.duty-alert';
  kind: DutyAlertKind;
  callId: string;
  callerNumber: string;
  callerMasked: string;
  at: string;
  detail: Record<string, unknown>;
}

export type Payload = TicketPayload | DutyAlertPayload | MonthlyReportPayload;

/** The row's event, subject and payload for a notification. */
export function stored(n: Notification, publicBaseUrl: string): { event: string; subjectId: string; payload: Payload } {
  if (n.event === 'ticket.created') return { event: n.event, subjectId: n.ticket.ticketId, payload: summarizeTicket(n.ticket, publicBaseUrl) };
  if (n.event === 'ticket.reopened') {
    return { event: n.event, subjectId: n.subjectId, payload: { ...summarizeTicket(n.ticket, publicBaseUrl), reason: n.reason } };
  }
  // subject_id is a uuid: the month's own, the same on every node (one report e-mail per month whoever sends it).
  if (n.event === 'report.monthly') return { event: n.event, subjectId: nameUuid(`monthly-report:${n.report.month}`), payload: n.report };
  const a = n.alert;
  return {
    event: n.event,
    subjectId: a.callId,
    payload: { type: 'hotline.duty-alert', kind: a.kind, callId: a.callId, callerNumber: a.callerNumber, callerMasked: maskNumber(a.callerNumber), at: a.at, detail: a.detail ?? {} },
  };
}

export const isTicketEvent = (event: string) => event.startsWith('ticket.');
export const isReportEvent = (event: string) => event.startsWith('report.');
export const isDutyEvent = (event: string) => event.startsWith('duty.');
