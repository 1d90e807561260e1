import type { HotlineConfig } from '../config/schema.ts';
import type { TransferNode } from './transfer-node.ts';
import { Jump, type CallSession } from '../ivr/call-session.ts';
import { converse } from '../ivr/converse.ts';
import { CallEndedError, type Telephony } from '../telephony/port.ts';
import { ringAll } from '../telephony/ring-all.ts';
import { startComfort } from '../ivr/comfort.ts';
import { maskTarget } from '../logging/mask.ts';

/**
 * Connects callers to the service desk: all desk phones ring at once, the
 * caller hears ringback (with the node's hold sentence every
 * holdEverySeconds), and the emergency key still works while it rings.
 * Resolves after the conversation, or with null when nobody answered within
 * serviceDesk.ringSeconds.
 */
export class ServiceDesk {
  constructor(
    private readonly telephony: Telephony,
    private readonly desk: HotlineConfig['serviceDesk'],
  ) {}

  async connect(session: CallSession, node: TransferNode): Promise<{ answeredBy: string } | null> {
    const { leg, recorder } = session;
    const stop = new AbortController();
    const started = session.now;
    // Ringback, and the hold sentence now and then, so a long wait is never mute.
    const ringback = node.hold
      ? startComfort(leg, { reassurance: session.env.prompts.file(node.hold, session.language) }, node.holdEverySeconds * 1000)
      : await leg.startRingback();
    const ringing = ringAll(this.telephony, this.desk.targets, {
      timeoutSeconds: this.desk.ringSeconds,
      callerId: { number: session.customerNumber },
      signal: AbortSignal.any([leg.ended, stop.signal]),
    });
    const emergency = waitForEmergencyKey(session, stop.signal);
    let answered: Awaited<typeof ringing>;
    try {
      const first = await Promise.race([ringing.then((r) => ({ desk: r })), emergency.then((jump) => ({ jump }))]);
      if ('jump' in first && first.jump) {
        stop.abort();
        await (await ringing)?.leg.hangup();
        throw first.jump;
      }
      stop.abort();
      answered = await ringing;
      await emergency;
    } catch (err) {
      stop.abort();
      // Whatever happened to the caller, a desk phone that answered meanwhile is released.
      await (await ringing)?.leg.hangup();
      throw err;
    } finally {
      await ringback.stop();
    }
    if (leg.ended.aborted) {
      await answered?.leg.hangup();
      throw new CallEndedError(leg.id);
    }
    const waitSeconds = Math.round((session.now.getTime() - started.getTime()) / 100) / 10;
    if (!answered) {
      recorder.outcome('desk-unanswered', { waitSeconds });
      session.log.info({ waitSeconds }, 'the service desk did not answer');
      return null;
    }
    session.log.info({ answeredBy: maskTarget(answered.target), waitSeconds }, 'connecting to the service desk');
    await converse(this.telephony, session, answered.leg, 'transferred', { answeredBy: answered.target, waitSeconds }, 'desk');
    return { answeredBy: answered.target };
  }
}

/**
 * Resolves with the jump to the duty line when the caller presses the
 * emergency key, or null once `stop` aborts; other keys are ignored. Rejects
 * with CallEndedError when the caller hangs up.
 */
export async function waitForEmergencyKey(session: CallSession, stop: AbortSignal): Promise<Jump | null> {
  while (!stop.aborted) {
    try {
      await session.collect({ firstKeyTimeoutMs: 60 * 60_000, maxKeys: 1, signal: stop });
    } catch (err) {
      if (err instanceof Jump) return err;
      throw err;
    }
  }
  return null;
}
