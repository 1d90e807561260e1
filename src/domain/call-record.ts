import type { Language } from '../config/schema.ts';
import type { Category } from './category.ts';
import { nameUuid } from './name-uuid.ts';

/**
 * How a call ended, from the hotline's point of view. More significant
 * outcomes win over less significant ones (see OUTCOME_RANK): a call that
 * reached the duty line stays an emergency call whatever happens after.
 */
export type CallOutcome =
  | 'emergency-accepted' // a duty officer accepted and was connected
  | 'emergency-abandoned' // the caller hung up before anyone accepted
  | 'emergency-failed' // the callback after an abandoned emergency call did not reach the caller
  | 'transferred' // the service desk answered
  | 'desk-unanswered' // nobody at the service desk answered in time
  | 'voicemail' // the caller left a voicemail (a ticket)
  | 'after-hours-message' // the after-hours message was heard
  | 'silent-caller' // no key and no sound: ended by the SCR-47/48 script
  | 'completed' // the flow ended normally (goodbye)
  | 'abandoned' // the caller hung up in the IVR (see ended_node)
  | 'failed'; // the hotline failed (logged at error level)

const OUTCOME_RANK: Record<CallOutcome, number> = {
  'emergency-accepted': 100,
  'emergency-failed': 95,
  'emergency-abandoned': 90,
  transferred: 60,
  // Above the IVR's informational outcomes: a call handed to the dialplan
  // fallback must say so on its record, even after a desk went unanswered.
  failed: 55,
  'silent-caller': 50,
  voicemail: 45,
  'desk-unanswered': 40,
  'after-hours-message': 30,
  completed: 10,
  abandoned: 5,
};

/** Whether outcome a says more about a call than b (a record keeps the more significant one). */
export function outranks(a: CallOutcome, b: CallOutcome): boolean {
  return OUTCOME_RANK[a] > OUTCOME_RANK[b];
}

export type { Category } from './category.ts';

export type DutyAttemptResult =
  | 'accepted'
  | 'declined' // answered and pressed another key
  | 'no-key' // answered and pressed nothing in time
  | 'no-answer'
  | 'busy'
  | 'rejected'
  | 'unavailable'
  | 'failed'
  | 'caller-gone'; // the caller hung up while this target was being tried

export interface DutyAttempt {
  target: string;
  round: number;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string;
  result: DutyAttemptResult;
  /** Q.850 cause when the call failed. */
  cause: number | null;
}

export interface EmergencyRecord {
  requestedAt: string;
  acceptedAt: string | null;
  acceptedBy: string | null;
  /** From the request (pressing 1) to the officer's acceptance. */
  acceptSeconds: number | null;
  attempts: DutyAttempt[];
  abandonedAt: string | null;
  alerted: boolean;
  /** The call placed back to a caller who hung up too early. */
  callbackCallId: string | null;
}

export interface CallRecord {
  id: string;
  channelId: string;
  sipCallId: string;
  direction: 'inbound' | 'callback';
  parentCallId: string | null;
  /** Full numbers: stored for staff, never logged unmasked. */
  callerNumber: string;
  calledNumber: string;
  language: Language;
  category: Category | null;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  nodes: Array<{ node: string; at: string }>;
  keys: Array<{ key: string; node: string; at: string }>;
  outcome: CallOutcome | null;
  outcomeDetail: Record<string, unknown>;
  endedNode: string | null;
  endedBy: 'caller' | 'hotline' | 'far-end' | null;
  emergency: EmergencyRecord | null;
  resumedCount: number;
  /** The node that handled the call, as stored (records read back from the database). */
  nodeId?: string;
}

/**
 * The id of the record of the call on a channel. A restarted application finds
 * the record of a call it picks up from the channel id alone, so no call has
 * to store its id on its channel first (one ARI request fewer per call, issue
 * 10). Channel ids do not repeat: Asterisk's start with the node's systemname
 * (its node id) and the second the channel was made; the hotline gives the
 * channels it places UUIDs. A leg has one record, so one id per channel.
 */
export function recordIdOf(channelId: string): string {
  return nameUuid(`hotline-call:${channelId}`);
}

/** A record that changes while its call goes on; its current state is read when it is written. */
export interface RecordSource {
  readonly id: string;
  readonly current: Readonly<CallRecord>;
}

/** Where a changed record is announced; the store writes it behind the call (call-store.ts). */
export interface RecordSink {
  changed(source: RecordSource): void;
}

/**
 * The record of one call as the flow builds it. Every change is announced to
 * the sink at once; the sink writes the state the record has when the database
 * takes it (not a copy per change: a call changes its record a dozen times,
 * several within a few milliseconds), so the call never waits for the database.
 */
export class CallRecorder implements RecordSource {
  constructor(private readonly record: CallRecord, private readonly sink: RecordSink) {
    sink.changed(this);
  }

  get id(): string {
    return this.record.id;
  }

  get category(): Category | null {
    return this.record.category;
  }

  get current(): Readonly<CallRecord> {
    return this.record;
  }

  snapshot(): CallRecord {
    return structuredClone(this.record);
  }

  answered(at: Date): void {
    this.update((r) => { r.answeredAt ??= at.toISOString(); });
  }

  resumed(): void {
    this.update((r) => { r.resumedCount += 1; });
  }

  enteredNode(node: string, at: Date): void {
    this.update((r) => { r.nodes.push({ node, at: at.toISOString() }); });
  }

  keyPressed(key: string, node: string, at: Date): void {
    this.update((r) => { r.keys.push({ key, node, at: at.toISOString() }); });
  }

  setLanguage(language: Language): void {
    this.update((r) => { r.language = language; });
  }

  setCategory(category: Category): void {
    this.update((r) => { r.category = category; });
  }

  /** Records an outcome unless a more significant one is already there. */
  outcome(outcome: CallOutcome, detail: Record<string, unknown> = {}): void {
    const current = this.record.outcome;
    if (current && outranks(current, outcome)) return;
    this.update((r) => {
      r.outcome = outcome;
      r.outcomeDetail = detail;
    });
  }

  emergency(change: (e: EmergencyRecord) => void, at: Date): void {
    this.update((r) => {
      r.emergency ??= {
        requestedAt: at.toISOString(),
        acceptedAt: null,
        acceptedBy: null,
        acceptSeconds: null,
        attempts: [],
        abandonedAt: null,
        alerted: false,
        callbackCallId: null,
      };
      change(r.emergency);
    });
  }

  ended(at: Date, node: string | null, by: CallRecord['endedBy']): void {
    if (this.record.endedAt) return;
    this.update((r) => {
      r.endedAt = at.toISOString();
      r.endedNode = node;
      r.endedBy = by;
      if (!r.outcome) r.outcome = by === 'caller' ? 'abandoned' : 'completed';
    });
  }

  private update(change: (r: CallRecord) => void): void {
    change(this.record);
    this.sink.changed(this);
  }
}
