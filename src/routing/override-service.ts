import { InputError } from '../errors/domain-error.ts';
import type { Logger } from '../logging/logger.ts';
import type { ManualOverride } from '../calendar/calendar.ts';
import type { Clock } from '../time/clock.ts';
import type { OverrideRepository, StoredOverride } from './override-repository.ts';

/** Longest an override may run: a forgotten switch must not hold the line in night mode for ever. */
export const MAX_OVERRIDE_DAYS = 31;

/** A switch that cannot be set as asked (400). */
export class OverrideError extends InputError {}

/**
 * The supervisor's day/night switch. Routing reads it synchronously from a
 * cache (a call never waits on the database); the cache follows the database,
 * which holds the switch across restarts and for every instance.
 */
export class OverrideService {
  private cached: StoredOverride | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly repo: OverrideRepository, private readonly clock: Clock, private readonly log: Logger) {}

  /** The override in force now, or null (none, or expired). */
  current(): ManualOverride | null {
    const o = this.cached;
    if (!o || o.until.getTime() <= this.clock.now().getTime()) return null;
    return { mode: o.mode, until: o.until };
  }

  /** The full stored override while it is in force. */
  details(): StoredOverride | null {
    return this.current() ? this.cached : null;
  }

  async set(mode: 'day' | 'night', until: Date, setBy: string, reason = ''): Promise<StoredOverride> {
    const now = this.clock.now();
    if (!(until.getTime() > now.getTime())) throw new OverrideError('"until" must be in the future');
    if (until.getTime() - now.getTime() > MAX_OVERRIDE_DAYS * 86_400_000) {
      throw new OverrideError(`"until" may be at most ${MAX_OVERRIDE_DAYS} days ahead`);
    }
    const o: StoredOverride = { mode, until, setBy, reason, setAt: now };
    await this.repo.set(o);
    this.cached = o;
    this.log.warn({ mode, until: until.toISOString(), setBy, reason }, 'day/night override set');
    return o;
  }

  async clear(setBy: string): Promise<void> {
    await this.repo.clear();
    this.cached = null;
    this.log.warn({ setBy }, 'day/night override cleared');
  }

  /** Reloads from the database; on failure the cached switch stays in force. */
  async refresh(): Promise<void> {
    try {
      this.cached = await this.repo.get();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not read the day/night override; keeping the last known one');
    }
  }

  /**
   * Every node keeps its own cache: a switch set through another node's API
   * is in force here within `everyMs` (one indexed one-row read, so a short
   * period costs nothing and a night switch reaches every node in seconds).
   */
  startPolling(everyMs = 5_000): void {
    this.timer = setInterval(() => void this.refresh(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
