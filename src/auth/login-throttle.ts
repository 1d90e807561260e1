/**
 * Counts failed logins in memory and refuses further tries for a while once
 * there are too many: per username and client address (someone guessing one
 * account's password) and per client address alone (someone trying many
 * accounts). A locked-out username can still log in from another address, so
 * a stranger cannot lock staff out of their own accounts from afar.
 *
 * In memory on purpose: the service runs as one process, and a restart
 * forgetting the counts costs an attacker a restart they cannot cause.
 */
export interface ThrottleOptions {
  /** Failures per username and address within the window before a lock-out. */
  maxPerUser: number;
  /** Failures per address within the window before a lock-out. */
  maxPerAddress: number;
  windowMs: number;
  now?: () => number;
}

export const DEFAULT_THROTTLE: ThrottleOptions = { maxPerUser: 5, maxPerAddress: 20, windowMs: 15 * 60_000 };

/** Bounds the memory a flood of distinct usernames or addresses can take. */
const MAX_KEYS = 10_000;

export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();
  private readonly now: () => number;

  constructor(private readonly options: ThrottleOptions = DEFAULT_THROTTLE) {
    this.now = options.now ?? Date.now;
  }

  /** Seconds until another try is allowed, or 0 when it is allowed now. */
  retryAfter(username: string, address: string): number {
    const now = this.now();
    const wait = (key: string, max: number): number => {
      const times = this.recent(key, now);
      return times.length >= max ? Math.ceil((times[times.length - max]! + this.options.windowMs - now) / 1000) : 0;
    };
    return Math.max(wait(userKey(username, address), this.options.maxPerUser), wait(addressKey(address), this.options.maxPerAddress));
  }

  fail(username: string, address: string): void {
    const now = this.now();
    if (this.failures.size >= MAX_KEYS) this.prune(now);
    for (const key of [userKey(username, address), addressKey(address)]) {
      const times = this.recent(key, now);
      times.push(now);
      this.failures.set(key, times);
    }
  }

  /** A successful login clears that user's count from that address (not the address's own). */
  succeed(username: string, address: string): void {
    this.failures.delete(userKey(username, address));
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((t) => t > now - this.options.windowMs);
  }

  private prune(now: number): void {
    for (const [key, times] of this.failures) {
      if (!times.some((t) => t > now - this.options.windowMs)) this.failures.delete(key);
    }
    // Still full of live entries: forget the oldest keys rather than grow without bound.
    for (const key of this.failures.keys()) {
      if (this.failures.size < MAX_KEYS) break;
      this.failures.delete(key);
    }
  }
}

const userKey = (username: string, address: string) => `u\u0000${username}\u0000${address}`;
const addressKey = (address: string) => `a\u0000${address}`;
