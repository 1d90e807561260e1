import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../src/db/database.ts';
import { isTransientDbError, withRetry } from '../../../src/db/retry.ts';
import { pausePg, resumePg, startPg, startPgCluster, stopPg, type PgCluster } from '../../support/pg-cluster.ts';
import { captureLog, type CapturedLog } from '../../support/db-helpers.ts';

describe('a PostgreSQL server that is briefly away', () => {
  let cluster: PgCluster | undefined;
  let db: Database | undefined;
  let logs: CapturedLog;

  beforeAll(async () => {
    cluster = await startPgCluster();
    logs = captureLog();
    db = await openDatabase({ url: cluster.url, dataDir: '/nonexistent-not-used', log: logs.log });
    await db.pool.query('create table events (id int primary key, body text)');
  });

  afterAll(async () => {
    try {
      if (cluster) resumePg(cluster);
      await db?.close();
    } finally {
      await cluster?.stop();
    }
  });

  it('opens a pool of 10 for a url and closes it twice without error', async () => {
    expect(db!.embedded).toBe(false);
    expect(db!.pool.options.max).toBe(10);
    const other = await openDatabase({ url: cluster!.url, dataDir: '/nonexistent-not-used', log: captureLog().log });
    await other.close();
    await other.close();
    // the url's password never reaches the log
    const masked = captureLog();
    const withPassword = await openDatabase({ url: 'postgres://app:s3cret@127.0.0.1:1/x', dataDir: '.', log: masked.log });
    await withPassword.close();
    expect(JSON.stringify(masked.lines)).not.toContain('s3cret');
  });

  it('classifies the errors of a real outage as transient', async () => {
    // A query running while the server shuts down (fast) fails with 57P01 or a terminated connection.
    const running = db!.pool.query('select pg_sleep(5)').catch((e: unknown) => e);
    await delay(200);
    await stopPg(cluster!);
    const duringShutdown = await running;
    expect(duringShutdown).toBeInstanceOf(Error);
    expect(isTransientDbError(duringShutdown)).toBe(true);

    const refused = await db!.pool.query('select 1').catch((e: unknown) => e);
    expect((refused as { code?: string }).code).toBe('ECONNREFUSED');
    expect(isTransientDbError(refused)).toBe(true);
    await startPg(cluster!);
    expect((await db!.pool.query('select 1 as x')).rows).toEqual([{ x: 1 }]);
  });

  it('survives idle connections dying, and withRetry writes once the server is back', async () => {
    // Fill the pool with idle connections, which the shutdown will kill: the pool's
    // 'error' listener must keep that from crashing the process.
    await Promise.all([1, 2, 3].map(() => db!.pool.query('select pg_sleep(0.05)')));
    expect(db!.pool.idleCount).toBeGreaterThan(0);

    await stopPg(cluster!);
    const outageStarted = Date.now();
    const restart = delay(1_500).then(() => startPg(cluster!));
    const retries: number[] = [];
    const result = await withRetry(
      () => db!.pool.query("insert into events values (1, 'leak reported') on conflict (id) do nothing returning id"),
      { attempts: 40, baseDelayMs: 50, maxDelayMs: 400, onRetry: (_err, attempt) => retries.push(attempt) },
    );
    await restart;
    expect(result.rows).toEqual([{ id: 1 }]);
    expect(retries.length).toBeGreaterThan(0);
    expect(Date.now() - outageStarted).toBeGreaterThanOrEqual(1_500);
    expect((await db!.pool.query('select body from events')).rows).toEqual([{ body: 'leak reported' }]);
    expect(logs.messages('warn').some((m) => m.startsWith('idle database connection failed'))).toBe(true);
  });

  it('retries through a hung server (connections time out) once it answers again', async () => {
    const pool = new pg.Pool({ connectionString: cluster!.url, max: 1, connectionTimeoutMillis: 300 });
    pool.on('error', () => undefined);
    try {
      pausePg(cluster!);
      setTimeout(() => resumePg(cluster!), 1_200);
      const errors: unknown[] = [];
      const res = await withRetry(() => pool.query('select 2 as x'), {
        attempts: 20,
        baseDelayMs: 50,
        maxDelayMs: 300,
        onRetry: (err) => errors.push(err),
      });
      expect(res.rows).toEqual([{ x: 2 }]);
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.every(isTransientDbError)).toBe(true);
    } finally {
      resumePg(cluster!);
      await pool.end();
    }
  });
});
