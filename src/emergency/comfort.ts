import { abortableSleep } from '../telephony/abortable-sleep.ts';
import type { CallLeg, Stoppable } from '../telephony/port.ts';

/**
 * What a caller hears while the duty line rings: ringback tone, and every
 * `everyMs` a short reassurance ("still connecting, please stay on the line"),
 * so the line is never silent. stop() ends it at once, mid-sentence if need be,
 * so an officer who accepts is connected without delay.
 */
export function startComfort(leg: CallLeg, reassuranceFile: string, everyMs: number): Stoppable {
  const stopped = new AbortController();
  const loop = (async () => {
    while (!stopped.signal.aborted && !leg.ended.aborted) {
      const ring = await leg.startRingback();
      try {
        await abortableSleep(everyMs, AbortSignal.any([stopped.signal, leg.ended]));
      } finally {
        await ring.stop();
      }
      if (stopped.signal.aborted || leg.ended.aborted) break;
      await leg.play([reassuranceFile], { bargeIn: false, signal: stopped.signal });
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
