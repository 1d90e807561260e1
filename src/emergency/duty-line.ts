import type { HotlineConfig, Language } from '../config/schema.ts';
import type { DutyAttemptResult } from '../domain/call-record.ts';
import type { CallSession, PromptSource } from '../ivr/call-session.ts';
import type { DutyLineNode } from './duty-line-node.ts';
import { maskNumber, maskTarget } from '../logging/mask.ts';
import { CallEndedError, isCallEnded, type CallLeg, type Telephony } from '../telephony/port.ts';
import type { AlertSink } from './alerts.ts';
import { startComfort } from '../ivr/comfort.ts';
import { converse } from '../ivr/converse.ts';
import { abortableSleep } from '../async/abortable-sleep.ts';

export interface DutyLineOptions {
  telephony: Telephony;
  prompts: PromptSource;
  duty: HotlineConfig['duty'];
  /** Language of what the officer hears. */
  officerLanguage: Language;
  alerts: AlertSink;
  /** Calls back a caller who hung up before anyone accepted (abandoned-callback.ts). */
  onAbandoned(session: CallSession, node: DutyLineNode): void;
}

type Acceptance = 'accepted' | 'declined' | 'no-key' | 'hung-up';

/**
 * The emergency path (PRODUCT "The emergency (duty) line"): the duty targets
 * ring one at a time, `ringSeconds` each, and the list repeats until an
 * officer accepts or the caller hangs up. The caller hears ringback and a
 * reassurance every `reassuranceSeconds`, never silence. An officer who answers
 * hears "emergency call from <number>, press 1 to accept"; any other key, or
 * none within `acceptSeconds`, moves on to the next target, so a personal
 * voicemail or a missed pickup cannot swallow the call. Nothing here waits on
 * the database: the record is written behind.
 */
export class DutyLine {
  constructor(private readonly o: DutyLineOptions) {}

  async connect(session: CallSession, node: DutyLineNode): Promise<void> {
    const { leg, recorder } = session;
    const requestedAt = session.now;
    recorder.emergency(() => {}, requestedAt);
    session.log.warn({ from: maskNumber(session.customerNumber) }, 'emergency call: ringing the duty line');
    const file = (id: string) => this.o.prompts.file(id, session.language);
    // The first duty phone rings at once; the caller hears "connecting" meanwhile.
    const comfort = startComfort(
      leg,
      { connecting: file(node.prompts.connecting), reassurance: file(node.prompts.reassurance) },
      this.o.duty.reassuranceSeconds * 1000,
    );
    try {
      const officer = await this.hunt(session, node);
      await comfort.stop();
      const acceptedAt = session.now;
      const acceptSeconds = round1((acceptedAt.getTime() - requestedAt.getTime()) / 1000);
      recorder.emergency((e) => {
        e.acceptedAt = acceptedAt.toISOString();
        e.acceptedBy = officer.target;
        e.acceptSeconds = acceptSeconds;
      }, acceptedAt);
      session.log.info({ acceptedBy: maskTarget(officer.target), acceptSeconds }, 'duty officer accepted; connecting');
      await converse(this.o.telephony, session, officer.leg, 'emergency-accepted', { acceptedBy: officer.target, acceptSeconds }, 'officer');
    } catch (err) {
      if (isCallEnded(err) && leg.ended.aborted) this.abandoned(session, node);
      throw err;
    } finally {
      await comfort.stop();
    }
  }

  /** Rings the targets in turn, round after round, until one accepts. */
  private async hunt(session: CallSession, node: DutyLineNode): Promise<{ leg: CallLeg; target: string }> {
    const { leg: caller, recorder } = session;
    const { targets, ringSeconds } = this.o.duty;
    for (let round = 1; ; round++) {
      const roundStarted = Date.now();
      for (const target of targets) {
        if (caller.ended.aborted) throw new CallEndedError(caller.id);
        const startedAt = session.now;
        const dialed = await this.o.telephony.dial(target, {
          timeoutSeconds: ringSeconds,
          callerId: { name: 'EMERGENCY', number: session.customerNumber },
          signal: caller.ended,
        });
        let result: DutyAttemptResult;
        let answeredAt: string | null = null;
        if (dialed.kind === 'failed') {
          result = dialed.reason === 'cancelled' ? 'caller-gone' : dialed.reason;
        } else {
          answeredAt = session.now.toISOString();
          const acceptance = await this.askToAccept(dialed.leg, caller, session.customerNumber, node);
          result = acceptance === 'hung-up' ? 'rejected' : acceptance;
          // A caller who left while the officer was being asked ends the attempt: the
          // officer neither declined nor missed it (askToAccept stops on the caller's end).
          if (caller.ended.aborted) result = 'caller-gone';
          if (result !== 'accepted') await dialed.leg.hangup();
        }
        recorder.emergency((e) => {
          e.attempts.push({
            target,
            round,
            startedAt: startedAt.toISOString(),
            answeredAt,
            endedAt: session.now.toISOString(),
            result,
            cause: dialed.kind === 'failed' ? dialed.cause : null,
          });
        }, startedAt);
        session.log.info({ target: maskTarget(target), round, result }, 'duty attempt');
        if (result === 'accepted' && dialed.kind === 'answered') return { leg: dialed.leg, target };
        if (caller.ended.aborted) throw new CallEndedError(caller.id);
      }
      if (round === 1) {
        this.o.alerts.alert({
          kind: 'duty-unanswered',
          callId: recorder.id,
          callerNumber: session.customerNumber,
          at: session.now.toISOString(),
          detail: { targets: targets.length },
        });
      }
      // Targets that fail at once (unreachable) must not spin: pace the rounds.
      const elapsed = Date.now() - roundStarted;
      if (elapsed < 5000) await abortableSleep(5000 - elapsed, caller.ended);
    }
  }

  /** Tells the officer who is calling and waits for 1. */
  private async askToAccept(officer: CallLeg, caller: CallLeg, number: string, node: DutyLineNode): Promise<Acceptance> {
    const lang = this.o.officerLanguage;
    const files = [
      this.o.prompts.file(node.prompts.announce, lang),
      ...this.o.prompts.digitFiles(number, lang),
      this.o.prompts.file(node.prompts.pressToAccept, lang),
    ];
    try {
      const played = await officer.play(files, { bargeIn: true, signal: caller.ended });
      let key: string | null = played.kind === 'key' ? played.key : null;
      if (key === null && !caller.ended.aborted) {
        const got = await officer.collect({ firstKeyTimeoutMs: this.o.duty.acceptSeconds * 1000, maxKeys: 1, signal: caller.ended });
        if (got.kind !== 'voice' && got.keys.length > 0) key = got.keys;
      }
      if (key === '1') return 'accepted';
      return key === null ? 'no-key' : 'declined';
    } catch (err) {
      if (isCallEnded(err) && officer.ended.aborted) return 'hung-up';
      throw err;
    }
  }

  private abandoned(session: CallSession, node: DutyLineNode): void {
    const { recorder } = session;
    const at = session.now;
    recorder.emergency((e) => {
      e.abandonedAt = at.toISOString();
      e.alerted = true;
    }, at);
    recorder.outcome('emergency-abandoned', { attempts: recorder.current.emergency?.attempts.length ?? 0 });
    this.o.alerts.alert({
      kind: 'emergency-abandoned',
      callId: recorder.id,
      callerNumber: session.customerNumber,
      at: at.toISOString(),
      detail: { callback: this.o.duty.callBackAbandoned },
    });
    if (this.o.duty.callBackAbandoned) this.o.onAbandoned(session, node);
  }
}

const round1 = (n: number) => Math.round(n * 10) / 10;
