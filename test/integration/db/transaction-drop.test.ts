import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../../../src/db/transaction.ts';
import { startPg, startPgCluster, stopPg, type PgCluster } from '../../support/pg-cluster.ts';

/**
 * The server goes away while a transaction holds a client between two
 * queries (a restart, a failover, the machine of a shared database): the
 * transaction fails, the process lives on, and the pool serves again once
 * the server is back. Without a listener on the checked-out client, pg
 * emits an 'error' nobody hears and Node ends the process.
 */
describe('a transaction whose connection the server drops', () => {
  let cluster: PgCluster;
  let pool: pg.Pool;

  beforeAll(async () => {
    cluster = await startPgCluster();
    pool = new pg.Pool({ connectionString: cluster.url, max: 2 });
    pool.on('error', () => {}); // idle clients dropped by the stop
  });
  afterAll(async () => {
    await pool?.end();
    await cluster?.stop();
  });

  it('fails the transaction, not the process; the pool works again afterwards', async () => {
    const done = inTransaction(pool, async (c) => {
      await c.query('select 1');
      const ended = new Promise((resolve) => c.once('end', resolve));
      await stopPg(cluster); // the server terminates the connection while no query runs on it
      await ended; // the client has seen its connection go (and emitted 'error' first)
      await c.query('select 1');
    });
    await expect(done).rejects.toThrow();
    await startPg(cluster);
    expect((await pool.query('select 41 + 1 as x')).rows[0].x).toBe(42);
  });
});
