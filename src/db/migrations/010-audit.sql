-- The audit log (SEC-02/06/07): who read a recording, who changed what over
-- the API, and what the retention run (SEC-03) deleted or anonymised. One row
-- per event, written behind the response; request bodies are never kept.
create table audit_log (
  id       bigserial primary key,
  at       timestamptz not null default now(),
  -- the staff username, 'service' for the service token, 'hotline' for the application itself
  actor    text not null,
  role     text not null default '',
  -- 'recording.read', '<METHOD> <route>' (e.g. 'PATCH /api/tickets/:ref'), 'retention', …
  action   text not null,
  method   text not null default '',
  -- the URL path without the query string
  path     text not null default '',
  -- the route's :ref, :id, :username or :number, when it has one
  subject  text,
  -- the HTTP status answered
  status   integer,
  detail   jsonb not null default '{}'
);

create index audit_log_at on audit_log (at desc);
create index audit_log_actor on audit_log (actor, at desc);
create index audit_log_action on audit_log (action, at desc);

-- Append-only, like ticket_history: no row is ever changed or removed.
create function audit_log_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_log is append-only';
end $$;

create trigger audit_log_no_update before update or delete on audit_log
  for each row execute function audit_log_append_only();

create trigger audit_log_no_truncate before truncate on audit_log
  for each statement execute function audit_log_append_only();

-- A phone number as the retention run (SEC-03) leaves it: only the last 4
-- digits readable, like maskNumber() in src/logging/mask.ts. A value already
-- masked ('', or stars and at most 4 digits) is returned as it is, so running
-- it again never takes more digits away.
create function mask_number(n text) returns text language sql immutable as $$
  select case
    when n is null or n = '' or n ~ '^\*+[0-9]{0,4}$' then n
    when length(regexp_replace(n, '\D', '', 'g')) = 0 then '***'
    when length(regexp_replace(n, '\D', '', 'g')) <= 4 then repeat('*', length(regexp_replace(n, '\D', '', 'g')))
    else repeat('*', length(regexp_replace(n, '\D', '', 'g')) - 4) || right(regexp_replace(n, '\D', '', 'g'), 4)
  end
$$;

-- A voicemail whose audio the retention run deleted: the ticket stays, its
-- message is gone, and the API says so instead of offering a link that fails.
alter table tickets drop constraint tickets_recording_state_check;
alter table tickets add constraint tickets_recording_state_check
  check (recording_state in ('recording', 'stored', 'empty', 'deleted'));
