import type pg from 'pg';
import type { RecordingDraft } from '../voicemail/journal.ts';
import type { RecordingSink } from '../voicemail/voicemail-keeper.ts';
import type { Queryable } from '../db/transaction.ts';
import type { Job } from './job.ts';

/** A survey's spoken comment, as the keeper journals it (id = the survey job's id). */
export interface CommentDraft extends RecordingDraft {
  ticketId: string | null;
  category: string | null;
  score: number;
  satisfied: boolean;
}

export interface SurveyResponse {
  jobId: string;
  ticketId: string | null;
  category: string | null;
  score: number;
  satisfied: boolean;
  comment: { state: string; path: string | null; ms: number | null; speechMs: number | null } | null;
  answeredAt: string;
}

/**
 * Survey answers (KPI-08/09): the score of each surveyed job, and its spoken
 * comment, which the comment keeper brings in like a voicemail (never lost).
 */
export class SurveyRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** The score of a job (idempotent: the same job answered again keeps its first answer's row, score updated). */
  async saveScore(db: Queryable, job: Job, score: number, satisfied: boolean): Promise<void> {
    await db.query(
      `insert into survey_responses (job_id, ticket_id, category, score, satisfied) values ($1, $2, $3, $4, $5)
       on conflict (job_id) do update set score = excluded.score, satisfied = excluded.satisfied`,
      [job.id, job.ticketId, job.category, score, satisfied],
    );
  }

  async ofTicket(ticketId: string): Promise<SurveyResponse[]> {
    const { rows } = await this.pool.query('select * from survey_responses where ticket_id = $1 order by answered_at', [ticketId]);
    return rows.map(fromRow);
  }

  /** The comments as the keeper's sink. */
  comments(ready: () => Promise<void>): RecordingSink<CommentDraft, SurveyResponse> {
    return {
      create: async (d) => {
        await ready();
        await this.pool.query(
          `insert into survey_responses (job_id, ticket_id, category, score, satisfied, comment_name, comment_state, recorded_on)
           values ($1, $2, $3, $4, $5, $6, 'recording', $7)
           on conflict (job_id) do update set comment_name = excluded.comment_name, recorded_on = excluded.recorded_on,
             comment_state = coalesce(survey_responses.comment_state, 'recording')`,
          [d.id, d.ticketId, d.category, d.score, d.satisfied, d.recordingName, d.recordedOn ?? ''],
        );
      },
      completeRecording: async (id, audio, _end, at) => {
        await ready();
        const { rows } = await this.pool.query(
          `update survey_responses set comment_state = $2, comment_path = $3, comment_ms = $4, comment_speech_ms = $5, completed_at = $6
            where job_id = $1 and comment_state = 'recording' returning *`,
          [id, audio ? 'stored' : 'empty', audio?.path ?? null, audio?.ms ?? null, audio?.speechMs ?? null, at],
        );
        if (rows[0]) return { changed: true, ticket: fromRow(rows[0]) };
        const current = await this.pool.query('select * from survey_responses where job_id = $1', [id]);
        return { changed: false, ticket: current.rows[0] ? fromRow(current.rows[0]) : null };
      },
      unfinished: async (nodes) => {
        await ready();
        const { rows } = await this.pool.query(`select * from survey_responses where comment_state = 'recording' and recorded_on = any($1) order by answered_at`, [nodes]);
        return rows.map((r) => ({
          id: r.job_id, recordingName: r.comment_name, createdAt: r.answered_at.toISOString(), recordedOn: r.recorded_on,
          ticketId: r.ticket_id, category: r.category, score: r.score, satisfied: r.satisfied,
        }));
      },
    };
  }
}

function fromRow(r: any): SurveyResponse {
  return {
    jobId: r.job_id,
    ticketId: r.ticket_id,
    category: r.category,
    score: r.score,
    satisfied: r.satisfied,
    comment: r.comment_state ? { state: r.comment_state, path: r.comment_path, ms: r.comment_ms, speechMs: r.comment_speech_ms } : null,
    answeredAt: new Date(r.answered_at).toISOString(),
  };
}
