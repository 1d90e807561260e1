import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../src/db/database.ts';
import { migrate } from '../../../src/db/migrate.ts';
import { captureLog, makeTempDir, removeDir, writeMigrations } from '../../support/db-helpers.ts';
import { defineMigrationCases } from './migration-cases.ts';

// PGlite's first start in an empty folder runs initdb in WebAssembly (several seconds).
const SLOW = 60_000;

describe('embedded database (PGlite behind pglite-socket)', () => {
  let dataDir: string | undefined;
  let db: Database | undefined;

  beforeAll(async () => {
    dataDir = await makeTempDir('hotline-pglite-');
    db = await openDatabase({ dataDir, log: captureLog().log });
  }, SLOW);

  afterAll(async () => {
    try {
      await db?.close();
    } finally {
      await removeDir(dataDir);
    }
  }, SLOW);

  it('serves pg over 127.0.0.1 with a pool of one connection, files in <dataDir>/pglite', async () => {
    expect(db!.embedded).toBe(true);
    expect(db!.pool.options.max).toBe(1);
    expect(db!.pool.options.host).toBe('127.0.0.1');
    expect(existsSync(join(dataDir!, 'pglite', 'PG_VERSION'))).toBe(true);
    expect(readFileSync(join(dataDir!, 'pglite.lock'), 'utf8')).toBe(String(process.pid));
    const res = await db!.pool.query("select version() as v, current_setting('server_encoding') as enc");
    expect(res.rows[0].v).toMatch(/PGlite/);
    expect(res.rows[0].enc).toBe('UTF8');
  });

  it('refuses a second open of the same data directory while it is open', async () => {
    await expect(openDatabase({ dataDir: dataDir!, log: captureLog().log })).rejects.toThrow(
      /in use by process \d+ \(this one\)/,
    );
  });

  describe('migrate()', () => {
    defineMigrationCases({ pool: () => db!.pool, otherPool: () => db!.pool });
  });

  it(
    'keeps a row written before close() after re-opening, and close() may be called twice',
    async () => {
      const log = captureLog();
      const dir = await writeMigrations(join(dataDir!, 'persist-migrations'), {
        '001-notes.sql': 'create table notes (id int primary key, body text not null);',
      });
      await db!.pool.query('drop table if exists schema_migrations, notes');
      await migrate(db!.pool, log.log, dir);
      await db!.pool.query("insert into notes values (1, '夜间值班电话')");

      await db!.close();
      await db!.close();
      expect(existsSync(join(dataDir!, 'pglite.lock'))).toBe(false);
      await expect(db!.pool.query('select 1')).rejects.toThrow();

      db = await openDatabase({ dataDir: dataDir!, log: log.log });
      const res = await db.pool.query('select body from notes where id = 1');
      expect(res.rows).toEqual([{ body: '夜间值班电话' }]);
      expect((await migrate(db.pool, log.log, dir)).applied).toEqual([]);
    },
    SLOW,
  );
});
