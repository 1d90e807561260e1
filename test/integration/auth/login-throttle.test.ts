import { describe, expect, it } from 'vitest';
import { LoginThrottle } from '../../../src/auth/login-throttle.ts';
import { useMigratedDatabase } from '../../support/migrated-db.ts';

/** The login throttle's counts in PostgreSQL, as every node of a cluster sees them. */
const db = useMigratedDatabase();
let now = 0;
const options = { maxPerUser: 3, maxPerAddress: 4, windowMs: 60_000, now: () => now };


describe('login throttle', () => {
  it('locks a username out from one address after too many failures, until the window has passed', async () => {
    await db.pool.query('delete from login_failures');
    now = 1_000_000;
    const t = new LoginThrottle(db.pool, { ...options, maxPerAddress: 100 });
    for (let i = 0; i < 3; i++) {
      expect(await t.retryAfter('ann', '10.0.0.1')).toBe(0);
      await t.fail('ann', '10.0.0.1');
      now += 1000;
    }
    expect(await t.retryAfter('ann', '10.0.0.1')).toBe(57); // the first failure leaves the window at 60 s
    expect(await t.retryAfter('ann', '10.0.0.2')).toBe(0);
    expect(await t.retryAfter('bob', '10.0.0.1')).toBe(0);
    now = 1_060_001;
    expect(await t.retryAfter('ann', '10.0.0.1')).toBe(0);
  });

  it('locks out an address that tries many usernames; a success clears only that user’s count', async () => {
    await db.pool.query('delete from login_failures');
    now = 2_000_000;
    const t = new LoginThrottle(db.pool, options);
    await t.fail('ann', '10.0.0.1');
    await t.fail('ann', '10.0.0.1');
    await t.succeed('ann', '10.0.0.1');
    await t.fail('ann', '10.0.0.1');
    expect(await t.retryAfter('ann', '10.0.0.1')).toBe(0);
    await t.fail('bob', '10.0.0.1');
    expect(await t.retryAfter('carl', '10.0.0.1')).toBe(60);
    expect(await t.retryAfter('carl', '10.0.0.9')).toBe(0);
  });

  it('counts across nodes: failures on one count on another, a restart forgets nothing', async () => {
    await db.pool.query('delete from login_failures');
    now = 3_000_000;
    const nodeA = new LoginThrottle(db.pool, options);
    const nodeB = new LoginThrottle(db.pool, options);
    await nodeA.fail('ann', '10.0.0.1');
    await nodeB.fail('ann', '10.0.0.1');
    await nodeA.fail('ann', '10.0.0.1');
    expect(await nodeB.retryAfter('ann', '10.0.0.1')).toBe(60);
    expect(await new LoginThrottle(db.pool, options).retryAfter('ann', '10.0.0.1')).toBe(60);
  });

  it('keeps usernames of any content apart, and only what is inside the window', async () => {
    await db.pool.query('delete from login_failures');
    now = 4_000_000;
    const t = new LoginThrottle(db.pool, options);
    // Names that would collide in a naive "user:address" key, and one absurdly long.
    await t.fail('a:b', 'c');
    await t.fail('a', 'b:c');
    await t.fail('x'.repeat(10_000), '10.0.0.3');
    const { rows } = await db.pool.query<{ key: string }>('select key from login_failures order by key');
    expect(new Set(rows.map((r) => r.key)).size).toBe(rows.length);
    expect(rows.every((r) => r.key.length < 200)).toBe(true);
    now += 61_000;
    await t.fail('ann', '10.0.0.4');
    // The earlier rows left the window and were deleted with this failure.
    expect((await db.pool.query('select count(*)::int as n from login_failures')).rows[0].n).toBe(2);
  });
});
