import type { HotlineConfig } from '../config/schema.ts';
import { CHANNEL_VARS, type CallSession } from '../ivr/call-session.ts';
import type { CallRunner } from '../ivr/call-runner.ts';
import { introduce } from '../ivr/flow-runner.ts';
import { maskNumber } from '../logging/mask.ts';
import type { CallLeg, Telephony } from '../telephony/port.ts';
import type { AlertSink } from './alerts.ts';
import type { DutyLineNode } from './duty-line-node.ts';

/** Tries to reach a caller whose emergency call was cut, this many times, this far apart. */
const CALLBACK_ATTEMPTS = 3;
const CALLBACK_RING_SECONDS = 40;
const CALLBACK_GAP_MS = 30_000;

export interface AbandonedCallbackOptions {
  telephony: Telephony;
  runner: CallRunner;
  alerts: AlertSink;
  trunk: HotlineConfig['trunk'];
}

/**
 * Calls back a caller who hung up on the duty line before anyone accepted:
 * up to three attempts, and an answered callback goes straight to the duty
 * line after a short introduction. A callback that is cut in turn is not
 * called back again (the alert stands).
 */
export class AbandonedCallback {
  constructor(private readonly o: AbandonedCallbackOptions) {}

  callBack(parent: CallSession, node: DutyLineNode): void {
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
    this.o.runner.track(
      (async () => {
        for (let attempt = 1; attempt <= CALLBACK_ATTEMPTS; attempt++) {
          log.info({ attempt, to: maskNumber(number) }, 'calling the caller back');
          const dialed = await this.o.telephony.dial(`tel:${number}`, {
            timeoutSeconds: CALLBACK_RING_SECONDS,
            callerId: { number: this.o.trunk.outboundCallerId ?? this.o.trunk.hotlineNumber },
            resumable: true,
          });
          if (dialed.kind === 'answered') {
            await this.connect(dialed.leg, parent, node);
            return;
          }
          log.warn({ attempt, reason: dialed.reason }, 'callback not answered');
          if (attempt < CALLBACK_ATTEMPTS) await new Promise((r) => setTimeout(r, CALLBACK_GAP_MS));
        }
        parent.recorder.outcome('emergency-failed', { callbackAttempts: CALLBACK_ATTEMPTS });
        this.o.alerts.alert({ kind: 'callback-failed', callId: parent.recorder.id, callerNumber: number, at: this.o.runner.clock.now().toISOString(), detail: { attempts: CALLBACK_ATTEMPTS } });
      })().catch((err) => log.error({ err }, 'callback failed')),
    );
  }

  private async connect(leg: CallLeg, parent: CallSession, node: DutyLineNode): Promise<void> {
    const { runner } = this.o;
    const flow = parent.env.flow;
    const record = runner.newRecord(leg, parent.language, { parentCallId: parent.recorder.id, customer: parent.customerNumber });
    const session = runner.session(leg, { flow, record, language: parent.language, logFields: { parent: parent.recorder.id } });
    parent.recorder.emergency((e) => { e.callbackCallId = session.recorder.id; }, runner.clock.now());
    session.customerNumber = parent.customerNumber;
    await runner.run(session, async () => {
      await leg.setVar(CHANNEL_VARS.callId, session.recorder.id);
      await leg.setVar(CHANNEL_VARS.customer, parent.customerNumber);
      session.log.info('callback answered; connecting to the duty line');
      await introduce(session, node.prompts.callbackIntro);
      await runner.runFlow(session, flow.emergencyNode);
    });
  }
}
