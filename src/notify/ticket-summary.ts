import { maskNumber } from '../logging/mask.ts';
import type { NewTicketEvent } from './new-ticket-event.ts';

/**
 * What the outbox stores for a new ticket and builds every notification from:
 * the event without the full caller number (masked, last 4 digits) and with
 * the staff link. Stored as the delivery's payload, so a retry days later
 * sends what the first attempt would have sent.
 */
export interface TicketSummary {
  ticketId: string;
  reference: string;
  category: NewTicketEvent['category'];
  level: number | null;
  language: string;
  /** e.g. "*******8000" */
  callerMasked: string;
  deadline: string;
  createdAt: string;
  recordingSeconds: number | null;
  /** <publicBaseUrl>/api/tickets/<reference> */
  url: string;
}

export function summarizeTicket(event: NewTicketEvent, publicBaseUrl: string): TicketSummary {
  return {
    ticketId: event.ticketId,
    reference: event.reference,
    category: event.category,
    level: event.level,
    language: event.language,
    callerMasked: maskNumber(event.callerNumber),
    deadline: event.deadline,
    createdAt: event.createdAt,
    recordingSeconds: event.recordingSeconds,
    url: ticketUrl(publicBaseUrl, event.reference),
  };
}

export function ticketUrl(publicBaseUrl: string, reference: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/api/tickets/${encodeURIComponent(reference)}`;
}

/**
 * The fields in a fixed order: the payload comes back from jsonb with its keys
 * reordered, and receivers (and people reading a webhook log) are better
 * served by one stable layout.
 */
export function orderedSummary(s: TicketSummary): TicketSummary {
  return {
    ticketId: s.ticketId,
    reference: s.reference,
    category: s.category,
    level: s.level ?? null,
    language: s.language,
    callerMasked: s.callerMasked,
    deadline: s.deadline,
    createdAt: s.createdAt,
    recordingSeconds: s.recordingSeconds ?? null,
    url: s.url,
  };
}
