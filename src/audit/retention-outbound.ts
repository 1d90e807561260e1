import type pg from 'pg';
import { inTransaction } from '../db/transaction.ts';
import type { RecordingStore } from '../recordings/recording-store.ts';

/**
 * The outbound calls' share of the retention run (SEC-03). Finished callback
 * jobs and their attempts keep the callee's full number for `personalData`
 * days after their last change, then keep only its last digits (mask_number);
 * a survey comment's audio goes after `recordings` days, like a voicemail.
 * The opt-out list is not touched: it is the person's own request not to be
 * called, and honouring it needs the number for as long as the hotline calls.
 */
const FINISHED = `('done', 'unreachable', 'cancelled', 'opted-out')`;

/** Masks the numbers of finished jobs last changed before `before`, and of their attempts; returns the jobs masked. */
export async function anonymiseCallbacks(pool: pg.Pool, before: Date, batch: number): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await inTransaction(pool, async (c) => {
      const { rows } = await c.query<{ id: string }>(
        `update callback_jobs set number = mask_number(number)
          where id in (select id from callback_jobs
                        where status in ${FINISHED} and updated_at < $1 and mask_number(number) <> number
                        limit $2 for update skip locked)
          returning id`,
        [before, batch],
      );
      if (rows.length > 0) {
        await c.query(`update callback_attempts set number = mask_number(number) where job_id = any($1::uuid[])`, [rows.map((r) => r.id)]);
      }
      return rows.length;
    });
    total += n;
    if (n === 0) return total;
  }
}

/** Deletes the audio of survey comments completed before `before`; returns how many went, and how many failed (tried again next run). */
export async function deleteSurveyComments(
  pool: pg.Pool, store: RecordingStore, before: Date, batch: number, onError: (jobId: string, err: unknown) => void,
): Promise<{ deleted: number; errors: number }> {
  let deleted = 0;
  let errors = 0;
  // Keyset order, so a comment that failed is not selected again in this run.
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const { rows } = await pool.query<{ job_id: string }>(
      `select job_id from survey_responses
        where comment_path is not null and completed_at < $1 and job_id > $2::uuid
        order by job_id limit $3`,
      [before, after, batch],
    );
    if (rows.length === 0) return { deleted, errors };
    after = rows.at(-1)!.job_id;
    for (const { job_id: id } of rows) {
      try {
        const gone = await inTransaction(pool, async (c) => {
          const { rows: locked } = await c.query<{ comment_path: string }>(
            `select comment_path from survey_responses where job_id = $1 and comment_path is not null for update skip locked`,
            [id],
          );
          const rel = locked[0]?.comment_path;
          if (!rel) return false;
          // The file first: should the commit fail, the path stays and the next run deletes again.
          await store.remove(rel, c);
          await c.query(`update survey_responses set comment_path = null, comment_state = 'deleted' where job_id = $1`, [id]);
          return true;
        });
        if (gone) deleted++;
      } catch (err) {
        errors++;
        onError(id, err);
      }
    }
  }
}
