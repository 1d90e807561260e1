-- One row per call: inbound calls, and the calls the hotline places itself
-- (callbacks to callers whose emergency call was cut). The row is written as a
-- whole by the application (idempotent upsert), so a database that was away
-- for a while ends up with the same row as one that never left.
create table calls (
  id              uuid primary key,
  channel_id      text not null,
  sip_call_id     text not null default '',
  direction       text not null check (direction in ('inbound', 'callback')),
  -- the inbound call a callback belongs to (no foreign key: rows are written
  -- independently and may arrive in any order after an outage)
  parent_call_id  uuid,
  caller_number   text not null default '',
  called_number   text not null default '',
  language        text not null,
  category        text check (category in ('repair', 'billing', 'complaint', 'other')),
  started_at      timestamptz not null,
  answered_at     timestamptz,
  ended_at        timestamptz,
  -- [{ "node": "main-menu", "at": "…" }, …] in the order the call passed them
  nodes           jsonb not null default '[]',
  -- [{ "key": "2", "node": "main-menu", "at": "…" }, …]
  keys            jsonb not null default '[]',
  outcome         text,
  outcome_detail  jsonb not null default '{}',
  ended_node      text,
  ended_by        text check (ended_by in ('caller', 'hotline', 'far-end')),
  -- emergency calls: requested/accepted times, who accepted, every duty attempt
  emergency       jsonb,
  resumed_count   integer not null default 0,
  updated_at      timestamptz not null default now()
);

create index calls_started_at on calls (started_at desc);
create index calls_channel_id on calls (channel_id);
create index calls_sip_call_id on calls (sip_call_id) where sip_call_id <> '';
create index calls_outcome on calls (outcome, started_at desc);

-- The supervisor's day/night switch: at most one row, in force until `until`.
create table routing_override (
  id        smallint primary key default 1 check (id = 1),
  mode      text not null check (mode in ('day', 'night')),
  until     timestamptz not null,
  set_by    text not null,
  reason    text not null default '',
  set_at    timestamptz not null default now()
);
