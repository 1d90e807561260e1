import type pg from 'pg';
import type { CalendarConfig } from '../config/schema.ts';
import type { Principal } from '../domain/staff.ts';
import { NotFoundError } from '../errors/domain-error.ts';
import type { TicketFilter, TicketRepository } from './ticket-repository.ts';
import { planChange, type TicketChanges } from './ticket-rules.ts';
import type { Ticket, TicketHistoryEntry } from './ticket.ts';

/**
 * Tickets for staff: reading, and changing under the ticket rules
 * (ticket-rules.ts) inside the transaction that locks the row, so two staff
 * changing one ticket at once are applied one after the other, each checked
 * against what the other left.
 */
/**
 * Told of every change of a ticket's status, inside the transaction that made
 * it: what a listener writes (a callback job, a cancellation) exists exactly
 * when the change does.
 */
export type TicketListener = (c: pg.PoolClient, before: Ticket, after: Ticket, who: Principal) => Promise<void>;

export class TicketService {
  private readonly listeners: TicketListener[] = [];

  constructor(
    readonly repository: TicketRepository,
    private readonly calendar: CalendarConfig,
  ) {}

  /** Adds a listener of status changes (the outbound calls queue a repair confirmation, a survey). */
  onStatusChange(listener: TicketListener): void {
    this.listeners.push(listener);
  }

  /** By uuid or reference; NotFoundError when there is none. */
  async get(idOrReference: string): Promise<Ticket> {
    const t = await this.repository.get(idOrReference);
    if (!t) throw new NotFoundError(`no ticket ${idOrReference}`);
    return t;
  }

  history(id: string): Promise<TicketHistoryEntry[]> {
    return this.repository.history(id);
  }

  list(filter: TicketFilter, now: Date): Promise<{ tickets: Ticket[]; total: number }> {
    return this.repository.list(filter, now);
  }

  /** Applies a staff change with its history entries, or throws the domain error that says why not. */
  change(idOrReference: string, changes: TicketChanges, who: Principal): Promise<Ticket> {
    return this.repository.tx((c) => this.changeWithin(c, idOrReference, changes, who));
  }

  /** The same inside a caller's transaction (a callback's result reopens the ticket with the attempt's end). */
  async changeWithin(c: pg.PoolClient, idOrReference: string, changes: TicketChanges, who: Principal): Promise<Ticket> {
    const t = await this.repository.lock(c, idOrReference);
    if (!t) throw new NotFoundError(`no ticket ${idOrReference}`);
    const { set, history } = planChange(t, changes, who, this.calendar);
    const after = await this.repository.write(c, t.id, set, history, who.username);
    if (after.status !== t.status) for (const l of this.listeners) await l(c, t, after, who);
    return after;
  }

  /** Adds a history entry without a change (e.g. "callback unreachable"). */
  async note(c: pg.PoolClient, ticketId: string, actor: string, action: string, to: unknown): Promise<void> {
    await this.repository.write(c, ticketId, {}, [{ action, from: null, to, note: null }], actor);
  }
}
