import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoginThrottle } from '../../../src/auth/login-throttle.ts';
import { migrate } from '../../../src/db/migrate.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { startPgCluster, type PgCluster } from '../../support/pg-cluster.ts';

/** The login throttle's counts in PostgreSQL, as every node of a cluster sees them. */
let cluster: PgCluster;
let pool: pg.Pool;
let now = 0;
const options = { maxPerUser: 3, maxPerAddress: 4, windowMs: 60_000, now: () => now };

beforeAll(async () => {
  cluster = await startPgCluster();
  pool = new pg.Pool({ connectionString: cluster.url, max: 3 });
  await migrate(pool, createLogger('silent'));
});

afterAll(async () => {
  await pool?.end();
  await cluster?.stop();
});

describe('login throttle', () => {
  it('locks a username out from one address after too many failures, until the window has passed', async () => {
    await pool.query('delete from login_failures');
    now = 1_000_000;
    const t = new LoginThrottle(pool, { ...options, maxPerAddress: 100 });
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
    await pool.query('delete from login_failures');
    now = 2_000_000;
    const t = new LoginThrottle(pool, options);
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
    await pool.query('delete from login_failures');
    now = 3_000_000;
    const nodeA = new LoginThrottle(pool, options);
    const nodeB = new LoginThrottle(pool, options);
    await nodeA.fail('ann', '10.0.0.1');
    await nodeB.fail('ann', '10.0.0.1');
    await nodeA.fail('ann', '10.0.0.1');
    expect(await nodeB.retryAfter('ann', '10.0.0.1')).toBe(60);
    expect(await new LoginThrottle(pool, options).retryAfter('ann', '10.0.0.1')).toBe(60);
  });

  it('keeps usernames of any content apart, and only what is inside the window', async () => {
    await pool.query('delete from login_failures');
    now = 4_000_000;
    const t = new LoginThrottle(pool, options);
    // Names that would collide in a naive "user:address" key, and one absurdly long.
    await t.fail('a:b', 'c');
    await t.fail('a', 'b:c');
    await t.fail('x'.repeat(10_000), '10.0.0.3');
    const { rows } = await pool.query<{ key: string }>('select key from login_failures order by key');
    expect(new Set(rows.map((r) => r.key)).size).toBe(rows.length);
    expect(rows.every((r) => r.key.length < 200)).toBe(true);
    now += 61_000;
    await t.fail('ann', '10.0.0.4');
    // The earlier rows left the window and were deleted with this failure.
    expect((await pool.query('select count(*)::int as n from login_failures')).rows[0].n).toBe(2);
  });
});
