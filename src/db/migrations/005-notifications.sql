-- Notifications of new tickets (webhook, e-mail), written to this outbox in the
-- same transaction as the ticket (or right after it) and delivered by a worker
-- with retries, so a receiver or mail server that is away delays a
-- notification and loses none.
--
-- ticket_id has no foreign key on purpose: the tickets table lives in its own
-- migration, and an outbox row must never stop a ticket from being written.
-- Nothing here holds a full phone number or a secret: the payload carries the
-- masked caller number only.
create table notification_deliveries (
  id               uuid primary key default gen_random_uuid(),
  ticket_id        uuid not null,
  channel          text not null check (channel in ('webhook', 'email')),
  -- where the latest attempt went: the webhook URL (credentials and query
  -- removed) or the e-mail recipients, comma-separated
  target           text not null,
  -- the ticket summary the notification is built from (see src/notify/ticket-summary.ts)
  payload          jsonb not null,
  status           text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
  -- attempts claimed so far; a claim counts even if its process died before recording the result
  attempts         integer not null default 0,
  last_error       text,
  -- HTTP status of the webhook, SMTP reply code of the mail server
  last_status      integer,
  -- pending: when the next attempt is due; while an attempt runs, the end of its lease
  next_attempt_at  timestamptz not null default now(),
  created_at       timestamptz not null default now(),
  delivered_at     timestamptz,
  -- enqueueing the same ticket twice creates nothing twice
  unique (ticket_id, channel)
);

-- The worker's claim: due pending rows, oldest first.
create index notification_deliveries_due on notification_deliveries (next_attempt_at) where status = 'pending';

-- One row per finished attempt (the outcome of an attempt whose process died
-- before it could record it is unknown, and the attempt number is then missing here).
create table notification_attempts (
  delivery_id  uuid not null references notification_deliveries (id) on delete cascade,
  attempt      integer not null,
  started_at   timestamptz not null,
  finished_at  timestamptz not null default now(),
  ok           boolean not null,
  status       integer,
  error        text,
  primary key (delivery_id, attempt)
);
