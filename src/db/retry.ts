/**
 * Retrying operations against a database that may be briefly away (restart,
 * failover, network blip), so that such an outage delays work instead of
 * losing it.
 *
 * Only retry operations that are safe to run again: a single statement, or a
 * whole transaction. A connection that drops during COMMIT leaves it unknown
 * whether the commit happened, so a retried write must be idempotent (natural
 * keys, `on conflict do nothing`, …).
 */

export interface RetryOptions {
  /** Total number of tries including the first (≥ 1). `Infinity` retries until success or abort. */
  attempts: number;
  /** Delay before the second try; doubles with every further try. */
  baseDelayMs: number;
  /** Upper bound for a single delay. */
  maxDelayMs: number;
  /** Which errors are worth another try; default isTransientDbError. */
  isRetryable?: (err: unknown) => boolean;
  /** Stops waiting and retrying; the returned promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called before each wait with the error of the failed try (1-based) and the coming delay. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Delay before the try after `attempt` (1-based): exponential backoff capped
 * at maxDelayMs, with "equal jitter" (half fixed, half random) so that many
 * clients that lost the database together do not come back in lockstep, while
 * no delay collapses to zero.
 */
export function backoffDelay(
  attempt: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const half = exponential / 2;
  return Math.round(half + random() * half);
}

/** Runs fn until it succeeds, fails with an error that is not retryable, or runs out of attempts. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { attempts, baseDelayMs, maxDelayMs, signal, onRetry } = options;
  const isRetryable = options.isRetryable ?? isTransientDbError;
  if (!(attempts >= 1) || (!Number.isInteger(attempts) && attempts !== Infinity)) {
    throw new RangeError(`withRetry: attempts must be an integer ≥ 1 or Infinity, got ${attempts}`);
  }
  if (!(baseDelayMs >= 0) || !(maxDelayMs >= baseDelayMs)) {
    throw new RangeError(`withRetry: need 0 ≤ baseDelayMs ≤ maxDelayMs, got ${baseDelayMs} and ${maxDelayMs}`);
  }

  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= attempts || !isRetryable(err)) throw err;
      // An abort that arrived while fn ran wins over another try.
      signal?.throwIfAborted();
      const delayMs = backoffDelay(attempt, baseDelayMs, maxDelayMs);
      onRetry?.(err, attempt, delayMs);
      await sleep(delayMs, signal);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Socket-level failures: the server is unreachable or the connection broke. */
const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs that mean "this connection is gone or the server cannot take
 * connections right now". 08007 (transaction_resolution_unknown) is left out on
 * purpose: the transaction may have committed.
 */
const TRANSIENT_SQLSTATES = new Set([
  '57P01', // admin_shutdown (server stopped with -m fast, or the backend was terminated)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, in recovery)
  '08000', // connection_exception
  '08003', // connection_does_not_exist
  '08006', // connection_failure
  '08001', // sqlclient_unable_to_establish_sqlconnection
  '08004', // sqlserver_rejected_establishment_of_sqlconnection
]);

/** Messages of node-postgres and the server that carry no (useful) code. */
const TRANSIENT_MESSAGES = [
  /connection terminated/i, // pg: "Connection terminated unexpectedly", "… due to connection timeout"
  /the database system is (starting up|shutting down|in recovery mode|not yet accepting connections)/i,
  /terminating connection due to administrator command/i,
  /timeout exceeded when trying to connect/i, // pg-pool connectionTimeoutMillis
  /client has encountered a connection error and is not queryable/i,
  /connection ended unexpectedly/i,
];

/**
 * True for errors that mean the database was unreachable or the connection
 * broke, so the same operation may succeed once the database is back. Looks
 * through `cause` chains and AggregateError members (Node reports a failed
 * connect to a name with several addresses as an AggregateError).
 */
export function isTransientDbError(err: unknown): boolean {
  return check(err, 0);
}

function check(err: unknown, depth: number): boolean {
  if (depth > 8 || err === null || typeof err !== 'object') return false;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && (TRANSIENT_NODE_CODES.has(e.code) || TRANSIENT_SQLSTATES.has(e.code))) {
    return true;
  }
  if (typeof e.message === 'string' && TRANSIENT_MESSAGES.some((re) => re.test(e.message as string))) {
    return true;
  }
  if (Array.isArray(e.errors) && e.errors.some((inner) => check(inner, depth + 1))) return true;
  return e.cause !== undefined && check(e.cause, depth + 1);
}
