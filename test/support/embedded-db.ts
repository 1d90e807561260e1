import { afterAll, beforeAll } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { captureLog, makeTempDir, removeDir } from './db-helpers.ts';

/** PGlite's first start in an empty folder runs initdb in WebAssembly (several seconds). */
export const EMBEDDED_START_MS = 60_000;

/**
 * An embedded database (PGlite behind pglite-socket, as the default
 * deployment runs) in a temporary folder for the tests of one file: opened
 * (and migrated, if asked) before them, closed and removed after.
 */
export function useEmbeddedDatabase(prefix: string, o: { migrated?: boolean } = {}): { readonly db: Database; readonly dataDir: string } {
  let dataDir: string | undefined;
  let db: Database | undefined;
  beforeAll(async () => {
    dataDir = await makeTempDir(prefix);
    db = await openDatabase({ dataDir, log: captureLog().log });
    if (o.migrated) await migrate(db.pool, captureLog().log);
  }, EMBEDDED_START_MS);
  afterAll(async () => {
    try {
      await db?.close();
    } finally {
      await removeDir(dataDir);
    }
  }, EMBEDDED_START_MS);
  return {
    get db() {
      if (!db) throw new Error('the embedded database is not open (use it inside a test)');
      return db;
    },
    get dataDir() {
      if (!dataDir) throw new Error('the embedded database is not open (use it inside a test)');
      return dataDir;
    },
  };
}
