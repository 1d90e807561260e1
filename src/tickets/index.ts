import type { Feature, ServiceBase } from '../feature.ts';
import { ticketRoutes, type TicketRoutesDeps } from '../http/ticket-routes.ts';
import { RecordingStore } from '../recordings/recording-store.ts';
import { TicketRepository } from './ticket-repository.ts';

export interface Tickets extends Feature {
  repository: TicketRepository;
  /** Where the audio of tickets is kept (voicemails), streamed to staff. */
  recordings: RecordingStore;
}

/** Tickets staff work with deadlines: the API, the repository and the recordings. */
export function createTickets(
  base: Pick<ServiceBase, 'config' | 'db' | 'clock'>,
  uses: { deliveries: TicketRoutesDeps['deliveries'] },
): Tickets {
  const { config, db, clock } = base;
  const repository = new TicketRepository(db.pool, config.calendar, config.tickets.referencePrefix);
  const recordings = new RecordingStore(config.voicemail.recordingsDir);
  return {
    name: 'tickets',
    repository,
    recordings,
    routes: (app) => ticketRoutes(app, { tickets: repository, recordings, clock, ...(uses.deliveries ? { deliveries: uses.deliveries } : {}) }),
  };
}
