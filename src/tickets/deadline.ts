import type { CalendarConfig } from '../config/schema.ts';
import { addWorkingDays, serviceState } from '../calendar/calendar.ts';
import type { TicketCategory } from './ticket.ts';

/**
 * Ticket deadlines (PRODUCT "Voicemail becomes a ticket"):
 * - complaints by level, CMP-02…05: 1 → 2 h, 2 → 48 h, 3 → 4 working days,
 *   4 → 7 working days;
 * - repair requests by the repair target REP-02: 3 working days from the day
 *   after acceptance;
 * - billing and other questions: 48 h, like a level-2 complaint.
 *
 * Hours run from acceptance: a message left while the service desk is closed
 * is accepted when the desk next opens (CMP-01 counts "from acceptance"; no
 * one can answer a complaint at 3 a.m. within 2 h). Working days are counted
 * from the day after the acceptance day, at the same local time, holidays and
 * make-up working days taken from the calendar.
 */

export type DeadlineRule = { hours: number } | { workingDays: number };

export const LEVEL_RULES: Readonly<Record<1 | 2 | 3 | 4, DeadlineRule>> = {
  1: { hours: 2 },
  2: { hours: 48 },
  3: { workingDays: 4 },
  4: { workingDays: 7 },
};

export const CATEGORY_RULES: Readonly<Record<Exclude<TicketCategory, 'complaint'>, DeadlineRule>> = {
  repair: { workingDays: 3 },
  billing: { hours: 48 },
  other: { hours: 48 },
};

/** A voicemail complaint is classified by staff (CMP-08); until then it is held to the strictest level. */
export const DEFAULT_COMPLAINT_LEVEL = 1;

export interface Deadline {
  acceptedAt: Date;
  deadline: Date;
}

export function ruleFor(category: TicketCategory, level: number | null): DeadlineRule {
  if (category === 'complaint') return LEVEL_RULES[(level ?? DEFAULT_COMPLAINT_LEVEL) as 1 | 2 | 3 | 4];
  return CATEGORY_RULES[category];
}

/** When the deadline clock starts for a ticket received at `receivedAt`. */
export function acceptanceTime(cal: CalendarConfig, receivedAt: Date): Date {
  const state = serviceState(cal, receivedAt);
  return state.open || state.nextChange === null ? new Date(receivedAt) : new Date(state.nextChange);
}

export function deadlineFor(cal: CalendarConfig, category: TicketCategory, level: number | null, receivedAt: Date): Deadline {
  const acceptedAt = acceptanceTime(cal, receivedAt);
  const rule = ruleFor(category, level);
  const deadline =
    'hours' in rule ? new Date(acceptedAt.getTime() + rule.hours * 3_600_000) : addWorkingDays(cal, acceptedAt, rule.workingDays);
  return { acceptedAt, deadline };
}
