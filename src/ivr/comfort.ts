import { abortableSleep } from '../async/abortable-sleep.ts';
import type { CallLeg, Stoppable } from '../telephony/port.ts';

/** What the caller hears while a line rings. */
export interface ComfortPrompts {
  /**
   * "Connecting you to the duty officer, please stay on the line", first; keys
   * pressed while it plays are dropped (they mean nothing on the duty line).
   * Without it, ringback comes first and keys stay queued (the service desk's
   * caller may still press the emergency key).
   */
  connecting?: string;
  /** Every `everyMs` after it, between stretches of ringback. */
  reassurance: string;
}

/**
 * What a caller hears while the duty line (or the service desk) rings: the "connecting" sentence,
 * then ringback tone with a short reassurance every `everyMs`, so the line is
 * never silent. It runs beside the ringing (the first duty phone rings while
 * the caller still hears "connecting"); stop() ends it at once, mid-sentence if
 * need be, so an officer who accepts is connected without delay.
 */
export function startComfort(leg: CallLeg, prompts: ComfortPrompts, everyMs: number): Stoppable {
  const stopped = new AbortController();
  const loop = (async () => {
    if (prompts.connecting) {
      await leg.play([prompts.connecting], { bargeIn: false, signal: stopped.signal });
      // Keys pressed while waiting for the duty line mean nothing.
      leg.clearKeys();
    }
    while (!stopped.signal.aborted && !leg.ended.aborted) {
      const ring = await leg.startRingback();
      try {
        await abortableSleep(everyMs, AbortSignal.any([stopped.signal, leg.ended]));
      } finally {
        await ring.stop();
      }
      if (stopped.signal.aborted || leg.ended.aborted) break;
      await leg.play([prompts.reassurance], { bargeIn: false, signal: stopped.signal });
    }
  })().catch(() => {
    // The caller hung up or the channel went away: the duty line notices that itself.
  });
  return {
    stop: async () => {
      stopped.abort();
      await loop;
    },
  };
}
