-- Outbound calls: a durable queue of callback jobs, one row per dial attempt,
-- the opt-out list and the survey answers. Every state change is written
-- before the action it announces: an attempt row exists (and its job is
-- 'dialing') before the call is placed, and the attempt's id is the Asterisk
-- channel id, so a restart can always tell whether the call exists and never
-- places an attempt twice.
create table callback_jobs (
  id            uuid primary key,
  kind          text not null check (kind in ('emergency-callback', 'repair-confirmation', 'survey', 'missed-call')),
  -- higher first: an emergency callback goes before anything else
  priority      smallint not null,
  -- the full number to call (staff see it; logs never do)
  number        text not null,
  language      text not null default 'zh-CN',
  ticket_id     uuid,
  -- the call that led to the job (an abandoned emergency call, a missed call)
  call_id       uuid,
  category      text check (category in ('repair', 'billing', 'complaint', 'other')),
  -- pending: waits for due_at; dialing: an attempt is under way; then one of the ends
  status        text not null default 'pending'
                  check (status in ('pending', 'dialing', 'done', 'unreachable', 'cancelled', 'opted-out')),
  due_at        timestamptz not null,
  attempts      integer not null default 0,
  max_attempts  integer not null,
  -- what came of it: confirmed, not-solved, surveyed, reached, call-later (pending again), …
  result        text,
  result_detail jsonb not null default '{}',
  -- who may dial it again after a crash: the attempt holds it until lease_until
  lease_until   timestamptz,
  -- enqueueing the same job twice creates nothing twice (e.g. one repair confirmation per resolution)
  dedupe_key    text unique,
  created_by    text not null default 'hotline',
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now()
);

create index callback_jobs_due on callback_jobs (priority desc, due_at) where status = 'pending';
create index callback_jobs_number on callback_jobs (number, status);
create index callback_jobs_ticket on callback_jobs (ticket_id) where ticket_id is not null;
create index callback_jobs_created on callback_jobs (created_at desc);

create table callback_attempts (
  -- the Asterisk channel id of the call
  id           uuid primary key,
  job_id       uuid not null references callback_jobs (id),
  attempt      integer not null,
  number       text not null,
  -- dialing: the row is written and the call placed (or about to be); answered: talking; ended
  state        text not null default 'dialing' check (state in ('dialing', 'answered', 'ended')),
  -- answered (a human answered and keyed), no-input (answered, no key: nobody proven), busy,
  -- no-answer, rejected, failed, interrupted (the application stopped)
  outcome      text check (outcome in ('answered', 'no-input', 'busy', 'no-answer', 'rejected', 'failed', 'interrupted')),
  -- the callee's answers as they came: { confirm: 'solved', score: 4, comment: {...}, optOut: true, later: true }
  answers      jsonb not null default '{}',
  cause        integer,
  call_id      uuid,
  started_at   timestamptz not null default now(),
  answered_at  timestamptz,
  ended_at     timestamptz,
  unique (job_id, attempt)
);

create index callback_attempts_open on callback_attempts (started_at) where state <> 'ended';
create index callback_attempts_number_day on callback_attempts (number, started_at);

-- Numbers that asked for no more calls (9 in a call, or staff). Emergency callbacks are exempt.
create table callback_opt_outs (
  number      text primary key,
  at          timestamptz not null default now(),
  source      text not null check (source in ('callee', 'staff')),
  created_by  text not null,
  note        text
);

-- Survey answers (KPI-08/09): one per surveyed job.
create table survey_responses (
  job_id        uuid primary key references callback_jobs (id),
  ticket_id     uuid,
  category      text,
  score         smallint not null check (score between 1 and 5),
  satisfied     boolean not null,
  -- the spoken comment, kept like a voicemail (journal, keeper, reconciler)
  comment_name  text unique,
  comment_state text check (comment_state in ('recording', 'stored', 'empty')),
  comment_path  text,
  comment_ms    integer,
  comment_speech_ms integer,
  answered_at   timestamptz not null default now(),
  completed_at  timestamptz
);

create index survey_responses_ticket on survey_responses (ticket_id);
create index survey_responses_answered on survey_responses (answered_at);

-- The outbox carries more than new tickets now: reopened tickets, duty alerts.
alter table notification_deliveries rename column ticket_id to subject_id;
alter table notification_deliveries add column event text not null default 'ticket.created';
alter table notification_deliveries drop constraint notification_deliveries_ticket_id_channel_key;
alter table notification_deliveries add constraint notification_deliveries_event_subject_channel unique (event, subject_id, channel);
alter table notification_deliveries drop constraint notification_deliveries_channel_check;
alter table notification_deliveries add constraint notification_deliveries_channel_check check (channel in ('webhook', 'email', 'duty-webhook'));
