import cron, { type ScheduledTask } from 'node-cron';
import type pg from 'pg';
import { inTransaction } from '../db/transaction.ts';
import type { Worker } from '../feature.ts';
import type { Logger } from '../logging/logger.ts';
import type { RecordingStore } from '../recordings/recording-store.ts';
import type { AuditRepository } from './audit-repository.ts';
import { anonymiseCallbacks, deleteSurveyComments } from './retention-outbound.ts';

/** How long each kind of data is kept, in days (SEC-03). */
export interface RetentionDays {
  /** The voicemail audio of a ticket, counted from its closing. */
  recordings: number;
  /** A ticket's caller and callback numbers, counted from its closing; a finished callback job's number, from its last change. */
  personalData: number;
  /** The caller's number in the call records, counted from the call's start. */
  callRecords: number;
}

export const DEFAULT_RETENTION_DAYS: RetentionDays = { recordings: 365, personalData: 730, callRecords: 730 };

/** Every day at 03:30 local time: a quiet hour of the hotline. */
export const DEFAULT_RETENTION_SCHEDULE = '30 3 * * *';

/** What one run did. */
export interface RetentionCounts {
  /** Recordings whose file was deleted and recording_path cleared. */
  recordingsDeleted: number;
  /** Recordings that could not be deleted this time (tried again on the next run). */
  recordingErrors: number;
  /** Tickets whose caller/callback numbers were masked. */
  ticketsAnonymised: number;
  /** Call records whose numbers were masked. */
  callsAnonymised: number;
  /** Finished callback jobs whose numbers (and their attempts') were masked. */
  callbacksAnonymised: number;
  /** Survey comments whose audio was deleted. */
  commentsDeleted: number;
  /** This node's copies of recordings deleted through another node (RecordingStore.sweepLocal). */
  localCopiesRemoved: number;
}

export interface RetentionDeps {
  pool: pg.Pool;
  recordings: RecordingStore;
  audit: AuditRepository;
  log: Logger;
  days: RetentionDays;
  /** Rows per statement or transaction (keeps each one short on a large table). */
  batch?: number;
}

const DAY_MS = 86_400_000;

/**
 * When a closed ticket was closed: its last change of status to 'closed' in
 * the history (a ticket reopened and closed again counts from the last time),
 * else its last update.
 */
const CLOSED_AT = `coalesce((select max(h.at) from ticket_history h
                              where h.ticket_id = t.id and h.action = 'status' and h.to_value = '"closed"'::jsonb), t.updated_at)`;

/**
 * The retention run (SEC-03): deletes the audio of tickets closed longer
 * than `days.recordings` ago, masks the numbers of tickets closed longer than
 * `days.personalData` ago and of calls older than `days.callRecords` (last 4
 * digits kept, see mask_number() in migration 010), and writes one audit_log
 * row with the counts. Idempotent: what is already deleted or masked is not
 * counted again, and a file whose deletion failed is tried on the next run.
 */
export class Retention {
  #running: Promise<RetentionCounts> | null = null;

  constructor(private readonly d: RetentionDeps) {}

  /** One run as of `now`; a run asked for while one is under way waits for it and then runs. */
  async run(now: Date): Promise<RetentionCounts> {
    const previous = this.#running?.catch(() => undefined);
    const current = (async () => {
      await previous;
      return this.#run(now);
    })();
    this.#running = current;
    try {
      return await current;
    } finally {
      if (this.#running === current) this.#running = null;
    }
  }

  /** Settles when no run is under way. */
  async idle(): Promise<void> {
    await this.#running?.catch(() => undefined);
  }

  async #run(now: Date): Promise<RetentionCounts> {
    const started = Date.now();
    const cutoff = (days: number) => new Date(now.getTime() - days * DAY_MS);
    const { days } = this.d;
    const batch = this.d.batch ?? 500;
    const recordings = await this.#deleteRecordings(cutoff(days.recordings));
    const comments = await deleteSurveyComments(this.d.pool, this.d.recordings, cutoff(days.recordings), batch, (jobId, err) =>
      this.d.log.warn({ err: (err as Error).message, jobId }, 'retention: survey comment not deleted (tried again on the next run)'));
    const counts: RetentionCounts = {
      recordingsDeleted: recordings.deleted,
      recordingErrors: recordings.errors + comments.errors,
      ticketsAnonymised: await this.#anonymiseTickets(cutoff(days.personalData)),
      callsAnonymised: await this.#anonymiseCalls(cutoff(days.callRecords)),
      callbacksAnonymised: await anonymiseCallbacks(this.d.pool, cutoff(days.personalData), batch),
      commentsDeleted: comments.deleted,
      localCopiesRemoved: 0,
    };
    // Real time: file times are not on the service clock. A day old at least, so no save in progress is touched.
    const local = await this.d.recordings.sweepLocal(new Date(Date.now() - DAY_MS), (paths) => this.#referenced(paths));
    counts.localCopiesRemoved = local.removed;
    if (local.shared > 0) this.d.log.info({ shared: local.shared }, 'recordings kept only on this node copied into the database');
    await this.d.audit.insert({ actor: 'hotline', role: 'system', action: 'retention', detail: { ...counts, days: { ...days }, asOf: now.toISOString() } });
    this.d.log.info({ ...counts, ms: Date.now() - started }, 'retention run done');
    return counts;
  }

  async #deleteRecordings(before: Date): Promise<{ deleted: number; errors: number }> {
    let deleted = 0;
    let errors = 0;
    // Keyset order: a ticket tried once in this run (deleted, failed, or skipped as locked or reopened) is not selected again.
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const { rows } = await this.d.pool.query<{ id: string }>(
        `select t.id from tickets t
          where t.status = 'closed' and t.recording_path is not null and ${CLOSED_AT} < $1 and t.id > $2::uuid
          order by t.id limit $3`,
        [before, after, this.d.batch ?? 500],
      );
      if (rows.length === 0) break;
      after = rows.at(-1)!.id;
      for (const { id } of rows) {
        try {
          if (await this.#deleteRecording(id, before)) deleted++;
        } catch (err) {
          errors++;
          this.d.log.warn({ err: (err as Error).message, ticketId: id }, 'retention: recording not deleted (tried again on the next run)');
        }
      }
    }
    return { deleted, errors };
  }

  /** Deletes one ticket's audio and clears its path, if it is still closed and expired (row locked meanwhile). */
  async #deleteRecording(id: string, before: Date): Promise<boolean> {
    return inTransaction(this.d.pool, async (c) => {
      const { rows } = await c.query<{ recording_path: string }>(
        `select t.recording_path from tickets t
          where t.id = $1 and t.status = 'closed' and t.recording_path is not null and ${CLOSED_AT} < $2
          for update of t skip locked`,
        [id, before],
      );
      const rel = rows[0]?.recording_path;
      if (!rel) return false; // reopened, already done, or being changed right now (next run)
      // The file first: should the commit fail, the path stays and the next run deletes again (force: a missing file is fine).
      await this.d.recordings.remove(rel, c);
      await c.query("update tickets set recording_path = null, recording_state = 'deleted' where id = $1", [id]);
      await c.query(
        `insert into ticket_history (ticket_id, actor, action, from_value, to_value, note) values ($1, 'hotline', 'retention', null, $2, $3)`,
        [id, JSON.stringify({ recording: 'deleted' }), `recording deleted after ${this.d.days.recordings} days (SEC-03)`],
      );
      return true;
    });
  }

  /** The stored paths a ticket or a survey answer still points at. */
  async #referenced(paths: string[]): Promise<Set<string>> {
    if (paths.length === 0) return new Set();
    const { rows } = await this.d.pool.query<{ p: string }>(
      `select recording_path as p from tickets where recording_path = any($1)
       union select comment_path from survey_responses where comment_path = any($1)`,
      [paths],
    );
    return new Set(rows.map((r) => r.p));
  }

  async #anonymiseTickets(before: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await inTransaction(this.d.pool, async (c) => {
        const { rows } = await c.query<{ id: string }>(
          `update tickets set caller_number = mask_number(caller_number), callback_number = mask_number(callback_number)
            where id in (select t.id from tickets t
                          where t.status = 'closed' and ${CLOSED_AT} < $1
                            and (mask_number(t.caller_number) <> t.caller_number or mask_number(t.callback_number) <> t.callback_number)
                          limit $2 for update of t skip locked)
            returning id`,
          [before, this.d.batch ?? 500],
        );
        for (const { id } of rows) {
          await c.query(
            `insert into ticket_history (ticket_id, actor, action, from_value, to_value, note) values ($1, 'hotline', 'retention', null, $2, $3)`,
            [id, JSON.stringify({ personalData: 'anonymised' }), `caller and callback numbers masked after ${this.d.days.personalData} days (SEC-03)`],
          );
        }
        return rows.length;
      });
      total += n;
      if (n === 0) return total;
    }
  }

  async #anonymiseCalls(before: Date): Promise<number> {
    let total = 0;
    for (;;) {
      // A callback's customer is its called number; an inbound call's called number is the hotline's own.
      const res = await this.d.pool.query(
        `update calls set caller_number = mask_number(caller_number),
                          called_number = case when direction = 'callback' then mask_number(called_number) else called_number end,
                          updated_at = now()
          where id in (select id from calls
                        where started_at < $1
                          and (mask_number(caller_number) <> caller_number
                               or (direction = 'callback' and mask_number(called_number) <> called_number))
                        limit $2 for update skip locked)`,
        [before, this.d.batch ?? 500],
      );
      const n = res.rowCount ?? 0;
      total += n;
      if (n === 0) return total;
    }
  }
}

/** The daily run as a worker (node-cron, in the hotline's time zone). */
export function retentionWorker(retention: Retention, o: { schedule: string; timezone: string; now: () => Date; log: Logger }): Worker {
  let task: ScheduledTask | null = null;
  return {
    name: 'retention',
    start: () => {
      task = cron.createTask(
        o.schedule,
        async () => {
          try {
            await retention.run(o.now());
          } catch (err) {
            o.log.error({ err }, 'retention run failed (tried again at the next schedule)');
          }
        },
        { name: 'retention', timezone: o.timezone, noOverlap: true },
      );
      void task.start();
    },
    stop: async () => {
      await task?.destroy();
      task = null;
      await retention.idle();
    },
  };
}
