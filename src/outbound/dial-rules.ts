import type { CalendarConfig } from '../config/schema.ts';
import type { OutboundConfig } from '../config/outbound-schema.ts';
import { addDays, fromLocalMinutes, toLocalParts } from '../calendar/local-time.ts';
import { nextOpening, withinWindow } from './calling-window.ts';
import type { Job } from './job.ts';

/** What the store found out about a due job, inside the claim's transaction. */
export interface DialFacts {
  /** The number is on the opt-out list. */
  optedOut: boolean;
  /** Attempts to this number started today (local day). */
  callsToNumberToday: number;
  /** The job's ticket's status now; undefined without a ticket, null when it is gone. */
  ticketStatus?: string | null;
  /** A missed call whose number has since got through (a person, or a message). */
  gotThroughSince: boolean;
  /** Outbound calls in progress now, this one not counted. */
  inProgress: number;
}

export type DialDecision =
  | { kind: 'dial' }
  /** Not now: due again at `until` (or at the next round when null: only the concurrency limit holds it). */
  | { kind: 'wait'; until: Date | null; why: string }
  | { kind: 'cancel'; status: 'cancelled' | 'opted-out'; why: string };

/**
 * Whether a due job may be dialed now. Checked at dial time, in the claim's
 * transaction, so a rule that changed since the job was queued (an opt-out, a
 * reopened ticket, a number that got through) is what counts. The callback of
 * an abandoned emergency call is exempt from every rule but the ticket's.
 */
export function decideDial(job: Job, facts: DialFacts, config: OutboundConfig, calendar: CalendarConfig, now: Date): DialDecision {
  if (job.kind === 'emergency-callback') return { kind: 'dial' };
  if (facts.optedOut) return { kind: 'cancel', status: 'opted-out', why: 'the number asked for no more calls' };
  if (job.ticketId !== null) {
    const wanted = job.kind === 'repair-confirmation' ? ['resolved', 'closed'] : job.kind === 'survey' ? ['closed'] : null;
    if (facts.ticketStatus === null) return { kind: 'cancel', status: 'cancelled', why: 'the ticket is gone' };
    if (wanted && facts.ticketStatus && !wanted.includes(facts.ticketStatus)) {
      return { kind: 'cancel', status: 'cancelled', why: `the ticket is ${facts.ticketStatus} now` };
    }
  }
  if (job.kind === 'missed-call' && facts.gotThroughSince) return { kind: 'cancel', status: 'cancelled', why: 'the caller has got through since' };
  const window = config.kinds[job.kind].window;
  if (!withinWindow(window, calendar, now)) return { kind: 'wait', until: nextOpening(window, calendar, now), why: 'outside the calling window' };
  if (facts.callsToNumberToday >= config.perNumberPerDay) {
    const tomorrow = addDays(toLocalParts(now, calendar.timezone).date, 1);
    return { kind: 'wait', until: nextOpening(window, calendar, fromLocalMinutes(tomorrow, 0, calendar.timezone)), why: 'enough calls to this number today' };
  }
  if (facts.inProgress >= config.maxConcurrent) return { kind: 'wait', until: null, why: 'as many calls at once as allowed' };
  return { kind: 'dial' };
}

/** Outcomes of an attempt that reached nobody: the job is tried again, or ends unreachable. */
export function afterFailedAttempt(job: Job, config: OutboundConfig, calendar: CalendarConfig, now: Date): { status: 'pending'; dueAt: Date } | { status: 'unreachable' } {
  if (job.attempts >= job.maxAttempts) return { status: 'unreachable' };
  const kind = config.kinds[job.kind];
  return { status: 'pending', dueAt: nextOpening(kind.window, calendar, new Date(now.getTime() + kind.retryMinutes * 60_000)) };
}
