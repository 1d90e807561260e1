import type { CallLeg, DialOptions, DialResult, Telephony } from './port.ts';

export interface RingAllResult {
  leg: CallLeg;
  target: string;
  ringMs: number;
}

/**
 * Rings several targets at once; the first to answer wins and the others are
 * cancelled (one that answers a moment too late is hung up). Resolves null
 * when nobody answered within the ring time or `signal` aborted.
 */
export async function ringAll(
  telephony: Telephony,
  targets: readonly string[],
  options: DialOptions,
): Promise<RingAllResult | null> {
  const others = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, others.signal]) : others.signal;
  let winner: RingAllResult | null = null;
  await Promise.all(
    targets.map(async (target) => {
      const result: DialResult = await telephony.dial(target, { ...options, signal });
      if (result.kind !== 'answered') return;
      if (winner || options.signal?.aborted) {
        await result.leg.hangup();
        return;
      }
      winner = { leg: result.leg, target, ringMs: result.ringMs };
      others.abort();
    }),
  );
  return winner;
}
