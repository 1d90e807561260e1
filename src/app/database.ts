import type { LoadedConfig } from '../config/load-config.ts';
import { openDatabase, type Database } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { withRetry } from '../db/retry.ts';
import type { ServiceDatabase } from '../feature.ts';
import type { Logger } from '../logging/logger.ts';

/**
 * Opens the database (PostgreSQL, or the embedded one without a URL) and runs
 * the migrations in the background, retrying while the server is away: calls
 * are answered meanwhile, and writes wait or are retried.
 */
export async function openServiceDatabase(config: LoadedConfig, log: Logger): Promise<ServiceDatabase & { close(): Promise<void> }> {
  const db: Database = await openDatabase({ url: config.database.url, dataDir: config.dataDir, log: log.child({ component: 'db' }) });
  const ready: Promise<void> = withRetry(() => migrate(db.pool, log), {
    attempts: Infinity,
    baseDelayMs: 500,
    maxDelayMs: 10_000,
    onRetry: (err, attempt) => log.warn({ attempt, err: (err as Error).message }, 'database not ready for migrations; retrying'),
  }).then(() => undefined);
  ready.catch((err) => log.error({ err }, 'database migrations failed'));
  let migrated = false;
  void ready.then(() => { migrated = true; }, () => undefined);
  return {
    pool: db.pool,
    ready,
    whenMigrated: () => (migrated ? Promise.resolve() : Promise.reject(new Error('database not ready (migrations pending)'))),
    close: () => db.close(),
  };
}
