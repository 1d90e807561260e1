/**
 * A ticket: what staff work on after a caller left a voicemail. Phone numbers
 * here are full numbers (staff call the customer back): never log them unmasked.
 */

import { CATEGORIES, type Category } from '../domain/category.ts';

/** A ticket's category: what the caller wants (src/domain/category.ts, the one list). */
export const TICKET_CATEGORIES = CATEGORIES;
export type TicketCategory = Category;

export const TICKET_STATUSES = ['new', 'assigned', 'in_progress', 'resolved', 'closed', 'reopened'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

/** Statuses in which a ticket no longer counts against its deadline. */
export const FINISHED_STATUSES: readonly TicketStatus[] = ['resolved', 'closed'];

export type RecordingState = 'recording' | 'stored' | 'empty' | 'deleted';

/** Why a recording ended, as far as the application could tell. */
export type RecordingEnd = 'silence' | 'max-duration' | 'key' | 'hangup' | 'emergency' | 'restart' | 'failed'
  /** Its node went away for good before the recording was kept: completed by another node with what it could reach. */
  | 'node-lost';

export interface Ticket {
  id: string;
  reference: string;
  category: TicketCategory;
  level: number | null;
  status: TicketStatus;
  assignee: string | null;
  callerNumber: string;
  callbackNumber: string;
  language: string;
  callId: string | null;
  source: string;
  acceptedAt: string;
  deadline: string;
  recording: {
    state: RecordingState;
    name: string;
    path: string | null;
    bytes: number | null;
    ms: number | null;
    sha256: string | null;
    end: string | null;
    /** Speech in the recording, ms; null when not measured (stored before it was). */
    speechMs: number | null;
    /** The node whose Asterisk recorded it ('' on a single node). */
    node: string;
  };
  /** The caller said nothing worth calling back about: no audio, or (almost) no speech in it. */
  noMessage: boolean;
  createdAt: string;
  completedAt: string | null;
  updatedAt: string;
}

export interface TicketHistoryEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  from: unknown;
  to: unknown;
  note: string | null;
}

/** What the voicemail node knows before the recording starts: enough to create the ticket. */
export interface TicketDraft {
  id: string;
  category: TicketCategory;
  level: number | null;
  callerNumber: string;
  callbackNumber: string;
  language: string;
  callId: string | null;
  createdAt: string;
  acceptedAt: string;
  deadline: string;
  recordingName: string;
  /** The node whose Asterisk records it (node.id); '' or absent: a single-node installation. */
  recordedOn?: string;
}

/** The audio of a ticket once it is safe in the recording store. */
export type { StoredAudio } from '../recordings/recording-store.ts';

/**
 * Status changes staff may make. Closing needs the customer's confirmation
 * (TKT-01), so closed comes from resolved; any finished ticket can be reopened.
 */
export const STATUS_TRANSITIONS: Readonly<Record<TicketStatus, readonly TicketStatus[]>> = {
  new: ['assigned', 'in_progress', 'resolved'],
  assigned: ['in_progress', 'resolved', 'new'],
  in_progress: ['resolved', 'assigned'],
  resolved: ['closed', 'reopened', 'in_progress'],
  closed: ['reopened'],
  reopened: ['assigned', 'in_progress', 'resolved'],
};

/** Readable reference: HL-20261124-0042 (prefix, local date, the day's sequence). */
export function formatReference(prefix: string, localDate: string, seq: number): string {
  return `${prefix}-${localDate.replaceAll('-', '')}-${String(seq).padStart(4, '0')}`;
}
