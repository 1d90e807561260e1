import type { Logger } from '../logging/logger.ts';
import { backoffDelay, isTransientDbError } from '../db/retry.ts';
import type { CallRecord, RecordSink, RecordSource } from '../domain/call-record.ts';

export interface CallWriter {
  /** Writes these records (distinct calls) whole, in one statement. */
  upsert(records: readonly CallRecord[]): Promise<void>;
}

export interface CallStoreOptions {
  /** Records kept unwritten at most (a long database outage); default 10 000. */
  maxPending?: number;
  /** Retry backoff while the database is away, ms. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /**
   * How long a change waits for the changes that follow it, ms; default 100.
   * A call changes its record in bursts (arrival, answer and first node within
   * a few ms; key, language and next node together), and under load many calls
   * change at once: one statement then carries them all. A process that dies
   * loses at most this much of its calls' progress; a call picked up again
   * after a restart then resumes one step earlier (inbound-calls.ts).
   */
  writeDelayMs?: number;
  /** Records in one statement at most; default 50. */
  batchSize?: number;
}

/** One entry per change: a write that began before the record's last change does not clear it. */
interface Dirty {
  source: RecordSource;
}

/**
 * Writes call records behind the calls. A changed record waits here until the
 * database takes it, and what is written is its state at that moment, so the
 * changes made meanwhile coalesce; while the database is away the writes are
 * retried with backoff, so an outage delays records and loses none. Calls never
 * wait on it.
 */
export class CallStore implements RecordSink {
  private readonly dirty = new Map<string, Dirty>();
  private running: Promise<void> | null = null;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly writer: CallWriter,
    private readonly log: Logger,
    private readonly options: CallStoreOptions = {},
  ) {}

  /** Records waiting to be written. */
  get pending(): number {
    return this.dirty.size;
  }

  changed(source: RecordSource): void {
    this.dirty.delete(source.id); // keep insertion order = order of last change
    this.dirty.set(source.id, { source });
    const max = this.options.maxPending ?? 10_000;
    if (this.dirty.size > max) {
      // Bounded memory: during a very long outage the oldest finished calls go first.
      const oldest = [...this.dirty.values()].find((d) => d.source.current.endedAt !== null) ?? this.dirty.values().next().value!;
      this.dirty.delete(oldest.source.id);
      this.log.error({ call: oldest.source.id }, 'call record dropped: the database has been away too long');
    }
    if (!this.running && !this.timer && !this.closed) this.schedule(this.options.writeDelayMs ?? 100);
  }

  /**
   * Waits until everything pending is written, or the deadline passes. One
   * attempt is made at once; after that the retry backoff paces the attempts,
   * so a database that is down is not hammered while the service stops.
   */
  async flush(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    if (this.dirty.size > 0 && !this.running) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.kick();
    }
    while (this.dirty.size > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, Math.max(1, Math.min(100, deadline - Date.now()))));
    }
    return this.dirty.size === 0;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private kick(): void {
    if (this.running || this.timer || this.closed) return;
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.dirty.size > 0 && !this.closed) {
        const delay = this.failures === 0 ? (this.options.writeDelayMs ?? 100) : backoffDelay(this.failures, this.options.baseDelayMs ?? 200, this.options.maxDelayMs ?? 5000);
        this.schedule(delay);
      }
    });
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, delay);
  }

  private async drain(): Promise<void> {
    while (this.dirty.size > 0) {
      const batch = [...take(this.dirty.values(), this.options.batchSize ?? 50)];
      try {
        await this.write(batch);
        if (this.failures > 0) this.log.info({ pending: this.dirty.size }, 'database back; writing call records again');
        this.failures = 0;
      } catch (err) {
        this.failures++;
        if (this.failures === 1) this.log.warn({ err: (err as Error).message, pending: this.dirty.size }, 'database away; call records wait in memory');
        return;
      }
    }
  }

  /**
   * Writes a batch; a record the database refuses for what it is (not a
   * connection problem) is logged and dropped, the others are written. Throws
   * only while the database is away.
   */
  private async write(batch: Dirty[]): Promise<void> {
    try {
      await this.writer.upsert(batch.map((d) => d.source.current));
      this.clear(batch);
    } catch (err) {
      if (isTransientDbError(err)) throw err;
      if (batch.length === 1) {
        this.log.error({ err, call: batch[0]!.source.id }, 'call record rejected by the database');
        this.clear(batch);
        return;
      }
      // One of them is refused: find it by writing them one by one.
      for (const one of batch) await this.write([one]);
    }
  }

  private clear(written: Dirty[]): void {
    for (const d of written) if (this.dirty.get(d.source.id) === d) this.dirty.delete(d.source.id);
  }
}

function* take<T>(items: Iterable<T>, n: number): Generator<T> {
  if (n <= 0) return;
  for (const item of items) {
    yield item;
    if (--n === 0) return;
  }
}
