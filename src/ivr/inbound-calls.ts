import type { Language } from '../config/schema.ts';
import { recordIdOf, type CallRecord } from '../domain/call-record.ts';
import type { Logger } from '../logging/logger.ts';
import { maskNumber } from '../logging/mask.ts';
import { abortableSleep } from '../async/abortable-sleep.ts';
import { CallEndedError, type CallLeg, type InboundCallContext, type Telephony } from '../telephony/port.ts';
import { CHANNEL_VARS } from './call-session.ts';
import type { CallRunner } from './call-runner.ts';
import type { Flow } from './flow-schema.ts';
import { introduce } from './flow-runner.ts';

/** How often a picked-up call the hotline placed is offered to the features before it is given up (1 s, 2 s, … apart). */
const CLAIM_TRIES = 5;

export interface InboundCallsOptions {
  telephony: Telephony;
  runner: CallRunner;
  flow: Flow;
  defaultLanguage: Language;
  enabledLanguages: readonly Language[];
  /**
   * Features whose calls may be picked up after a restart (calls the hotline
   * placed): each says whether a call is its own, and then runs it on. A
   * claim that throws could not tell (the telephony or the database slow
   * after a restart) and is asked again.
   */
  claims?: ReadonlyArray<(leg: CallLeg) => Promise<boolean>>;
  log: Logger;
}

/**
 * Calls that reach the application run through the inbound flow. A call found
 * in the application after a restart is picked up where it was: its record
 * (found by the call id on its channel) says the node and the language.
 */
export class InboundCalls {
  constructor(private readonly o: InboundCallsOptions) {
    o.telephony.onInboundCall((leg, context) => o.runner.track(this.handle(leg, context)));
  }

  private async handle(leg: CallLeg, context: InboundCallContext): Promise<void> {
    const { flow, runner } = this.o;
    let start = flow.start;
    let language = this.o.defaultLanguage;
    let record: CallRecord | null = null;
    let customer = leg.callerNumber;
    if (context.resumed) {
      if (await this.claimed(leg, context.placed === true)) return;
      if (context.placed) {
        // A customer the hotline called: the inbound menu would greet them as a caller. No feature knows the call.
        this.o.log.warn({ channel: leg.id }, 'a call the hotline placed was picked up, but no feature takes it; hanging up');
        await leg.hangup().catch(() => undefined);
        return;
      }
      const stored = await this.storedState(leg);
      if (stored.customer) customer = stored.customer;
      const callId = stored.callId ?? recordIdOf(leg.id);
      record = await runner.loadRecord(callId);
      if (record) {
        const where = resumePoint(record, flow, this.o.enabledLanguages);
        start = where.node ?? start;
        language = where.language ?? language;
      } else {
        // The record is not in the database (it was away): the call goes on from the start, under its id.
        this.o.log.warn({ channel: leg.id, call: callId }, 'record of a picked-up call not found; it starts over');
        record = runner.newRecord(leg, language, { id: callId, resumed: true, customer });
      }
    }
    record ??= runner.newRecord(leg, language);
    const session = runner.session(leg, { flow, record, language });
    session.customerNumber = customer;
    if (context.resumed) session.recorder.resumed();
    await runner.run(session, async () => {
      if (context.resumed) {
        session.log.info({ node: start }, 'picked up again after a restart');
        // A node that waits on something of its own (a recording) is not interrupted by an apology.
        if (!runner.kinds.resumesItself(flow.nodes[start])) start = (await introduce(session, flow.resumePrompt)) ?? start;
      } else {
        await leg.answer();
        session.recorder.answered(session.now);
        session.log.info({ from: maskNumber(leg.callerNumber) }, 'call answered');
      }
      leg.enableVoiceDetection().catch((err) => session.log.debug({ err: (err as Error).message }, 'no talk detection'));
      await runner.runFlow(session, start);
    });
  }

  /** Whether a feature took the call (or it ended meanwhile). A call the hotline placed is asked about a few times. */
  private async claimed(leg: CallLeg, placed: boolean): Promise<boolean> {
    const tries = placed ? CLAIM_TRIES : 1;
    for (let n = 1; ; n++) {
      let unsure = false;
      for (const claim of this.o.claims ?? []) {
        try {
          if (await claim(leg)) return true;
        } catch (err) {
          if (err instanceof CallEndedError) return true;
          unsure = true;
          this.o.log.warn({ channel: leg.id, err: (err as Error).message, try: n }, 'cannot tell yet whose call was picked up');
        }
      }
      if (!unsure || n >= tries) return false;
      await abortableSleep(n * 1000, leg.ended).catch(() => undefined);
      if (leg.ended.aborted) return true;
    }
  }

  /** What a channel carries: the customer of a callback; the call id only on calls from before ids came from channels. */
  private async storedState(leg: CallLeg) {
    const read = (name: string) => leg.getVar(name).catch(() => null);
    const [callId, customer] = await Promise.all([CHANNEL_VARS.callId, CHANNEL_VARS.customer].map(read));
    return { callId: callId ?? null, customer: customer ?? null };
  }
}

/** Where a call picked up again goes on: the last node its record reached, in its language. */
export function resumePoint(record: CallRecord, flow: Flow, enabled: readonly Language[]): { node: string | null; language: Language | null } {
  const last = record.nodes.at(-1)?.node ?? null;
  return {
    node: last && flow.nodes[last] ? last : null,
    language: enabled.includes(record.language) ? record.language : null,
  };
}
