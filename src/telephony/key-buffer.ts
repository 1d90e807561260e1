import { CallEndedError, type CollectOptions, type CollectResult, type Key } from './port.ts';

/**
 * Keys pressed on one leg, in order, with waits that race the next key
 * against a deadline and the end of the call. Shared by the ARI adapter and the
 * fake leg so both keep the same semantics.
 */
export class KeyBuffer {
  private readonly keys: Key[] = [];
  private readonly waiters = new Set<() => void>();

  get size(): number {
    return this.keys.length;
  }

  get pendingWaits(): number {
    return this.waiters.size;
  }

  push(key: Key): void {
    this.keys.push(key);
    this.notify();
  }

  unshift(key: Key): void {
    this.keys.unshift(key);
    this.notify();
  }

  shift(): Key | undefined {
    return this.keys.shift();
  }

  /** Removes and returns the first queued key that `accept` takes. */
  take(accept: (key: Key) => boolean): Key | undefined {
    const i = this.keys.findIndex(accept);
    return i < 0 ? undefined : this.keys.splice(i, 1)[0];
  }

  has(accept: (key: Key) => boolean): boolean {
    return this.keys.some(accept);
  }

  clear(): void {
    this.keys.length = 0;
  }

  /**
   * Resolves true as soon as a key is queued, false at the deadline; rejects
   * with CallEndedError when `ended` aborts. Also wakes up (resolving false
   * early) when `wake` fires, so a caller can race other events.
   */
  waitForKey(
    ended: AbortSignal,
    legId: string,
    timeoutMs: number,
    wake?: AbortSignal,
    accept: (key: Key) => boolean = () => true,
  ): Promise<boolean> {
    if (this.has(accept)) return Promise.resolve(true);
    if (ended.aborted) return Promise.reject(new CallEndedError(legId));
    if (wake?.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(onKey);
        ended.removeEventListener('abort', onEnded);
        wake?.removeEventListener('abort', onWake);
      };
      const onKey = () => {
        if (!this.has(accept)) return;
        cleanup();
        resolve(true);
      };
      const onEnded = () => { cleanup(); reject(new CallEndedError(legId)); };
      const onWake = () => { cleanup(); resolve(false); };
      const timer = setTimeout(() => { cleanup(); resolve(false); }, Math.max(0, timeoutMs));
      this.waiters.add(onKey);
      ended.addEventListener('abort', onEnded, { once: true });
      wake?.addEventListener('abort', onWake, { once: true });
    });
  }

  /** Ends every wait with "key available" so waiters re-check the queue. */
  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/**
 * Collects keys per CollectOptions from a buffer. `voice` aborts when the
 * caller starts speaking (only consulted with endOnVoice).
 */
export async function collectKeys(
  buffer: KeyBuffer,
  options: CollectOptions,
  ended: AbortSignal,
  legId: string,
  voice?: AbortSignal,
): Promise<CollectResult> {
  const maxKeys = options.maxKeys ?? 1;
  const interKeyMs = options.interKeyTimeoutMs ?? 3000;
  const signals = [options.endOnVoice ? voice : undefined, options.signal].filter((x): x is AbortSignal => x !== undefined);
  const wake = signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals);
  let keys = '';
  while (keys.length < maxKeys) {
    const timeout = keys.length === 0 ? options.firstKeyTimeoutMs : interKeyMs;
    const gotKey = await buffer.waitForKey(ended, legId, timeout, wake);
    if (!gotKey) {
      if (keys.length === 0 && options.endOnVoice && voice?.aborted) return { kind: 'voice' };
      return { kind: 'timeout', keys };
    }
    const key = buffer.shift()!;
    if (options.terminator !== undefined && key === options.terminator) return { kind: 'keys', keys };
    keys += key;
  }
  return { kind: 'keys', keys };
}

/** The keys that may interrupt a playback, as a predicate; null for none. */
export function bargeInFilter(bargeIn: boolean | readonly Key[]): ((key: Key) => boolean) | null {
  if (bargeIn === true) return () => true;
  if (bargeIn === false || bargeIn.length === 0) return null;
  return (key) => bargeIn.includes(key);
}
