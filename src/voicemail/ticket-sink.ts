import type { TicketRepository } from '../tickets/ticket-repository.ts';
import type { Ticket, TicketDraft } from '../tickets/ticket.ts';
import type { RecordingSink } from './voicemail-keeper.ts';

/**
 * Tickets as the keeper's sink: a voicemail's record is its ticket. `ready`
 * runs before each write, so that writes fail fast (and are retried by the
 * keeper) while the database is not migrated yet.
 */
export function ticketSink(
  tickets: Pick<TicketRepository, 'create' | 'completeRecording' | 'unfinished'>,
  ready: () => Promise<void> = async () => {},
): RecordingSink<TicketDraft, Ticket> {
  return {
    create: async (d) => { await ready(); return tickets.create(d); },
    completeRecording: async (...a) => { await ready(); return tickets.completeRecording(...a); },
    unfinished: async (nodes) => { await ready(); return (await tickets.unfinished(nodes)).map(draftOf); },
  };
}

/** The draft of a ticket already in the database (for completing it). */
export function draftOf(t: Ticket): TicketDraft {
  return {
    id: t.id,
    category: t.category,
    level: t.level,
    callerNumber: t.callerNumber,
    callbackNumber: t.callbackNumber,
    language: t.language,
    callId: t.callId,
    createdAt: t.createdAt,
    acceptedAt: t.acceptedAt,
    deadline: t.deadline,
    recordingName: t.recording.name,
    recordedOn: t.recording.node,
  };
}
