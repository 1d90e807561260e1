import { Jump, type CallSession } from '../call-session.ts';
import { isCallEnded, type RecordEnd } from '../../telephony/port.ts';

/** How a recorded message ended, as the keeper of the message is told. */
export type MessageEnd = Exclude<RecordEnd, 'terminator'> | 'key' | 'hangup' | 'emergency' | 'failed';

export interface RecordMessageOptions {
  name: string;
  maxSeconds: number;
  maxSilenceSeconds: number;
  /** Played first, inside the recording's guard (a hang-up during it ends the message as 'hangup'). */
  intro?: () => Promise<unknown>;
}

/**
 * Records a message after a beep until silence, the time limit or #; the
 * emergency key stops it and jumps to the emergency node. `handOver` is told
 * how the message ended whatever happens, and awaited, except before the jump
 * to the duty line, which waits for nothing (what it writes is beside the call).
 */
export async function recordMessage(
  session: CallSession,
  o: RecordMessageOptions,
  handOver: (end: MessageEnd) => Promise<unknown>,
): Promise<MessageEnd> {
  let end: MessageEnd = 'failed';
  try {
    await o.intro?.();
    const result = await session.leg.record({
      name: o.name,
      maxSeconds: o.maxSeconds,
      maxSilenceSeconds: o.maxSilenceSeconds,
      beep: true,
      terminator: '#',
      stopKeys: session.globalKeys ? [session.env.flow.emergencyKey] : [],
    });
    if (result.kind === 'key') {
      end = 'emergency';
      session.recordKey(result.key);
      throw new Jump(session.env.flow.emergencyNode, `key ${result.key} while recording`);
    }
    end = result.reason === 'terminator' ? 'key' : result.reason;
  } catch (err) {
    if (err instanceof Jump) {
      if (end === 'failed') end = 'emergency';
    } else if (isCallEnded(err)) {
      end = 'hangup';
    }
    const handedOver = handOver(end).catch((e) => session.log.error({ err: e }, 'recorded message not handed to its keeper'));
    if (!(err instanceof Jump)) await handedOver;
    throw err;
  }
  return end;
}
