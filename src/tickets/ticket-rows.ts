import type pg from 'pg';
import { NO_MESSAGE_BELOW_MS } from '../audio/speech.ts';
import type { Ticket } from './ticket.ts';

/** A history entry a change adds (the actor is the one of the change). */
export interface HistoryEntry {
  action: string;
  from: unknown;
  to: unknown;
  note: string | null;
}

/** Tickets are addressed by uuid or by reference (HL-…). */
export function keyColumn(idOrReference: string): 'id' | 'reference' {
  return /^[0-9a-f-]{36}$/i.test(idOrReference) ? 'id' : 'reference';
}

export async function appendHistory(
  c: pg.PoolClient,
  ticketId: string,
  actor: string,
  action: string,
  from: unknown,
  to: unknown,
  note: string | null = null,
): Promise<void> {
  await c.query('insert into ticket_history (ticket_id, actor, action, from_value, to_value, note) values ($1, $2, $3, $4, $5, $6)', [
    ticketId,
    actor,
    action,
    from === null || from === undefined ? null : JSON.stringify(from),
    to === null || to === undefined ? null : JSON.stringify(to),
    note,
  ]);
}

export const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());

export function fromRow(r: any): Ticket {
  return {
    id: r.id,
    reference: r.reference,
    category: r.category,
    level: r.level,
    status: r.status,
    assignee: r.assignee,
    callerNumber: r.caller_number,
    callbackNumber: r.callback_number,
    language: r.language,
    callId: r.call_id,
    source: r.source,
    acceptedAt: iso(r.accepted_at)!,
    deadline: iso(r.deadline)!,
    recording: {
      state: r.recording_state,
      name: r.recording_name,
      path: r.recording_path,
      bytes: r.recording_bytes,
      ms: r.recording_ms,
      sha256: r.recording_sha256,
      speechMs: r.recording_speech_ms ?? null,
      end: r.recording_end,
      node: r.recorded_on ?? '',
    },
    noMessage: r.recording_state === 'empty' || (r.recording_speech_ms !== null && r.recording_speech_ms < NO_MESSAGE_BELOW_MS),
    createdAt: iso(r.created_at)!,
    completedAt: iso(r.completed_at),
    updatedAt: iso(r.updated_at)!,
  };
}
