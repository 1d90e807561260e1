import type { Queryable } from '../db/transaction.ts';
import type { AttemptResult, ChannelName } from './channel.ts';
import type { Payload } from './notification.ts';

/** The SQL of the outbox (table notification_deliveries, migrations 005 and 007). */

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface ClaimedDelivery {
  id: string;
  event: string;
  subjectId: string;
  channel: ChannelName;
  /** The number of this attempt (1-based), counted by the claim. */
  attempt: number;
  payload: Payload;
}


/**
 * One row per channel for the notification; a row that already exists is left
 * as it is (unique event, subject, channel). Returns the channels that got a new row.
 */
export async function insertDeliveries(
  db: Queryable,
  n: { event: string; subjectId: string; payload: Payload },
  rows: Array<{ channel: ChannelName; target: string }>,
): Promise<ChannelName[]> {
  if (rows.length === 0) return [];
  const params: unknown[] = [n.subjectId, JSON.stringify(n.payload), n.event];
  const values = rows.map((r) => {
    params.push(r.channel, r.target);
    return `($1::uuid, $${params.length - 1}, $${params.length}, $2::jsonb, $3)`;
  });
  const res = await db.query<{ channel: ChannelName }>(
    `insert into notification_deliveries (subject_id, channel, target, payload, event)
     values ${values.join(', ')}
     on conflict (event, subject_id, channel) do nothing
     returning channel`,
    params,
  );
  return res.rows.map((r) => r.channel);
}

/** What the claim needs to know of each configured channel. */
export interface ClaimChannel {
  name: ChannelName;
  target: string;
  maxAttempts: number;
}

/**
 * Claims up to `limit` due deliveries of the given channels for one attempt
 * each, in one statement: the attempt counter goes up and next_attempt_at
 * moves to the end of a lease, so no other worker (in this or another
 * process) claims the same attempt; rows locked by a concurrent claim are
 * skipped rather than waited for. A process that dies mid-attempt leaves the
 * row to be claimed again when the lease ends. The target is refreshed from
 * the current configuration, so a corrected URL or recipient list also
 * serves the deliveries already waiting. Rows that have used up their
 * attempts are not claimed (see failExhausted).
 */
export async function claimDue(
  db: Queryable,
  channels: ClaimChannel[],
  limit: number,
  leaseMs: number,
): Promise<ClaimedDelivery[]> {
  if (channels.length === 0) return [];
  const byName = JSON.stringify(Object.fromEntries(channels.map((c) => [c.name, { target: c.target, max: c.maxAttempts }])));
  const res = await db.query<{ id: string; subject_id: string; event: string; channel: ChannelName; attempts: number; payload: Payload }>(
    `update notification_deliveries d
        set attempts = d.attempts + 1,
            next_attempt_at = now() + $3::float8 * interval '1 millisecond',
            target = coalesce($1::jsonb -> d.channel ->> 'target', d.target)
       from (select id from notification_deliveries
              where status = 'pending' and next_attempt_at <= now() and $1::jsonb ? channel
                and attempts < ($1::jsonb -> channel ->> 'max')::int
              order by next_attempt_at
              limit $2
              for update skip locked) due
      where d.id = due.id
      returning d.id, d.subject_id, d.event, d.channel, d.attempts, d.payload`,
    [byName, limit, leaseMs],
  );
  return res.rows.map((r) => ({ id: r.id, event: r.event, subjectId: r.subject_id, channel: r.channel, attempt: r.attempts, payload: r.payload }));
}

/**
 * Marks failed the pending deliveries whose last attempt was claimed but never
 * recorded (its process died) once that attempt's lease is over, and those
 * left with more attempts than a lowered maxAttempts allows. Returns how many.
 */
export async function failExhausted(db: Queryable, channels: ClaimChannel[]): Promise<number> {
  if (channels.length === 0) return 0;
  const max = JSON.stringify(Object.fromEntries(channels.map((c) => [c.name, c.maxAttempts])));
  const res = await db.query(
    `update notification_deliveries
        set status = 'failed',
            last_error = coalesce(last_error || '; ', '') || 'no attempts left (the outcome of the last one was not recorded)'
      where status = 'pending' and next_attempt_at <= now() and $1::jsonb ? channel
        and attempts >= ($1::jsonb ->> channel)::int`,
    [max],
  );
  return res.rowCount ?? 0;
}

/**
 * Records the outcome of a claimed attempt, together with its row in
 * notification_attempts. A success is recorded whatever happened meanwhile; a
 * failure only while the row still carries this attempt (a worker whose lease
 * ran out must not reschedule a newer attempt). Safe to run twice (retried
 * after a lost connection). Returns the row's status afterwards, or null when
 * the row was no longer this attempt's to update.
 */
export async function recordAttempt(
  db: Queryable,
  claimed: Pick<ClaimedDelivery, 'id' | 'attempt'>,
  result: AttemptResult,
  startedAt: Date,
  maxAttempts: number,
  retryDelayMs: number,
): Promise<DeliveryStatus | null> {
  const res = await db.query<{ status: DeliveryStatus }>(
    `with updated as (
       update notification_deliveries
          set status = case when $3::boolean then 'delivered'
                            when attempts >= $6::int then 'failed'
                            else 'pending' end,
              delivered_at = case when $3::boolean then now() else delivered_at end,
              next_attempt_at = case when $3::boolean or attempts >= $6::int then next_attempt_at
                                     else now() + $7::float8 * interval '1 millisecond' end,
              last_status = $4::int,
              last_error = $5::text
        where id = $1::uuid and status = 'pending' and ($3::boolean or attempts = $2::int)
        returning status
     ), attempt as (
       insert into notification_attempts (delivery_id, attempt, started_at, ok, status, error)
       values ($1::uuid, $2::int, $8::timestamptz, $3::boolean, $4::int, $5::text)
       on conflict (delivery_id, attempt) do nothing
     )
     select status from updated`,
    [claimed.id, claimed.attempt, result.ok, result.status, result.error, maxAttempts, retryDelayMs, startedAt.toISOString()],
  );
  return res.rows[0]?.status ?? null;
}

/** Milliseconds until the earliest pending delivery of these channels is due (0 if overdue), or null if none. */
export async function msUntilNextDue(db: Queryable, channels: ChannelName[]): Promise<number | null> {
  if (channels.length === 0) return null;
  const res = await db.query<{ ms: number | null }>(
    // Clamped here, not with greatest(0, …): that skips NULLs and would make an empty outbox "due now",
    // a round without pause (measured: 500 queries a second on an idle node).
    `select (extract(epoch from (min(next_attempt_at) - now())) * 1000)::float8 as ms
       from notification_deliveries where status = 'pending' and channel = any($1::text[])`,
    [channels],
  );
  const ms = res.rows[0]?.ms;
  return ms === null || ms === undefined ? null : Math.max(0, Number(ms));
}

// ---------------------------------------------------------------------------
// Reading, for the staff API

export interface AttemptRecord {
  attempt: number;
  startedAt: string;
  finishedAt: string;
  ok: boolean;
  status: number | null;
  error: string | null;
}

export interface DeliveryRecord {
  id: string;
  event: string;
  ticketId: string;
  channel: ChannelName;
  target: string;
  status: DeliveryStatus;
  /** Attempts claimed so far (history may lack one whose process died before recording it). */
  attempts: number;
  lastError: string | null;
  lastStatus: number | null;
  /** When the next attempt is due; null once delivered or failed. */
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
  history: AttemptRecord[];
}

/** The notifications about a ticket (new, reopened), oldest first, webhook before email, each with its attempts in order. */
export async function listDeliveries(pool: Queryable, ticketId: string): Promise<DeliveryRecord[]> {
  const deliveries = await pool.query<{
    id: string;
    event: string;
    ticket_id: string;
    channel: ChannelName;
    target: string;
    status: DeliveryStatus;
    attempts: number;
    last_error: string | null;
    last_status: number | null;
    next_attempt_at: Date;
    created_at: Date;
    delivered_at: Date | null;
  }>(
    `select id, event, coalesce(payload ->> 'ticketId', subject_id::text) as ticket_id, channel, target, status, attempts,
            last_error, last_status, next_attempt_at, created_at, delivered_at
       from notification_deliveries
      where event like 'ticket.%' and (subject_id = $1::uuid or payload ->> 'ticketId' = $1::text)
      order by created_at, case channel when 'webhook' then 0 else 1 end`,
    [ticketId],
  );
  if (deliveries.rows.length === 0) return [];
  const attempts = await pool.query<{
    delivery_id: string;
    attempt: number;
    started_at: Date;
    finished_at: Date;
    ok: boolean;
    status: number | null;
    error: string | null;
  }>(
    `select delivery_id, attempt, started_at, finished_at, ok, status, error
       from notification_attempts where delivery_id = any($1::uuid[]) order by delivery_id, attempt`,
    [deliveries.rows.map((d) => d.id)],
  );
  return deliveries.rows.map((d) => ({
    id: d.id,
    event: d.event,
    ticketId: d.ticket_id,
    channel: d.channel,
    target: d.target,
    status: d.status,
    attempts: d.attempts,
    lastError: d.last_error,
    lastStatus: d.last_status,
    nextAttemptAt: d.status === 'pending' ? d.next_attempt_at.toISOString() : null,
    createdAt: d.created_at.toISOString(),
    deliveredAt: d.delivered_at?.toISOString() ?? null,
    history: attempts.rows
      .filter((a) => a.delivery_id === d.id)
      .map((a) => ({
        attempt: a.attempt,
        startedAt: a.started_at.toISOString(),
        finishedAt: a.finished_at.toISOString(),
        ok: a.ok,
        status: a.status,
        error: a.error,
      })),
  }));
}
