import type { CalendarConfig } from '../config/schema.ts';
import { roleAtLeast, type Principal } from '../domain/staff.ts';
import { ConflictError, ForbiddenError, InputError } from '../errors/domain-error.ts';
import { deadlineFor } from './deadline.ts';
import type { HistoryEntry } from './ticket-rows.ts';
import { STATUS_TRANSITIONS, type Ticket, type TicketStatus } from './ticket.ts';

/** A change staff asked for that the ticket's state does not allow (HTTP 409). */
export class TicketConflictError extends ConflictError {}

/** A change that makes no sense for this ticket (HTTP 400). */
export class TicketInputError extends InputError {}

export interface TicketChanges {
  status?: TicketStatus;
  level?: number;
  /** null un-assigns. */
  assignee?: string | null;
  callbackNumber?: string;
  note?: string;
}

export interface PlannedChange {
  /** Columns to set. */
  set: Record<string, unknown>;
  /** One entry per change, in the order they apply. */
  history: HistoryEntry[];
}

/**
 * What a staff change does to a ticket, or why it may not: the one place of
 * the ticket rules, run inside the transaction that holds the ticket's row.
 *  - roles: agents take tickets nobody holds and give back their own;
 *    changing the level or someone else's assignment needs a supervisor (403);
 *    a ticket another agent took in the meantime is theirs (409);
 *  - status: only the transitions of STATUS_TRANSITIONS (409); taking a new
 *    or reopened ticket assigns it, giving it back makes it new again;
 *  - level: complaints only, 1 to 4 (400); it moves the deadline (CMP-02…05).
 */
export function planChange(t: Ticket, changes: TicketChanges, who: Principal, calendar: CalendarConfig): PlannedChange {
  checkRole(t, changes, who);
  const set: Record<string, unknown> = {};
  const history: HistoryEntry[] = [];
  const entry = (action: string, from: unknown, to: unknown, note: string | null = null) => history.push({ action, from, to, note });

  if (changes.level !== undefined && changes.level !== t.level) {
    if (t.category !== 'complaint') throw new TicketInputError(`only complaints have a level; ${t.reference} is ${t.category}`);
    if (!Number.isInteger(changes.level) || changes.level < 1 || changes.level > 4) {
      throw new TicketInputError(`a complaint level is 1 to 4, not ${changes.level}`);
    }
    const { deadline } = deadlineFor(calendar, t.category, changes.level, new Date(t.acceptedAt));
    set.level = changes.level;
    set.deadline = deadline;
    entry('level', t.level, changes.level);
    entry('deadline', t.deadline, deadline.toISOString());
  }
  let status = t.status;
  if (changes.assignee !== undefined && changes.assignee !== t.assignee) {
    set.assignee = changes.assignee;
    entry('assignee', t.assignee, changes.assignee);
    // Taking a new ticket is assigning it; an explicit status below wins.
    if (changes.assignee && changes.status === undefined && (t.status === 'new' || t.status === 'reopened')) status = 'assigned';
    // Nobody holds it any more: it is waiting to be taken again.
    if (changes.assignee === null && changes.status === undefined && t.status === 'assigned') status = 'new';
  }
  const wanted = changes.status ?? status;
  if (wanted !== t.status) {
    if (!STATUS_TRANSITIONS[t.status].includes(wanted)) {
      throw new TicketConflictError(`${t.reference} is ${t.status}; it can become ${STATUS_TRANSITIONS[t.status].join(', ')}, not ${wanted}`);
    }
    set.status = wanted;
    entry('status', t.status, wanted);
  }
  if (changes.callbackNumber !== undefined && changes.callbackNumber !== t.callbackNumber) {
    set.callback_number = changes.callbackNumber;
    entry('callback-number', t.callbackNumber, changes.callbackNumber);
  }
  if (changes.note) entry('note', null, null, changes.note);
  return { set, history };
}

function checkRole(t: Ticket, changes: TicketChanges, who: Principal): void {
  if (roleAtLeast(who.role, 'supervisor')) return;
  if (changes.level !== undefined) throw new ForbiddenError('changing the level needs the supervisor role');
  if (changes.assignee === undefined || changes.assignee === t.assignee) return;
  if (changes.assignee === who.username) {
    // Two agents taking one ticket at once: the row lock orders them, and the second finds it held.
    if (t.assignee !== null) throw new TicketConflictError(`${t.reference} is held by ${t.assignee}; a supervisor can reassign it`);
    return;
  }
  // An agent takes tickets and gives back their own; moving other people's work needs a supervisor.
  if (changes.assignee !== null) throw new ForbiddenError('agents can only assign tickets to themselves');
  if (t.assignee !== who.username) throw new ForbiddenError('agents can only give back tickets assigned to themselves');
}
