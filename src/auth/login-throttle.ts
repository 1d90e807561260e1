import type pg from 'pg';

/**
 * Counts failed logins and refuses further tries for a while once there are
 * too many: per username and client address (someone guessing one account's
 * password) and per client address alone (someone trying many accounts). A
 * locked-out username can still log in from another address, so a stranger
 * cannot lock staff out of their own accounts from afar.
 *
 * The counts live in the database (login_failures), shared by every node:
 * kept in each process's memory, a cluster of N nodes would allow N times the
 * tries, and a node restart would forget them. A login needs the database
 * anyway, so the throttle adds no new way to fail.
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

/** Usernames are kept to this length in the keys: a flood of huge names cannot bloat the table. */
const MAX_NAME = 100;

export class LoginThrottle {
  private readonly now: () => number;

  constructor(
    private readonly db: Pick<pg.Pool, 'query'>,
    private readonly options: ThrottleOptions = DEFAULT_THROTTLE,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Seconds until another try is allowed, or 0 when it is allowed now. */
  async retryAfter(username: string, address: string): Promise<number> {
    const now = this.now();
    const { maxPerUser, maxPerAddress, windowMs } = this.options;
    const user = userKey(username, address);
    const addr = addressKey(address);
    const { rows } = await this.db.query<{ key: string; times: Date[] }>(
      `select key, (array_agg(at order by at desc))[1:$3] as times from login_failures
        where key = any($1) and at > $2 group by key`,
      [[user, addr], new Date(now - windowMs), Math.max(maxPerUser, maxPerAddress)],
    );
    const timesOf = (key: string) => (rows.find((r) => r.key === key)?.times ?? []).map((t) => t.getTime());
    return Math.max(waitSeconds(timesOf(user), maxPerUser, windowMs, now), waitSeconds(timesOf(addr), maxPerAddress, windowMs, now));
  }

  async fail(username: string, address: string): Promise<void> {
    const at = new Date(this.now());
    await this.db.query(`insert into login_failures (key, at) values ($1, $3), ($2, $3)`, [userKey(username, address), addressKey(address), at]);
    // What left every window is of no use any more (indexed on at: cheap, and a failed login is answered late anyway).
    await this.db.query(`delete from login_failures where at <= $1`, [new Date(at.getTime() - this.options.windowMs)]);
  }

  /** A successful login clears that user's count from that address (not the address's own). */
  async succeed(username: string, address: string): Promise<void> {
    await this.db.query(`delete from login_failures where key = $1`, [userKey(username, address)]);
  }
}

/**
 * Seconds until the oldest of the last `max` failures (newest first in
 * `times`) leaves the window; 0 while there are fewer than `max`.
 */
export function waitSeconds(times: readonly number[], max: number, windowMs: number, now: number): number {
  const oldest = times[max - 1];
  return times.length >= max && oldest !== undefined ? Math.max(0, Math.ceil((oldest + windowMs - now) / 1000)) : 0;
}

const userKey = (username: string, address: string) => JSON.stringify(['u', username.slice(0, MAX_NAME), address]);
const addressKey = (address: string) => JSON.stringify(['a', address]);
