import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';
import type { Logger } from 'pino';

export interface Database {
  pool: pg.Pool;
  /** True when the database is the embedded PGlite in dataDir rather than a PostgreSQL server. */
  embedded: boolean;
  /** Ends the pool, then (embedded) stops the socket server and closes PGlite. Safe to call twice. */
  close(): Promise<void>;
}

/** The embedded database's files are held by another live process (PGlite has a single owner). */
export class DatabaseInUseError extends Error {
  override name = 'DatabaseInUseError';
  constructor(
    message: string,
    readonly ownerPid: number,
  ) {
    super(message);
  }
}

export interface OpenDatabaseOptions {
  /** postgres://… ; without it an embedded PostgreSQL (PGlite) runs in `<dataDir>/pglite`. */
  url?: string;
  dataDir: string;
  log: Logger;
}

/**
 * Opens the hotline's database.
 *
 * With a url: a pg.Pool of up to 10 connections. Nothing connects yet, so a
 * server that is briefly away at start-up is not an error here; callers wrap
 * their first use (migrate) in withRetry.
 *
 * Without a url: PGlite with its files in `<dataDir>/pglite`, served over the
 * PostgreSQL wire protocol by pglite-socket on 127.0.0.1 (ephemeral port), so
 * the same pg code runs against it. The pool then holds ONE connection: PGlite
 * is a single backend, and with a transaction open on one socket connection a
 * query on another can hang (upstream bug). PGlite also has a single owner: a
 * lock file `<dataDir>/pglite.lock` keeps a second process (or a second open in
 * this one) away from the same files.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  return options.url ? openServer(options.url, options.log) : openEmbedded(options.dataDir, options.log);
}

function openServer(url: string, log: Logger): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: 'gas-hotline',
  });
  guardPool(pool, log);
  log.info({ database: describeUrl(url) }, 'database pool ready (PostgreSQL server)');
  return {
    pool,
    embedded: false,
    close: once(async () => {
      await pool.end();
      log.info('database pool closed');
    }),
  };
}

async function openEmbedded(dataDir: string, log: Logger): Promise<Database> {
  const root = resolve(dataDir);
  const dir = join(root, 'pglite');
  await mkdir(dir, { recursive: true });
  const releaseLock = await lockDataDir(join(root, 'pglite.lock'), dir);

  let db: PGlite | undefined;
  let server: PGLiteSocketServer | undefined;
  let pool: pg.Pool | undefined;
  const shutdown = async (): Promise<void> => {
    try {
      if (pool) await pool.end();
    } finally {
      try {
        if (server) {
          await server.stop();
          // Connection handlers detach on the next turns; let them finish before PGlite goes away.
          await nextTurn();
          await nextTurn();
        }
      } finally {
        try {
          if (db && !db.closed) await db.close();
        } finally {
          await releaseLock();
        }
      }
    }
  };

  try {
    const started = Date.now();
    db = await PGlite.create(dir);
    server = new PGLiteSocketServer({
      db,
      host: '127.0.0.1',
      port: 0,
      // The pool uses one connection; the extra slots only absorb a reconnect
      // that arrives before the server has noticed the old socket close.
      maxConnections: 4,
    });
    server.addEventListener('error', (event) => {
      log.warn({ err: (event as CustomEvent<unknown>).detail }, 'embedded database socket error');
    });
    await server.start();
    const conn = server.getServerConn(); // "127.0.0.1:<port>"
    const port = Number(conn.slice(conn.lastIndexOf(':') + 1));
    if (!Number.isInteger(port) || port <= 0) throw new Error(`pglite-socket reported no port: ${conn}`);

    pool = new pg.Pool({
      host: '127.0.0.1',
      port,
      user: 'postgres',
      database: 'postgres',
      max: 1,
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 0, // keep the one connection; reconnecting buys nothing in-process
      application_name: 'gas-hotline',
    });
    guardPool(pool, log);
    await pool.query('select 1');
    log.info({ dataDir: dir, port, ms: Date.now() - started }, 'embedded database ready (PGlite)');
  } catch (err) {
    await shutdown().catch((closeErr: unknown) => {
      log.warn({ err: closeErr }, 'cleanup after failed embedded database start failed');
    });
    throw err;
  }

  const readyPool = pool;
  return {
    pool: readyPool,
    embedded: true,
    close: once(async () => {
      await shutdown();
      log.info({ dataDir: dir }, 'embedded database closed');
    }),
  };
}

/** An idle client that loses its connection emits 'error' on the pool; unhandled, that would end the process. */
function guardPool(pool: pg.Pool, log: Logger): void {
  pool.on('error', (err) => {
    log.warn({ err }, 'idle database connection failed; the pool opens a new one when needed');
  });
}

/**
 * Claims `<dataDir>/pglite.lock` for this process. A lock left behind by a
 * process that no longer exists is taken over.
 */
async function lockDataDir(lockPath: string, dir: string): Promise<() => Promise<void>> {
  const me = String(process.pid);
  for (let tries = 0; ; tries++) {
    try {
      await writeFile(lockPath, me, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || tries > 0) throw err;
      const owner = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(owner) && owner > 0 && processExists(owner)) {
        throw new DatabaseInUseError(
          `embedded database ${dir} is in use by process ${owner}${owner === process.pid ? ' (this one)' : ''}; ` +
            `PGlite allows one owner. Stop that process, or remove ${lockPath} if it is not a hotline.`,
          owner,
        );
      }
      await unlink(lockPath).catch(() => undefined); // stale
    }
  }
  return once(async () => {
    const content = await readFile(lockPath, 'utf8').catch(() => '');
    if (content === me) await unlink(lockPath).catch(() => undefined);
  });
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.host}${u.pathname}`;
  } catch {
    return '(unparsable url)';
  }
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}
