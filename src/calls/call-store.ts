import type { Logger } from '../logging/logger.ts';
import { backoffDelay, isTransientDbError } from '../db/retry.ts';
import type { CallRecord, RecordSink } from '../domain/call-record.ts';

export interface CallWriter {
  upsert(record: CallRecord): Promise<void>;
}

/**
 * Writes call records behind the calls. The latest state of each record waits
 * here until the database takes it; while the database is away the writes are
 * retried with backoff and coalesced (only the newest state of a call is kept),
 * so an outage delays records and loses none. Calls never wait on it.
 */
export class CallStore implements RecordSink {
  private readonly dirty = new Map<string, CallRecord>();
  private running: Promise<void> | null = null;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly writer: CallWriter,
    private readonly log: Logger,
    private readonly options: { maxPending?: number; baseDelayMs?: number; maxDelayMs?: number } = {},
  ) {}

  /** Records waiting to be written. */
  get pending(): number {
    return this.dirty.size;
  }

  save(record: CallRecord): void {
    this.dirty.delete(record.id); // keep insertion order = order of last change
    this.dirty.set(record.id, record);
    const max = this.options.maxPending ?? 10_000;
    if (this.dirty.size > max) {
      // Bounded memory: during a very long outage the oldest finished calls go first.
      const oldest = [...this.dirty.values()].find((r) => r.endedAt !== null) ?? this.dirty.values().next().value!;
      this.dirty.delete(oldest.id);
      this.log.error({ call: oldest.id }, 'call record dropped: the database has been away too long');
    }
    this.kick();
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
      if (this.dirty.size > 0 && !this.closed) this.schedule();
    });
  }

  private schedule(): void {
    const delay = this.failures === 0 ? 0 : backoffDelay(this.failures, this.options.baseDelayMs ?? 200, this.options.maxDelayMs ?? 5000);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, delay);
  }

  private async drain(): Promise<void> {
    while (this.dirty.size > 0) {
      const [id, record] = this.dirty.entries().next().value as [string, CallRecord];
      try {
        await this.writer.upsert(record);
        if (this.dirty.get(id) === record) this.dirty.delete(id);
        if (this.failures > 0) this.log.info({ pending: this.dirty.size }, 'database back; writing call records again');
        this.failures = 0;
      } catch (err) {
        this.failures++;
        if (isTransientDbError(err)) {
          if (this.failures === 1) this.log.warn({ err: (err as Error).message, pending: this.dirty.size }, 'database away; call records wait in memory');
        } else {
          // Not a connection problem: this record cannot be written as it is.
          this.log.error({ err, call: id }, 'call record rejected by the database');
          if (this.dirty.get(id) === record) this.dirty.delete(id);
          this.failures = 0;
          continue;
        }
        return;
      }
    }
  }
}
