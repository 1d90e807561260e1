import type { Feature, ServiceBase, Worker } from '../feature.ts';
import { RecordingStore } from '../recordings/recording-store.ts';
import { AuditRepository, type AuditEntry } from './audit-repository.ts';
import { DEFAULT_RETENTION_DAYS, DEFAULT_RETENTION_SCHEDULE, Retention, retentionWorker, type RetentionCounts, type RetentionDays } from './retention.ts';
import { auditRoutes } from './routes.ts';

export { AuditRepository, type AuditEntry, type AuditFilter, type AuditRecord } from './audit-repository.ts';
export { DEFAULT_RETENTION_DAYS, DEFAULT_RETENTION_SCHEDULE, type RetentionCounts, type RetentionDays } from './retention.ts';

export interface AuditOptions {
  /** Days each kind of data is kept (defaults: recordings 365, personal data 730, call records 730). */
  retention?: Partial<RetentionDays>;
  /** When the retention runs (cron, in the hotline's time zone); default every day at 03:30. */
  retentionSchedule?: string;
  /** Whether the daily run is scheduled at all (default true); runRetention works either way. */
  retentionEnabled?: boolean;
}

export interface Audit extends Feature {
  repository: AuditRepository;
  /**
   * Keeps an entry, behind the caller: never throws and never waits for the
   * database (the promise settles when the row is written or given up, with
   * a warning in the log).
   */
  record(entry: AuditEntry): Promise<void>;
  /** One retention run as of `now` (default: the clock); its counts are also in audit_log. */
  runRetention(now?: Date): Promise<RetentionCounts>;
}

/** How long stop() waits for entries still being written. */
const FLUSH_MS = 5_000;

/**
 * The audit log (SEC-02/06/07) and the retention of personal data (SEC-03):
 * an onResponse hook keeps every staff read of a recording and every change
 * made over the API (who, role, what, which subject, the answer; never a
 * body), GET /api/audit for admins, and a daily retention run.
 */
export function createAudit(base: Pick<ServiceBase, 'config' | 'db' | 'log' | 'clock'>, options: AuditOptions = {}): Audit {
  const { config, db, clock } = base;
  const log = base.log.child({ component: 'audit' });
  const repository = new AuditRepository(db.pool);
  const pending = new Set<Promise<void>>();

  const record = (entry: AuditEntry): Promise<void> => {
    const write = db.ready
      .then(() => repository.insert(entry))
      .catch((err: unknown) => {
        log.warn({ err: (err as Error)?.message ?? String(err), action: entry.action, actor: entry.actor, path: entry.path }, 'audit entry not written');
      })
      .finally(() => pending.delete(write));
    pending.add(write);
    return write;
  };

  // The configuration's retention section, unless the caller (a test) says otherwise.
  const configured = config.retention;
  const days: RetentionDays = {
    ...DEFAULT_RETENTION_DAYS,
    ...(configured && { recordings: configured.recordingsDays, personalData: configured.personalDataDays, callRecords: configured.callRecordsDays }),
    ...options.retention,
  };
  const enabled = options.retentionEnabled ?? configured?.enabled ?? true;
  const schedule = options.retentionSchedule ?? configured?.schedule ?? DEFAULT_RETENTION_SCHEDULE;
  const retention = new Retention({ pool: db.pool, recordings: new RecordingStore(config.voicemail.recordingsDir, db.pool, config.node.id), audit: repository, log, days });
  const runRetention = async (now: Date = clock.now()): Promise<RetentionCounts> => {
    await db.ready;
    return retention.run(now);
  };

  const flush: Worker = {
    name: 'audit log',
    start: () => undefined,
    // Stopped after the HTTP server closed and before the database does: the last entries still get written.
    stop: async () => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, FLUSH_MS)));
      await Promise.race([Promise.all([...pending]), late]);
      clearTimeout(timer);
      if (pending.size > 0) log.warn({ entries: pending.size }, 'audit entries still being written at stop');
    },
  };

  return {
    name: 'audit',
    repository,
    record,
    runRetention,
    routes: (app) => auditRoutes(app, { repository, record }),
    workers: [
      flush,
      ...(enabled ? [retentionWorker(retention, { schedule, timezone: config.calendar.timezone, now: () => clock.now(), log })] : []),
    ],
  };
}
