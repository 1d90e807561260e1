import type pg from 'pg';
import { withinDeadline } from '../async/deadline.ts';
import { backoffDelay, isTransientDbError, withRetry } from '../db/retry.ts';
import type { Logger } from '../logging/logger.ts';
import type { AttemptResult, ChannelName, NotificationChannel } from './channel.ts';
import { claimDue, failExhausted, insertDeliveries, msUntilNextDue, recordAttempt, type ClaimedDelivery } from './delivery-repository.ts';
import type { NewTicketEvent } from './new-ticket-event.ts';
import { createChannels, type NotificationSettings } from './settings.ts';
import { stored, type Notification } from './notification.ts';

export interface NotificationOutboxOptions {
  pool: pg.Pool;
  log: Logger;
  settings: NotificationSettings;
  /** Replaces the channels built from settings (tests). */
  channels?: NotificationChannel[];
  /** Deliveries claimed per round; they are attempted concurrently. */
  batchSize?: number;
  /** Extra lease beyond a channel's own timeout before another worker may try a claimed delivery again. */
  leaseMarginMs?: number;
}

/**
 * Notifications of new tickets through a table (the outbox): enqueue() writes
 * one row per configured channel, in the caller's transaction if it passes its
 * client; a worker delivers the rows, records every attempt and retries
 * failures with exponential backoff and jitter until maxAttempts. Several
 * processes may run workers on the same database: a claim is one UPDATE …
 * FOR UPDATE SKIP LOCKED, so an attempt is made once. Delivery is at least
 * once: a process that dies after sending but before recording leaves the row
 * to be sent again when its lease ends (receivers deduplicate on the delivery
 * id). A database that is away only delays the worker.
 */
export class NotificationOutbox {
  private readonly pool: pg.Pool;
  private readonly log: Logger;
  private readonly settings: NotificationSettings;
  private readonly channels: Map<ChannelName, NotificationChannel>;
  private readonly batchSize: number;
  private readonly leaseMs: number;
  /** Aborts the attempts under way when stop() has waited long enough. */
  private readonly sendAbort = new AbortController();
  /** Then gives up recording outcomes (the database may be away); the leases bring those deliveries back. */
  private readonly recordAbort = new AbortController();

  private started = false;
  private stopping = false;
  private round: Promise<void> | null = null;
  private roundAgain = false;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private dbFailures = 0;
  private roundsDone = 0;

  constructor(options: NotificationOutboxOptions) {
    this.pool = options.pool;
    this.log = options.log;
    this.settings = options.settings;
    this.channels = new Map((options.channels ?? createChannels(options.settings)).map((c) => [c.name, c]));
    this.batchSize = options.batchSize ?? 10;
    const longest = Math.max(0, ...[...this.channels.values()].map((c) => c.timeoutMs));
    this.leaseMs = longest + (options.leaseMarginMs ?? 60_000);
  }

  /** Rounds the worker has finished (claiming and attempting what was due, or failing to reach the database). */
  get rounds(): number {
    return this.roundsDone;
  }

  /** The configured channels ([] when notifications are off). */
  get channelNames(): ChannelName[] {
    return [...this.channels.keys()];
  }

  /**
   * Writes the notifications of a new ticket: one row per configured channel;
   * a ticket enqueued again gets nothing new. With a client inside the
   * ticket's transaction, the notifications exist exactly when the ticket
   * does; call kick() after COMMIT then (the worker would also find them on
   * its next poll). With the pool (default) the worker is kicked here.
   * Throws when the database refuses the insert, like the ticket's own insert.
   * Returns the channels that got a new row.
   */
  async enqueue(event: NewTicketEvent, db: pg.Pool | pg.PoolClient = this.pool): Promise<ChannelName[]> {
    return this.notify({ event: 'ticket.created', ticket: event }, db);
  }

  /**
   * Writes a notification of any kind (a reopened ticket, a duty alert): one
   * row per configured channel that carries its event, as enqueue() does.
   */
  async notify(n: Notification, db: pg.Pool | pg.PoolClient = this.pool): Promise<ChannelName[]> {
    const rows = [...this.channels.values()].filter((c) => c.carries(n.event)).map((c) => ({ channel: c.name, target: c.target }));
    if (rows.length === 0) return [];
    const row = stored(n, this.settings.publicBaseUrl);
    const created = await insertDeliveries(db, row, rows);
    if (created.length > 0) this.log.info({ event: row.event, subject: row.subjectId, channels: created }, 'notifications enqueued');
    if (db === this.pool) this.kick();
    return created;
  }

  /** Starts the worker: a round at once (deliveries left by an earlier run), then whenever something is due. */
  start(): void {
    if (this.started || this.channels.size === 0) return;
    this.started = true;
    this.log.info({ channels: this.channelNames }, 'ticket notification worker started');
    this.kick();
  }

  /** Looks for due deliveries now rather than at the next poll. */
  kick(): void {
    if (!this.started || this.stopping) return;
    if (this.round) {
      this.roundAgain = true; // rows enqueued during a round may have been missed by its claim
      return;
    }
    this.clearTimer();
    this.round = this.runRound().finally(() => {
      this.round = null;
      if (this.roundAgain && !this.stopping) {
        this.roundAgain = false;
        this.kick();
      }
    });
  }

  /**
   * Stops claiming and waits for the attempts under way, at most graceMs;
   * then aborts them (recorded as failed attempts, retried later by the next
   * worker) and, if their outcome cannot be written within another
   * recordGraceMs either, leaves them claimed until their lease ends. Closes
   * the channels.
   */
  async stop(graceMs = 10_000, recordGraceMs = 2_000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.clearTimer();
    const round = this.round;
    if (round && !(await settlesWithin(round, graceMs))) {
      this.log.warn({ graceMs }, 'ticket notifications still under way at stop; aborting them');
      this.sendAbort.abort(new Error('notification outbox stopping'));
      if (!(await settlesWithin(round, recordGraceMs))) {
        this.log.warn('outcome of aborted ticket notifications not recorded; they are retried when their lease ends');
        this.recordAbort.abort(new Error('notification outbox stopping'));
        // A hung database can hold a query beyond any abort: do not wait for it forever either.
        if (!(await settlesWithin(round, recordGraceMs))) this.log.warn('ticket notification worker left a database query running at stop');
      }
    }
    await Promise.allSettled([...this.channels.values()].map((c) => c.close()));
    if (this.started) this.log.info('ticket notification worker stopped');
  }

  // -------------------------------------------------------------------------

  private async runRound(): Promise<void> {
    let nextMs: number;
    try {
      nextMs = await this.deliverDue();
      if (this.dbFailures > 0) this.log.info({ failures: this.dbFailures }, 'ticket notification worker reaches the database again');
      this.dbFailures = 0;
    } catch (err) {
      // Never let the worker die: a database that is away (or not migrated yet) is tried again later.
      this.dbFailures++;
      nextMs = backoffDelay(this.dbFailures, this.settings.pollMs, Math.max(this.settings.pollMs, 30_000));
      this.log.warn(
        { err: (err as Error).message, transient: isTransientDbError(err), failures: this.dbFailures, retryInMs: nextMs },
        'ticket notification worker cannot use the database; trying again later',
      );
    }
    this.roundsDone++;
    this.wakeIn(nextMs);
  }

  /** Claims and attempts due deliveries until none is left; returns ms until the next one is due (at most pollMs). */
  private async deliverDue(): Promise<number> {
    const channels = [...this.channels.values()].map((c) => ({ name: c.name, target: c.target, maxAttempts: c.maxAttempts }));
    const exhausted = await failExhausted(this.pool, channels);
    if (exhausted > 0) this.log.error({ deliveries: exhausted }, 'ticket notifications failed for good: no attempts left');
    for (;;) {
      if (this.stopping) return this.settings.pollMs;
      const claimed = await claimDue(this.pool, channels, this.batchSize, this.leaseMs);
      await Promise.all(claimed.map((d) => this.attempt(d)));
      if (claimed.length < this.batchSize) break;
    }
    const due = await msUntilNextDue(this.pool, this.channelNames);
    return Math.min(this.settings.pollMs, due ?? Infinity);
  }

  private async attempt(d: ClaimedDelivery): Promise<void> {
    const channel = this.channels.get(d.channel)!;
    const startedAt = new Date();
    let result: AttemptResult;
    try {
      result = await channel.send({ deliveryId: d.id, event: d.event, subjectId: d.subjectId, attempt: d.attempt, payload: d.payload }, this.sendAbort.signal);
    } catch (err) {
      result = { ok: false, status: null, error: String((err as Error).message ?? err).slice(0, 500) };
    }
    const retryDelayMs = backoffDelay(d.attempt, this.settings.retry.baseDelayMs, this.settings.retry.maxDelayMs);
    const fields = { delivery: d.id, event: d.event, subject: d.subjectId, channel: d.channel, attempt: d.attempt, status: result.status };

    let status: Awaited<ReturnType<typeof recordAttempt>>;
    try {
      // The attempt happened; keep trying to write that down while the database is away
      // (until stop() gives up, after which the lease brings the delivery back).
      status = await withRetry(() => recordAttempt(this.pool, d, result, startedAt, channel.maxAttempts, retryDelayMs), {
        attempts: Infinity,
        baseDelayMs: 200,
        maxDelayMs: 5_000,
        signal: this.recordAbort.signal,
        onRetry: (err, n) => {
          if (n === 1) this.log.warn({ ...fields, ok: result.ok, err: (err as Error).message }, 'cannot record a ticket notification attempt yet; retrying');
        },
      });
    } catch (err) {
      this.log.error({ ...fields, ok: result.ok, err: (err as Error).message }, 'could not record a ticket notification attempt');
      return;
    }

    if (result.ok) {
      this.log.info({ ...fields, ...(result.error ? { note: result.error } : {}) }, 'ticket notification delivered');
    } else if (status === 'failed') {
      this.log.error({ ...fields, error: result.error, maxAttempts: channel.maxAttempts }, 'ticket notification failed for good');
    } else if (status === 'pending') {
      this.log.warn({ ...fields, error: result.error, retryInMs: retryDelayMs }, 'ticket notification attempt failed; will retry');
      this.wakeIn(retryDelayMs);
    } else {
      this.log.warn({ ...fields, error: result.error }, 'ticket notification attempt outlived its lease; a newer attempt owns the delivery');
    }
  }

  /** Arms the timer for a round in ms, unless one is already due sooner. */
  private wakeIn(ms: number): void {
    if (!this.started || this.stopping) return;
    const at = Date.now() + Math.max(0, ms);
    if (this.timer && this.timerAt <= at) return;
    this.clearTimer();
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.kick();
    }, Math.max(0, ms));
    // A forgotten outbox must not keep a process (a CLI, a test) alive.
    this.timer.unref();
  }

  private clearTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }
}

/** True when p settles within ms (its outcome is not needed: rounds never reject). */
function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  return withinDeadline(p.then(() => true, () => true), ms, false);
}
