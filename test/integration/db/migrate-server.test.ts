import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { startPgCluster, type PgCluster } from '../../support/pg-cluster.ts';
import { defineMigrationCases } from './migration-cases.ts';

describe('migrate() on a PostgreSQL server', () => {
  let cluster: PgCluster | undefined;
  let pool: pg.Pool | undefined;
  let other: pg.Pool | undefined;

  beforeAll(async () => {
    cluster = await startPgCluster();
    pool = new pg.Pool({ connectionString: cluster.url, max: 3 });
    other = new pg.Pool({ connectionString: cluster.url, max: 3 });
  });

  afterAll(async () => {
    try {
      await Promise.allSettled([pool?.end(), other?.end()]);
    } finally {
      await cluster?.stop();
    }
  });

  defineMigrationCases({ pool: () => pool!, otherPool: () => other! });
});
