import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { Logger } from 'pino';

/**
 * Schema migrations: plain SQL files named `NNN-name.sql` (three digits, a
 * dash, lower-case letters, digits, `-` or `_`) in src/db/migrations/, applied
 * in order of their number. Each file runs in its own transaction together with
 * its row in schema_migrations, so a file is applied completely or not at all.
 * Files must therefore not contain transaction control (BEGIN/COMMIT) or
 * statements that cannot run in a transaction (CREATE INDEX CONCURRENTLY,
 * VACUUM). Applied files must never be edited: add a new file instead.
 *
 * Two processes that migrate the same database at once are serialised with a
 * transaction-level advisory lock that every migration transaction takes before
 * it checks whether its version is still missing. On the embedded database
 * (PGlite behind pglite-socket) all connections share one backend, so the lock
 * itself excludes nobody there; the socket server instead runs a transaction
 * to its end before it serves any other connection, which gives the same
 * guarantee, and PGlite has only one owner process anyway.
 */

export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** Key of the advisory lock that serialises migrations ("hotline" in ASCII, as a bigint). */
export const MIGRATION_LOCK_KEY = '29395943403646565';

const FILE_PATTERN = /^(\d{3})-([a-z0-9][a-z0-9_-]*)\.sql$/;

export interface MigrationFile {
  /** "001" */
  version: string;
  /** "base" */
  name: string;
  /** "001-base.sql" */
  fileName: string;
  path: string;
}

export class MigrationError extends Error {
  override name = 'MigrationError';
  constructor(
    message: string,
    readonly fileName?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The migration files in dir, in order. Every `*.sql` file must match the
 * pattern and versions must be unique; other files (README, .gitkeep) are
 * ignored.
 */
export async function listMigrations(dir: string = DEFAULT_MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: MigrationFile[] = [];
  const bad: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || !/\.sql$/i.test(entry.name)) continue;
    const m = FILE_PATTERN.exec(entry.name);
    if (!m) {
      bad.push(entry.name);
      continue;
    }
    files.push({ version: m[1]!, name: m[2]!, fileName: entry.name, path: join(dir, entry.name) });
  }
  if (bad.length > 0) {
    throw new MigrationError(
      `migration file name${bad.length > 1 ? 's' : ''} ${bad.map((b) => `"${b}"`).join(', ')} in ${dir} ` +
        'do not match NNN-name.sql (three digits, a dash, then lower-case letters, digits, "-" or "_", e.g. 002-calls.sql)',
      bad[0],
    );
  }
  files.sort((a, b) => a.version.localeCompare(b.version));
  for (let i = 1; i < files.length; i++) {
    if (files[i]!.version === files[i - 1]!.version) {
      throw new MigrationError(
        `migrations ${files[i - 1]!.fileName} and ${files[i]!.fileName} in ${dir} share version ${files[i]!.version}`,
        files[i]!.fileName,
      );
    }
  }
  return files;
}

export interface MigrateResult {
  /** Versions this call applied, in order ([] when the schema was already current). */
  applied: string[];
  /** All versions recorded in schema_migrations after this call. */
  current: string[];
}

/**
 * Brings the database up to date with the files in dir. Idempotent; safe to
 * run from several processes at once. Throws MigrationError (cause: the
 * database error) when a file fails; earlier files stay applied.
 */
export async function migrate(pool: pg.Pool, log: Logger, dir: string = DEFAULT_MIGRATIONS_DIR): Promise<MigrateResult> {
  const files = await listMigrations(dir);
  const sqlByVersion = new Map<string, string>();
  for (const f of files) sqlByVersion.set(f.version, await readFile(f.path, 'utf8'));

  await inLockedTransaction(pool, async (client) => {
    await client.query(`create table if not exists schema_migrations (
      version text primary key,
      name text,
      applied_at timestamptz default now()
    )`);
  });

  const known = await appliedVersions(pool);
  const onDisk = new Set(files.map((f) => f.version));
  for (const [version, name] of known) {
    if (!onDisk.has(version)) log.warn({ version, name, dir }, 'applied migration has no file');
  }

  const applied: string[] = [];
  for (const file of files) {
    if (known.has(file.version)) {
      if (known.get(file.version) !== file.name) {
        log.warn({ version: file.version, recorded: known.get(file.version), file: file.fileName }, 'migration file was renamed after it was applied');
      }
      continue;
    }
    const started = Date.now();
    const done = await inLockedTransaction(pool, async (client) => {
      // Another process may have applied it while this one waited for the lock.
      const again = await client.query('select 1 from schema_migrations where version = $1', [file.version]);
      if (again.rowCount) return false;
      try {
        await client.query(sqlByVersion.get(file.version)!);
      } catch (err) {
        throw new MigrationError(`migration ${file.fileName} failed: ${(err as Error).message}`, file.fileName, { cause: err });
      }
      await client.query('insert into schema_migrations (version, name) values ($1, $2)', [file.version, file.name]);
      return true;
    });
    if (done) {
      applied.push(file.version);
      log.info({ version: file.version, migration: file.name, ms: Date.now() - started }, 'migration applied');
    } else {
      log.info({ version: file.version, migration: file.name }, 'migration already applied by a concurrent run');
    }
  }

  const current = [...(await appliedVersions(pool)).keys()];
  if (applied.length === 0) log.debug({ current: current.at(-1) ?? null }, 'database schema is current');
  return { applied, current };
}

async function appliedVersions(pool: pg.Pool): Promise<Map<string, string>> {
  const res = await pool.query<{ version: string; name: string | null }>(
    'select version, name from schema_migrations order by version',
  );
  return new Map(res.rows.map((r) => [r.version, r.name ?? '']));
}

/** Runs fn in a transaction on one client after taking the migration lock (released at commit/rollback). */
async function inLockedTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // Checked out, the client's errors reach no pool listener (see transaction.ts): a dropped connection must not end the process.
  const onError = () => undefined;
  client.on('error', onError);
  try {
    await client.query('begin');
  } catch (err) {
    client.removeListener('error', onError);
    client.release(err as Error); // do not reuse a client that cannot even begin
    throw err;
  }
  let broken: Error | undefined;
  try {
    await client.query('select pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    const result = await fn(client);
    await client.query('commit');
    return result;
  } catch (err) {
    try {
      await client.query('rollback');
    } catch (rollbackErr) {
      // The connection is gone and the server rolls back by itself; discard the client.
      broken = rollbackErr as Error;
    }
    throw err;
  } finally {
    client.removeListener('error', onError);
    client.release(broken);
  }
}
