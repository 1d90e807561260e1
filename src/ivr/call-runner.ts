import { maskNumber } from '../logging/mask.ts';
import type { Language } from '../config/schema.ts';
import { CallRecorder, recordIdOf, type CallRecord, type RecordSink } from '../domain/call-record.ts';
import type { Logger } from '../logging/logger.ts';
import type { Clock } from '../time/clock.ts';
import { isCallEnded, type CallLeg } from '../telephony/port.ts';
import { CallSession, type PromptSource } from './call-session.ts';
import type { Flow } from './flow-schema.ts';
import { runFlow } from './flow-runner.ts';
import type { FlowSet } from './flow-set.ts';
import type { NodeRegistry } from './node-kind.ts';

export interface CallRunnerOptions {
  prompts: PromptSource;
  clock: Clock;
  /** Node kinds and decisions (filled by the features before the first call). */
  flows: FlowSet;
  /** Where every change of a call's record goes (written behind the call). */
  records: RecordSink;
  /** Reads a call's record back (for calls picked up after a restart); null when it cannot in time. */
  loadRecord(id: string): Promise<CallRecord | null>;
  /** Told of every call that ended, with its final record (missed calls are called back). */
  onCallEnded?(record: CallRecord): void;
  log: Logger;
}

export interface NewRecord {
  /** The record's id; default: the one its channel gives (recordIdOf), which a call picked up after a restart keeps. */
  id?: string;
  /** Picked up after a restart without its record: answered already. */
  resumed?: boolean;
  /** A call the hotline placed: the call it belongs to (an abandoned emergency call, a missed call). */
  parentCallId?: string;
  /** A call the hotline placed that belongs to no earlier call (a repair confirmation, a survey). */
  outbound?: boolean;
  /** The customer's number when it is not the leg's caller id (calls the hotline places). */
  customer?: string;
}

export interface LiveCall {
  callId: string;
  direction: CallRecord['direction'];
  node: string | null;
  language: Language;
  caller: string;
  startedAt: string;
  emergency: boolean;
}

export interface SessionInit {
  flow: Flow;
  record: CallRecord;
  language: Language;
  /** Extra fields of the call's log lines. */
  logFields?: Record<string, unknown>;
}

/**
 * Runs calls through flows: makes each call's session and record, runs the
 * flow to its end whatever happens, and keeps count of the calls in progress.
 * A failure inside the application hands the caller to the dialplan's
 * fallback (which rings the duty line), so no call ends in silence. Inbound
 * calls (inbound-calls.ts) and calls features place (callbacks) both run here.
 */
export class CallRunner {
  private readonly sessions = new Map<string, CallSession>();
  private readonly background = new Set<Promise<void>>();

  constructor(private readonly o: CallRunnerOptions) {}

  /** Calls in a flow right now. */
  get activeCalls(): number {
    return this.sessions.size;
  }

  /** The node kinds this runner knows. */
  get kinds(): NodeRegistry {
    return this.o.flows.kinds;
  }

  get clock(): Clock {
    return this.o.clock;
  }

  /** A call's record as last written; null when it is not there or the database does not answer in time. */
  loadRecord(id: string): Promise<CallRecord | null> {
    return this.o.loadRecord(id).catch(() => null);
  }

  /** Waits for running calls and other tracked work (tests and a graceful stop). */
  async settle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  /** The calls in a flow now and where each is (the console's Now page); numbers masked. */
  live(): LiveCall[] {
    return [...this.sessions.values()].map((s) => {
      const r = s.recorder.current;
      return {
        callId: r.id,
        direction: r.direction,
        node: s.node,
        language: s.language,
        caller: maskNumber(s.customerNumber),
        startedAt: r.startedAt,
        emergency: r.emergency !== null,
      };
    });
  }

  /** Keeps count of work a call started beyond itself (a callback), for settle(). */
  track(work: Promise<void>): void {
    const p = work.finally(() => this.background.delete(p));
    this.background.add(p);
  }

  /** A record for a call on `leg`; handed to the record sink once a session is made with it. */
  newRecord(leg: CallLeg, language: Language, o: NewRecord = {}): CallRecord {
    const now = this.o.clock.now().toISOString();
    const placed = o.parentCallId !== undefined || o.outbound === true;
    return {
      id: o.id ?? recordIdOf(leg.id),
      channelId: leg.id,
      sipCallId: leg.sipCallId,
      direction: placed ? 'callback' : 'inbound',
      parentCallId: o.parentCallId ?? null,
      callerNumber: o.customer ?? leg.callerNumber,
      calledNumber: placed ? (o.customer ?? '') : leg.calledNumber,
      language,
      category: null,
      startedAt: now,
      answeredAt: o.resumed || placed ? now : null,
      endedAt: null,
      nodes: [],
      keys: [],
      outcome: null,
      outcomeDetail: o.resumed ? { recordLostInRestart: true } : {},
      endedNode: null,
      endedBy: null,
      emergency: null,
      resumedCount: 0,
    };
  }

  /** A session for a call: its record goes to the sink from now on. */
  session(leg: CallLeg, init: SessionInit): CallSession {
    const recorder = new CallRecorder(init.record, this.o.records);
    const env = { flow: init.flow, prompts: this.o.prompts, clock: this.o.clock, decisions: this.o.flows.decisions };
    const log = this.o.log.child({ call: recorder.id, channel: leg.id, ...init.logFields });
    return new CallSession(leg, recorder, env, log, init.language);
  }

  /** Runs the session's flow from `start`. */
  runFlow(session: CallSession, start: string): Promise<void> {
    return runFlow(session, start, this.o.flows.kinds);
  }

  /** Runs a session to its end and closes its record, whatever happens. */
  run(session: CallSession, body: () => Promise<void>): Promise<void> {
    const work = this.runToEnd(session, body);
    this.track(work);
    return work;
  }

  private async runToEnd(session: CallSession, body: () => Promise<void>): Promise<void> {
    const { leg, recorder } = session;
    this.sessions.set(leg.id, session);
    let endedBy: CallRecord['endedBy'] = 'hotline';
    try {
      await body();
      endedBy = session.endedBy ?? (leg.ended.aborted ? 'caller' : 'hotline');
      await leg.hangup();
    } catch (err) {
      if (isCallEnded(err)) {
        endedBy = 'caller';
        session.log.info('caller hung up');
      } else {
        session.log.error({ err }, 'call failed in the application; handing it to the dialplan fallback');
        recorder.outcome('failed', { error: (err as Error).message, handedOff: true });
        await leg.handOffToDialplan().catch(() => leg.hangup().catch(() => {}));
      }
    } finally {
      recorder.ended(session.now, session.node, endedBy);
      this.sessions.delete(leg.id);
      try {
        this.o.onCallEnded?.(recorder.snapshot());
      } catch (err) {
        session.log.error({ err }, 'a listener of ended calls failed');
      }
    }
  }
}
