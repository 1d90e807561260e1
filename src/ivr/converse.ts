import type { CallOutcome } from '../domain/call-record.ts';
import type { CallLeg, Telephony } from '../telephony/port.ts';
import type { CallSession } from './call-session.ts';

/**
 * Connects the caller to a person and waits until either of them leaves, then
 * hangs up the other. The outcome is recorded only once the bridge exists (a
 * caller gone just before is not "connected"), and again at the end with who
 * hung up first.
 */
export async function converse(
  telephony: Telephony,
  session: CallSession,
  person: CallLeg,
  outcome: Extract<CallOutcome, 'transferred' | 'emergency-accepted'>,
  detail: Record<string, unknown>,
  personRole: 'desk' | 'officer',
): Promise<void> {
  const bridge = await telephony.bridge(session.leg, person);
  session.recorder.outcome(outcome, detail);
  const leftFirst = await bridge.ended;
  const callerLeft = leftFirst === session.leg.id;
  session.endedBy = callerLeft ? 'caller' : 'far-end';
  await bridge.destroy();
  session.recorder.outcome(outcome, { ...detail, endedFirst: callerLeft ? 'caller' : personRole });
}
