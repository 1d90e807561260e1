import type pg from 'pg';

/** Anything to run a query on: the pool, or a client inside a transaction. */
export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/**
 * Runs `fn` in one transaction on a client of the pool (rolled back when it
 * throws). While the client is checked out the pool does not listen to its
 * errors, and a connection that the server drops between two queries (a
 * restart, a failover) would emit an 'error' nobody hears, which ends the
 * process: this listens for the transaction's duration and discards such a
 * client instead of returning it to the pool.
 */
export async function inTransaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (err: Error) => void (lost = err);
  client.on('error', onError);
  try {
    await client.query('begin');
    const result = await fn(client);
    await client.query('commit');
    return result;
  } catch (err) {
    await client.query('rollback').catch((e: Error) => void (lost ??= e));
    throw err;
  } finally {
    client.removeListener('error', onError);
    client.release(lost);
  }
}
