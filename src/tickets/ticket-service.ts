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
export class TicketService {
  constructor(
    readonly repository: TicketRepository,
    private readonly calendar: CalendarConfig,
  ) {}

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
    return this.repository.tx(async (c) => {
      const t = await this.repository.lock(c, idOrReference);
      if (!t) throw new NotFoundError(`no ticket ${idOrReference}`);
      const { set, history } = planChange(t, changes, who, this.calendar);
      return this.repository.write(c, t.id, set, history, who.username);
    });
  }
}
