/**
 * Bounds for waits. Every wait in the service has a deadline (and, on a call,
 * a hang-up exit): these two helpers are the one way to give it one, so that a
 * lost event or a stalled peer costs a known time and leaves no timer behind.
 */

/** A wait that ran past its deadline. */
export class DeadlineError extends Error {
  override name = 'DeadlineError';
  constructor(readonly what: string, readonly ms: number) {
    super(`${what}: no answer within ${ms} ms`);
  }
}

/**
 * Resolves or rejects as `work` does, or rejects with DeadlineError (or what
 * `onTimeout` makes) after `ms`. The timer is cleared either way. A late
 * rejection of `work` after the deadline is swallowed: nobody waits for it.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string, onTimeout?: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  work.catch(() => {});
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(onTimeout?.() ?? new DeadlineError(what, ms)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Like withDeadline, but a wait that runs out resolves with `fallback`
 * instead of failing: for waits whose answer is optional (a sentence rendered
 * during a call, a record read back after a restart).
 */
export function withinDeadline<T, F>(work: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  work.catch(() => {});
  return Promise.race([
    work,
    new Promise<F>((resolve) => {
      timer = setTimeout(() => resolve(fallback), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
