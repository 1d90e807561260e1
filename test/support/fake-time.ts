import { vi } from 'vitest';

/**
 * Drives vitest fake timers (install them first with vi.useFakeTimers()):
 * time jumps from one timer to the next, with the promises in between
 * settled, until a condition holds. Nothing waits for real time.
 */

export interface RunOptions {
  /** Most fake time to let pass, ms (default 30 minutes). */
  maxMs?: number;
  /** What is waited for, for the error message. */
  what?: string;
}

/** Advances fake time, timer by timer, until `condition` is true. */
export async function runUntil(condition: () => boolean, options: RunOptions = {}): Promise<void> {
  const maxMs = options.maxMs ?? 30 * 60_000;
  const deadline = Date.now() + maxMs;
  await vi.advanceTimersByTimeAsync(0);
  let idle = 0;
  while (!condition()) {
    if (vi.getTimerCount() === 0) {
      // Nothing scheduled yet: pending promises may still schedule something.
      if (++idle > 20) throw new Error(`${options.what ?? 'condition'}: not met, and no timer is left to run`);
      await vi.advanceTimersByTimeAsync(0);
      continue;
    }
    idle = 0;
    if (Date.now() > deadline) throw new Error(`${options.what ?? 'condition'}: not met within ${maxMs} ms of fake time`);
    await vi.advanceTimersToNextTimerAsync();
  }
}

/** Advances fake time until `promise` settles, then returns (or throws) its outcome. */
export async function settle<T>(promise: Promise<T>, options: RunOptions = {}): Promise<T> {
  let done = false;
  const watched = promise.finally(() => {
    done = true;
  });
  watched.catch(() => {});
  await runUntil(() => done, { what: 'operation', ...options });
  return watched;
}

/** Lets exactly `ms` of fake time pass. */
export async function elapse(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
}

/** A promise that resolves when `signal` aborts. */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
