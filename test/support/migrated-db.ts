import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { migrate } from '../../src/db/migrate.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { startPgCluster, type PgCluster } from './pg-cluster.ts';

export interface MigratedDatabase {
  /** Set before the file's first test. */
  readonly pool: pg.Pool;
  readonly cluster: PgCluster;
}

/**
 * A throwaway PostgreSQL with the project's migrations, for one test file:
 * started before its first test, stopped after its last (also when tests
 * fail). Read `pool` inside tests and hooks, not at the top level.
 */
export function useMigratedDatabase(o: { max?: number } = {}): MigratedDatabase {
  const state = {} as { pool: pg.Pool; cluster: PgCluster };
  beforeAll(async () => {
    state.cluster = await startPgCluster();
    state.pool = new pg.Pool({ connectionString: state.cluster.url, max: o.max ?? 3 });
    state.pool.on('error', () => {}); // idle connections dropped when a test stops the server
    await migrate(state.pool, createLogger('silent'));
  }, 60_000);
  afterAll(async () => {
    await state.pool?.end();
    await state.cluster?.stop();
  });
  return state;
}
