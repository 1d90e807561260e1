import type { Feature, ServiceBase } from '../feature.ts';
import { ticketRoutes, type TicketDetail, type TicketRoutesDeps } from './routes.ts';
import { RecordingStore } from '../recordings/recording-store.ts';
import { TicketRepository } from './ticket-repository.ts';
import { TicketService } from './ticket-service.ts';

export interface Tickets extends Feature {
  /** The tables, for the voicemail path's idempotent writes. */
  repository: TicketRepository;
  /** Staff reads and changes under the ticket rules. */
  service: TicketService;
  /** Where the audio of tickets is kept (voicemails), streamed to staff. */
  recordings: RecordingStore;
  /** Adds a field to one ticket's view (before the API is built). */
  addDetail(detail: TicketDetail): void;
}

/** Tickets staff work with deadlines: the API, the repository and the recordings. */
export function createTickets(
  base: Pick<ServiceBase, 'config' | 'db' | 'clock'>,
  uses: { deliveries: TicketRoutesDeps['deliveries'] },
): Tickets {
  const { config, db, clock } = base;
  const repository = new TicketRepository(db.pool, config.calendar, config.tickets.referencePrefix);
  const service = new TicketService(repository, config.calendar);
  const recordings = new RecordingStore(config.voicemail.recordingsDir, db.pool, config.node.id);
  const details: TicketDetail[] = [];
  return {
    addDetail: (detail) => void details.push(detail),
    name: 'tickets',
    repository,
    service,
    recordings,
    routes: (app) => ticketRoutes(app, { tickets: service, recordings, clock, details, ...(uses.deliveries ? { deliveries: uses.deliveries } : {}) }),
  };
}
