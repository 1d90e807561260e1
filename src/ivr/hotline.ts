import { randomUUID } from 'node:crypto';
import type { CalendarConfig, HotlineConfig, Language } from '../config/schema.ts';
import { CallRecorder, type CallRecord, type RecordSink } from '../calls/call-record.ts';
import { ServiceDesk } from '../desk/service-desk.ts';
import type { AlertSink } from '../emergency/alerts.ts';
import { DutyLine } from '../emergency/duty-line.ts';
import type { Logger } from '../logging/logger.ts';
import { maskNumber } from '../logging/mask.ts';
import type { ManualOverride } from '../routing/calendar.ts';
import type { Clock } from '../routing/clock.ts';
import { isCallEnded, type CallLeg, type InboundCallContext, type Telephony } from '../telephony/port.ts';
import { CallSession, CHANNEL_VARS, Jump, type PromptSource } from './call-session.ts';
import type { DutyLineNode, Flow } from './flow-schema.ts';
import { runFlow } from './flow-runner.ts';
import type { NodeServices, VoicemailServices } from './nodes/index.ts';

export interface HotlineOptions {
  flow: Flow;
  telephony: Telephony;
  prompts: PromptSource;
  clock: Clock;
  calendar: CalendarConfig;
  override(): ManualOverride | null;
  records: RecordSink;
  /** Reads a call's record back (for calls picked up after a restart); may fail. */
  loadRecord(id: string): Promise<CallRecord | null>;
  alerts: AlertSink;
  /** Tickets and audio of voicemails (the keeper). */
  voicemail: VoicemailServices;
  log: Logger;
  config: Pick<HotlineConfig, 'duty' | 'serviceDesk' | 'languages' | 'trunk'>;
}

/** Tries to reach a caller whose emergency call was cut, this many times, this far apart. */
const CALLBACK_ATTEMPTS = 3;
const CALLBACK_RING_SECONDS = 40;
const CALLBACK_GAP_MS = 30_000;

/**
 * The hotline application: every call that reaches it runs through the flow;
 * calls found in the application after a restart are picked up where they
 * were; callers who hang up on the duty line before anyone accepted are called
 * back. A failure inside the application hands the caller to the dialplan's
 * fallback (which rings the duty line), so no call ends in silence.
 */
export class Hotline {
  private readonly sessions = new Map<string, CallSession>();
  private readonly background = new Set<Promise<void>>();
  private readonly services: NodeServices;

  constructor(private readonly o: HotlineOptions) {
    this.services = {
      serviceDesk: new ServiceDesk(o.telephony, o.config.serviceDesk),
      dutyLine: new DutyLine({
        telephony: o.telephony,
        prompts: o.prompts,
        duty: o.config.duty,
        officerLanguage: o.config.languages.default,
        alerts: o.alerts,
        onAbandoned: (session, node) => this.callBack(session, node),
      }),
      voicemail: o.voicemail,
    };
    o.telephony.onInboundCall((leg, context) => this.track(this.handleInbound(leg, context)));
  }

  /** Calls in the flow right now. */
  get activeCalls(): number {
    return this.sessions.size;
  }

  /** Waits for running calls and callbacks (tests and a graceful stop). */
  async settle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  private track(work: Promise<void>): void {
    const p = work.finally(() => this.background.delete(p));
    this.background.add(p);
  }

  private async handleInbound(leg: CallLeg, context: InboundCallContext): Promise<void> {
    const { flow } = this.o;
    let start = flow.start;
    let language = this.o.config.languages.default;
    let record: CallRecord | null = null;
    let customer = leg.callerNumber;
    if (context.resumed) {
      const stored = await this.storedState(leg);
      if (stored.node && flow.nodes[stored.node]) start = stored.node;
      if (stored.language) language = stored.language;
      if (stored.customer) customer = stored.customer;
      if (stored.callId) record = await this.o.loadRecord(stored.callId).catch(() => null);
      if (!record && stored.callId) record = this.newRecord(leg, language, { id: stored.callId, resumed: true, customer });
    }
    record ??= this.newRecord(leg, language, {});
    const recorder = new CallRecorder(record, this.o.records);
    const session = new CallSession(leg, recorder, this.env(), this.o.log.child({ call: recorder.id, channel: leg.id }), language);
    session.customerNumber = customer;
    if (context.resumed) recorder.resumed();
    await this.run(session, async () => {
      if (context.resumed) {
        session.log.info({ node: start }, 'picked up again after a restart');
        // A caller in the middle of a voicemail may still be speaking: the node finishes it itself.
        if (flow.nodes[start]?.kind !== 'voicemail') start = (await introduce(session, flow.resumePrompt)) ?? start;
      } else {
        await leg.setVar(CHANNEL_VARS.callId, recorder.id);
        await leg.answer();
        recorder.answered(session.now);
        session.log.info({ from: maskNumber(leg.callerNumber) }, 'call answered');
      }
      leg.enableVoiceDetection().catch((err) => session.log.debug({ err: (err as Error).message }, 'no talk detection'));
      await runFlow(flow, session, start, this.services);
    });
  }

  /** Runs a session to its end and closes its record, whatever happens. */
  private async run(session: CallSession, body: () => Promise<void>): Promise<void> {
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
    }
  }

  private env() {
    return {
      flow: this.o.flow,
      prompts: this.o.prompts,
      clock: this.o.clock,
      calendar: this.o.calendar,
      override: this.o.override,
    };
  }

  private newRecord(leg: CallLeg, language: Language, o: { id?: string; resumed?: boolean; parentCallId?: string; customer?: string }): CallRecord {
    const now = this.o.clock.now().toISOString();
    return {
      id: o.id ?? randomUUID(),
      channelId: leg.id,
      sipCallId: leg.sipCallId,
      direction: o.parentCallId ? 'callback' : 'inbound',
      parentCallId: o.parentCallId ?? null,
      callerNumber: o.customer ?? leg.callerNumber,
      calledNumber: o.parentCallId ? (o.customer ?? '') : leg.calledNumber,
      language,
      category: null,
      startedAt: now,
      answeredAt: o.resumed || o.parentCallId ? now : null,
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

  private async storedState(leg: CallLeg) {
    const read = (name: string) => leg.getVar(name).catch(() => null);
    const [callId, node, language, customer] = await Promise.all(
      [CHANNEL_VARS.callId, CHANNEL_VARS.node, CHANNEL_VARS.language, CHANNEL_VARS.customer].map(read),
    );
    const enabled = this.o.config.languages.enabled as string[];
    return {
      callId: callId ?? null,
      node: node ?? null,
      customer: customer ?? null,
      language: language && enabled.includes(language) ? (language as Language) : null,
    };
  }

  /** Calls back a caller who hung up on the duty line before anyone accepted. */
  private callBack(parent: CallSession, node: DutyLineNode): void {
    const number = parent.customerNumber;
    const log = parent.log.child({ callback: true });
    if (parent.recorder.current.direction === 'callback') {
      log.warn('the customer hung up on the callback too; no further callback (the alert stands)');
      return;
    }
    if (!/^\+?\d{3,20}$/.test(number)) {
      log.error('cannot call back: the caller sent no usable number');
      this.o.alerts.alert({ kind: 'callback-failed', callId: parent.recorder.id, callerNumber: number, at: parent.now.toISOString(), detail: { reason: 'no-number' } });
      return;
    }
    this.track(
      (async () => {
        for (let attempt = 1; attempt <= CALLBACK_ATTEMPTS; attempt++) {
          log.info({ attempt, to: maskNumber(number) }, 'calling the caller back');
          const dialed = await this.o.telephony.dial(`tel:${number}`, {
            timeoutSeconds: CALLBACK_RING_SECONDS,
            callerId: { number: this.o.config.trunk.outboundCallerId ?? this.o.config.trunk.hotlineNumber },
            resumable: true,
          });
          if (dialed.kind === 'answered') {
            await this.runCallback(dialed.leg, parent, node);
            return;
          }
          log.warn({ attempt, reason: dialed.reason }, 'callback not answered');
          if (attempt < CALLBACK_ATTEMPTS) await new Promise((r) => setTimeout(r, CALLBACK_GAP_MS));
        }
        parent.recorder.outcome('emergency-failed', { callbackAttempts: CALLBACK_ATTEMPTS });
        this.o.alerts.alert({ kind: 'callback-failed', callId: parent.recorder.id, callerNumber: number, at: this.o.clock.now().toISOString(), detail: { attempts: CALLBACK_ATTEMPTS } });
      })().catch((err) => log.error({ err }, 'callback failed')),
    );
  }

  private async runCallback(leg: CallLeg, parent: CallSession, node: DutyLineNode): Promise<void> {
    const record = this.newRecord(leg, parent.language, { parentCallId: parent.recorder.id, customer: parent.customerNumber });
    const recorder = new CallRecorder(record, this.o.records);
    parent.recorder.emergency((e) => { e.callbackCallId = recorder.id; }, this.o.clock.now());
    const session = new CallSession(leg, recorder, this.env(), this.o.log.child({ call: recorder.id, channel: leg.id, parent: parent.recorder.id }), parent.language);
    session.customerNumber = parent.customerNumber;
    await this.run(session, async () => {
      await leg.setVar(CHANNEL_VARS.callId, recorder.id);
      await leg.setVar(CHANNEL_VARS.customer, parent.customerNumber);
      session.log.info('callback answered; connecting to the duty line');
      await introduce(session, node.prompts.callbackIntro);
      await runFlow(this.o.flow, session, this.o.flow.emergencyNode, this.services);
    });
  }
}

/**
 * Plays a prompt before the flow starts (the apology after a restart, the
 * callback's introduction). The emergency key works there as everywhere: it
 * returns the node to start at instead of escaping as an error.
 */
async function introduce(session: CallSession, prompt: string): Promise<string | null> {
  try {
    await session.play([prompt], 'emergency');
    return null;
  } catch (err) {
    if (err instanceof Jump) return err.node;
    throw err;
  }
}
