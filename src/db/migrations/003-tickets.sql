-- Tickets: every voicemail becomes one, and staff work them to a deadline.
-- A ticket row is created before the caller's recording starts and completed
-- when the audio is safe in the recording store; the id is made by the
-- application (uuid), so every write is an idempotent retry of the same row.

-- Per-day counter behind the readable reference HL-YYYYMMDD-NNNN.
create table ticket_day_counters (
  day   date primary key,
  last  integer not null
);

create table tickets (
  id                 uuid primary key,
  reference          text not null unique,
  category           text not null check (category in ('repair', 'billing', 'complaint', 'other')),
  -- complaint level of the standard (CMP-02…05); null where it does not apply
  level              smallint check (level between 1 and 4),
  status             text not null default 'new'
                       check (status in ('new', 'assigned', 'in_progress', 'resolved', 'closed', 'reopened')),
  assignee           text,
  caller_number      text not null default '',
  callback_number    text not null default '',
  language           text not null,
  -- the call the voicemail was left on (no foreign key: call rows are written
  -- behind and may arrive after the ticket)
  call_id            uuid,
  source             text not null default 'voicemail',
  -- when the deadline clock started (the message time, or the next opening
  -- of the service desk for hour-based deadlines left out of hours)
  accepted_at        timestamptz not null,
  deadline           timestamptz not null,
  -- the recording: 'recording' while the caller speaks, 'stored' once the
  -- audio is in the project's store, 'empty' when the caller left no audio
  recording_state    text not null default 'recording' check (recording_state in ('recording', 'stored', 'empty')),
  -- name of the recording in Asterisk (unique: the reconciler matches on it)
  recording_name     text not null unique,
  recording_path     text,
  recording_bytes    integer,
  recording_ms       integer,
  recording_sha256   text,
  recording_end      text,
  created_at         timestamptz not null,
  completed_at       timestamptz,
  updated_at         timestamptz not null default now()
);

create index tickets_created_at on tickets (created_at desc);
create index tickets_status on tickets (status, deadline);
create index tickets_category on tickets (category, created_at desc);
create index tickets_unfinished on tickets (created_at) where recording_state = 'recording';

-- Append-only: every change of a ticket, with who made it.
create table ticket_history (
  id          bigserial primary key,
  ticket_id   uuid not null references tickets (id),
  at          timestamptz not null default now(),
  actor       text not null,
  action      text not null,
  from_value  jsonb,
  to_value    jsonb,
  note        text
);

create index ticket_history_ticket on ticket_history (ticket_id, id);

create function ticket_history_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'ticket_history is append-only';
end $$;

create trigger ticket_history_no_update before update or delete on ticket_history
  for each row execute function ticket_history_append_only();
