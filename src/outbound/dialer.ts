import type { CalendarConfig } from '../config/schema.ts';
import type { OutboundConfig } from '../config/outbound-schema.ts';
import { isTransientDbError } from '../db/retry.ts';
import type { Logger } from '../logging/logger.ts';
import { decideDial } from './dial-rules.ts';
import type { JobRepository } from './job-repository.ts';
import type { OutboundCalls } from './outbound-calls.ts';

export interface DialerOptions {
  store: Pick<JobRepository, 'claim' | 'msUntilNextDue'>;
  calls: OutboundCalls;
  config: OutboundConfig;
  calendar: CalendarConfig;
  /** Keeps count of calls under way (the runner's settle()). */
  track(work: Promise<void>): void;
  log: Logger;
  now?: () => Date;
}

/** How often open attempts are checked for calls a restart cut. */
const RECOVER_EVERY_MS = 60_000;
/**
 * How often while a call placed by an earlier process still rings: this
 * process hears nothing of a call that ends before it is answered (it never
 * entered the application), so only a look tells that its attempt is over.
 */
const RECOVER_ORPHANS_EVERY_MS = 3_000;

/**
 * The worker that places outbound calls: whenever a job is due (or one is
 * queued and kicks it), it claims due jobs from the database, no faster than
 * callsPerSecond (a token bucket) and no more at once than maxConcurrent
 * (checked in the claim), and places each claimed attempt. The database is
 * the one source of truth: a timer only says when to look again.
 */
export class Dialer {
  private timer: NodeJS.Timeout | undefined;
  private recoverTimer: NodeJS.Timeout | undefined;
  private round: Promise<void> | null = null;
  private again = false;
  private started = false;
  private tokens = 1;
  private refilledAt = Date.now();
  private failures = 0;
  roundsDone = 0;

  constructor(private readonly o: DialerOptions) {}

  start(): void {
    if (this.started) return;
    this.started = true;
    void this.recover();
    this.kick();
  }

  async stop(): Promise<void> {
    this.started = false;
    clearTimeout(this.timer);
    clearTimeout(this.recoverTimer);
    await this.round;
  }

  /** Looks at the queue now (a job was queued, or the dialer was woken). */
  kick(): void {
    if (!this.started) return;
    if (this.round) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    this.round = this.runRound().finally(() => {
      this.round = null;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  private async recover(): Promise<void> {
    let orphans = 0;
    try {
      orphans = await this.o.calls.recover();
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message }, 'cannot check open outbound attempts yet');
    }
    if (!this.started) return;
    this.recoverTimer = setTimeout(() => void this.recover(), orphans > 0 ? RECOVER_ORPHANS_EVERY_MS : RECOVER_EVERY_MS);
    this.recoverTimer.unref();
  }

  private async runRound(): Promise<void> {
    const rate = this.o.config.callsPerSecond;
    const now = Date.now();
    this.tokens = Math.min(Math.max(1, rate), this.tokens + ((now - this.refilledAt) / 1000) * rate);
    this.refilledAt = now;
    let nextMs = this.o.config.pollSeconds * 1000;
    try {
      const budget = Math.floor(this.tokens);
      if (budget < 1) {
        nextMs = Math.ceil(((1 - this.tokens) / rate) * 1000);
      } else {
        const leaseMs = (Math.max(...Object.values(this.o.config.kinds).map((k) => k.ringSeconds)) + 3600) * 1000;
        const at = this.o.now?.() ?? new Date();
        const { claimed, waited, cancelled } = await this.o.store.claim(budget, leaseMs, at, (job, facts) => decideDial(job, facts, this.o.config, this.o.calendar, at));
        for (const { job, why } of cancelled) this.o.log.info({ job: job.id, kind: job.kind, why }, 'callback no longer needed; not dialled');
        this.tokens -= claimed.length;
        for (const c of claimed) this.o.track(this.o.calls.place(c).catch((err) => this.o.log.error({ err, job: c.job.id }, 'outbound call failed')));
        if (claimed.length >= budget) nextMs = Math.ceil(1000 / rate); // more may be due: the next slot
        else {
          const due = await this.o.store.msUntilNextDue(at);
          if (due !== null) nextMs = Math.min(nextMs, Math.max(due, waited > 0 ? 1000 : 0));
        }
      }
      this.failures = 0;
    } catch (err) {
      this.failures++;
      nextMs = Math.min(30_000, 500 * 2 ** Math.min(this.failures, 6));
      const level = isTransientDbError(err) ? 'warn' : 'error';
      if (this.failures === 1 || level === 'error') this.o.log[level]({ err: (err as Error).message, retryInMs: nextMs }, 'outbound dialer cannot use the database; trying again later');
    }
    this.roundsDone++;
    if (!this.started) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, Math.max(0, nextMs));
    this.timer.unref();
  }
}
